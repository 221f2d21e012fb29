// Synthetic US and MX agencies publishing through the gateway's gRPC port as real external
// clients would: generated events at a steady rate, each with the bearer token of the agency
// that owns it (CBP, HSI, USAO; ANAM, FGR).
import { credentials as grpcCredentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { PayloadFormat, ShareServiceClient, type PublishResponse } from '@puente/proto';
import { createCodec } from '@puente/contracts';
import type { Country } from '@puente/runtime';

import { SimulatorError } from './errors.js';
import {
  createRng,
  generateCargoManifest,
  generateInvestigationEvent,
  generateProsecutionEvent,
  PUBLISHING_AGENCY,
  type EventKind,
  type GeneratedEvent,
  type GeneratorOptions,
  type Rng,
} from './synthetic/index.js';

/** "US/cargo", "MX/prosecution" … */
export type MixKey = `${Country}/${EventKind}`;

/** Relative weights of what the agencies publish: mostly manifests, some cases. */
export const DEFAULT_MIX: Readonly<Record<MixKey, number>> = Object.freeze({
  'US/cargo': 5,
  'MX/cargo': 5,
  'US/investigation': 1,
  'MX/investigation': 1,
  'US/prosecution': 0.5,
  'MX/prosecution': 0.5,
});

export interface PublishedEvent {
  readonly event: GeneratedEvent;
  readonly response: PublishResponse;
}

export interface AgencySimulatorOptions {
  /** Gateway address, e.g. 127.0.0.1:50051. */
  readonly address: string;
  /** Channel credentials (default insecure, as for a development gateway). */
  readonly credentials?: ChannelCredentials;
  /** Bearer token per publisher, e.g. { 'US/CBP': '…', 'MX/ANAM': '…' }; kinds without one are skipped. */
  readonly tokens: Readonly<Record<string, string | undefined>>;
  /** Events per second over all agencies. */
  readonly ratePerSecond: number;
  readonly seed: number;
  /** Relative weights per country and kind (default {@link DEFAULT_MIX}). */
  readonly mix?: Partial<Record<MixKey, number>>;
  /** Generator options: watchlist-hit rate, risky-goods rate, clock. */
  readonly generator?: GeneratorOptions;
  /** Publishes still waiting for an answer beyond which a tick is skipped (default 64). */
  readonly maxInFlight?: number;
  readonly onPublished?: (published: PublishedEvent) => void;
  readonly onError?: (error: SimulatorError, event: GeneratedEvent | undefined) => void;
}

export interface AgencySimulatorStats {
  readonly published: number;
  readonly failed: number;
  /** Ticks skipped because too many publishes were still in flight. */
  readonly skipped: number;
  readonly inFlight: number;
  readonly watchlistHits: number;
  readonly byTopic: Readonly<Record<string, number>>;
}

export interface AgencySimulator {
  start(): void;
  /** Stops publishing, waits up to `graceMs` for answers in flight, closes the channel. */
  stop(graceMs?: number): Promise<void>;
  stats(): AgencySimulatorStats;
  /** The country/kind combinations that will be published, and those left out for want of a token. */
  readonly publishing: readonly MixKey[];
  readonly skippedKinds: readonly { readonly kind: MixKey; readonly publisher: string }[];
}

const GENERATE: Record<EventKind, (rng: Rng, country: Country, options?: GeneratorOptions) => GeneratedEvent> = {
  cargo: generateCargoManifest,
  investigation: generateInvestigationEvent,
  prosecution: generateProsecutionEvent,
};

interface Compiled {
  readonly weights: readonly (readonly [MixKey, number])[];
  readonly skipped: readonly { readonly kind: MixKey; readonly publisher: string }[];
  readonly intervalMs: number;
  readonly perTick: number;
  readonly maxInFlight: number;
}

function compileAgencySimulatorOptions(options: AgencySimulatorOptions): Compiled {
  const problems: string[] = [];
  if (!options.address) problems.push('address is required');
  if (!(options.ratePerSecond > 0 && options.ratePerSecond <= 10_000))
    problems.push(`ratePerSecond must be > 0 and ≤ 10000, got ${options.ratePerSecond}`);
  if (!Number.isInteger(options.seed)) problems.push(`seed must be an integer, got ${options.seed}`);
  const mix = { ...DEFAULT_MIX, ...options.mix };
  const weights: [MixKey, number][] = [];
  const skipped: { kind: MixKey; publisher: string }[] = [];
  for (const [key, weight] of Object.entries(mix) as [MixKey, number][]) {
    if (!(weight >= 0)) problems.push(`mix['${key}'] must be ≥ 0, got ${weight}`);
    const [country, kind] = key.split('/') as [Country, EventKind];
    const publisher = `${country}/${PUBLISHING_AGENCY[country][kind]}`;
    if (weight > 0 && options.tokens[publisher]) weights.push([key, weight]);
    else if (weight > 0) skipped.push({ kind: key, publisher });
  }
  if (problems.length === 0 && weights.length === 0)
    problems.push('no kind of event can be published: no token for any publisher in the mix');
  if (problems.length > 0)
    throw new SimulatorError({ code: 'INVALID_OPTIONS', message: `agency simulator:\n  - ${problems.join('\n  - ')}` });
  // Timers below ~20 ms are imprecise; at high rates publish several events per tick.
  const intervalMs = Math.max(20, 1000 / options.ratePerSecond);
  return {
    weights,
    skipped,
    intervalMs,
    perTick: (options.ratePerSecond * intervalMs) / 1000,
    maxInFlight: options.maxInFlight ?? 64,
  };
}

export function createAgencySimulator(options: AgencySimulatorOptions): AgencySimulator {
  const compiled = compileAgencySimulatorOptions(options);
  const rng = createRng(options.seed);
  const client = new ShareServiceClient(options.address, options.credentials ?? grpcCredentials.createInsecure());
  const metadata = new Map<string, Metadata>();
  const auth = (publisher: string) => {
    let m = metadata.get(publisher);
    if (!m) {
      m = new Metadata();
      m.set('authorization', `Bearer ${options.tokens[publisher] ?? ''}`);
      metadata.set(publisher, m);
    }
    return m;
  };
  const counts = { published: 0, failed: 0, skipped: 0, inFlight: 0, watchlistHits: 0 };
  const byTopic: Record<string, number> = {};
  let timer: NodeJS.Timeout | undefined;
  let owed = 0;
  let stopped = false;
  let drained: (() => void) | undefined;

  const report = (error: SimulatorError, event: GeneratedEvent | undefined) => {
    try {
      options.onError?.(error, event);
    } catch {
      // A reporting callback never takes the simulator down.
    }
  };

  const publishOne = () => {
    let event: GeneratedEvent;
    try {
      const key = rng.weighted(compiled.weights);
      const [country, kind] = key.split('/') as [Country, EventKind];
      event = GENERATE[kind](rng, country, options.generator);
    } catch (cause) {
      counts.failed++;
      report(SimulatorError.fromUnknown('GENERATION_FAILED', 'generating an event', cause), undefined);
      return;
    }
    counts.inFlight++;
    client.publish(
      {
        topic: event.topic,
        key: event.key,
        payloadFormat: PayloadFormat.AVRO_JSON,
        payload: avroJsonOf(event),
        schemaId: 0,
      },
      auth(event.publisher),
      (error, response) => {
        counts.inFlight--;
        if (error) {
          counts.failed++;
          report(
            SimulatorError.fromUnknown('PUBLISH_FAILED', `${event.publisher} publish to ${event.topic}`, error),
            event,
          );
        } else {
          counts.published++;
          if (event.watchlistHits.length > 0) counts.watchlistHits++;
          byTopic[event.topic] = (byTopic[event.topic] ?? 0) + 1;
          try {
            options.onPublished?.({ event, response });
          } catch {
            // as above
          }
        }
        if (counts.inFlight === 0) drained?.();
      },
    );
  };

  const tick = () => {
    owed += compiled.perTick;
    while (owed >= 1) {
      owed -= 1;
      if (counts.inFlight >= compiled.maxInFlight) {
        counts.skipped++;
        continue;
      }
      publishOne();
    }
  };

  return {
    publishing: compiled.weights.map(([key]) => key),
    skippedKinds: compiled.skipped,
    start() {
      if (timer || stopped) return;
      tick();
      timer = setInterval(tick, compiled.intervalMs);
    },
    async stop(graceMs = 2_000) {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      if (counts.inFlight > 0) {
        await new Promise<void>((resolve) => {
          const deadline = setTimeout(resolve, graceMs);
          drained = () => {
            clearTimeout(deadline);
            resolve();
          };
        });
      }
      client.close();
    },
    stats: () => ({ ...counts, byTopic: { ...byTopic } }),
  };
}

const codec = createCodec();

/** The generated event (friendly JSON, for people) as the Avro JSON the gateway reads. */
function avroJsonOf(event: GeneratedEvent): Buffer {
  return Buffer.from(JSON.stringify(codec.toAvroJson(event.topic, codec.fromFriendlyJson(event.topic, event.value))));
}
