// Synthetic US and MX agencies publishing through the gateway's gRPC port as real external
// clients would: generated events at a steady rate, each with the bearer token of the agency
// that owns it (CBP, HSI, USAO; ANAM, FGR, INM). At start the programme offices (CBP Trusted
// Traveler Programs, INM) publish their registries; about once a minute a pre-cleared northbound
// truck is followed by ANAM's manifest of the same trip naming a consignee on MX's watchlist.
import { credentials as grpcCredentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { PayloadFormat, ShareServiceClient, type PublishResponse } from '@puente/proto';
import { createCodec } from '@puente/contracts';
import type { Country } from '@puente/runtime';

import { SimulatorError } from './errors.js';
import {
  createRng,
  compileGeneratorOptions,
  generateCargoManifest,
  generateInvestigationEvent,
  generatePreClearedPair,
  generateProsecutionEvent,
  generateTravellerCrossing,
  PUBLISHING_AGENCY,
  trustedTravellerStatusEvents,
  type GeneratedEvent,
  type GeneratorOptions,
  type MixedEventKind,
  type PreClearedPair,
  type Rng,
  type TrustedTravellerRegistry,
} from './synthetic/index.js';

/** "US/cargo", "MX/crossing" … */
export type MixKey = `${Country}/${MixedEventKind}`;

/** Relative weights of what the agencies publish: mostly manifests and travellers, some cases. */
export const DEFAULT_MIX: Readonly<Record<MixKey, number>> = Object.freeze({
  'US/cargo': 5,
  'MX/cargo': 5,
  'US/crossing': 3,
  'MX/crossing': 2,
  'US/investigation': 1,
  'MX/investigation': 1,
  'US/prosecution': 0.5,
  'MX/prosecution': 0.5,
});

/** When the demo pair of a revoked pre-clearance is published. */
export interface PreClearedPairSchedule {
  /** First pair this long after start (default 20 s, so a demo shows one soon). */
  readonly firstAfterMs?: number;
  /** Then one pair every … (default 60 s). */
  readonly everyMs?: number;
  /** ANAM's manifest follows CBP's this long after CBP's was accepted (default 5 s), once US risk has granted FAST. */
  readonly delayMs?: number;
}

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
  /**
   * Trusted-traveller registries published at start, before any crossing (default: the generator's
   * reference data, i.e. deploy/trusted-travellers; false: none).
   */
  readonly registries?: readonly TrustedTravellerRegistry[] | false;
  /** The demo pair of a revoked pre-clearance (default on, about once a minute; false: off). */
  readonly preClearedPair?: PreClearedPairSchedule | false;
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
  /** Registry statuses the programme offices published at start. */
  readonly registryStatuses: number;
  /** Demo pairs whose both manifests were accepted. */
  readonly preClearedPairs: number;
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

const GENERATE: Record<MixedEventKind, (rng: Rng, country: Country, options?: GeneratorOptions) => GeneratedEvent> = {
  cargo: generateCargoManifest,
  investigation: generateInvestigationEvent,
  prosecution: generateProsecutionEvent,
  crossing: generateTravellerCrossing,
};

interface Compiled {
  readonly weights: readonly (readonly [MixKey, number])[];
  readonly skipped: readonly { readonly kind: MixKey; readonly publisher: string }[];
  readonly intervalMs: number;
  readonly perTick: number;
  readonly maxInFlight: number;
  readonly registries: readonly TrustedTravellerRegistry[];
  readonly pair: Required<PreClearedPairSchedule> | undefined;
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
    const [country, kind] = key.split('/') as [Country, MixedEventKind];
    const publisher = `${country}/${PUBLISHING_AGENCY[country][kind]}`;
    if (weight > 0 && options.tokens[publisher]) weights.push([key, weight]);
    else if (weight > 0) skipped.push({ kind: key, publisher });
  }
  const pair =
    options.preClearedPair === false
      ? undefined
      : { firstAfterMs: 20_000, everyMs: 60_000, delayMs: 5_000, ...options.preClearedPair };
  if (pair && !(pair.everyMs > 0 && pair.firstAfterMs >= 0 && pair.delayMs >= 0))
    problems.push(
      `preClearedPair needs everyMs > 0, firstAfterMs ≥ 0 and delayMs ≥ 0, got ${JSON.stringify(options.preClearedPair)}`,
    );
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
    // A registry is published by its programme office; one without a token is left out.
    registries: (options.registries === false ? [] : (options.registries ?? defaultRegistries(options))).filter(
      (r) => options.tokens[`${r.country}/${PUBLISHING_AGENCY[r.country]['trusted-traveller']}`],
    ),
    // Both halves need their publisher: CBP for the pre-cleared manifest, ANAM for the trip's twin.
    pair: pair && options.tokens['US/CBP'] && options.tokens['MX/ANAM'] ? pair : undefined,
  };
}

/** The registries of the generator's reference data (deploy/trusted-travellers unless given others). */
function defaultRegistries(options: AgencySimulatorOptions): TrustedTravellerRegistry[] {
  const { US, MX } = compileGeneratorOptions(options.generator).reference;
  return [US.trustedTravellers, MX.trustedTravellers];
}

export function createAgencySimulator(options: AgencySimulatorOptions): AgencySimulator {
  const compiled = compileAgencySimulatorOptions(options);
  const rng = createRng(options.seed);
  // Sub-streams of their own, so the registry and the demo pairs never shift the steady mix.
  const registryRng = rng.fork();
  const pairRng = rng.fork();
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
  const counts = {
    published: 0,
    failed: 0,
    skipped: 0,
    inFlight: 0,
    watchlistHits: 0,
    registryStatuses: 0,
    preClearedPairs: 0,
  };
  const byTopic: Record<string, number> = {};
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  const pairTimers = new Set<NodeJS.Timeout>();
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

  /** Publishes one event; resolves true once the gateway accepted it, false when it did not. */
  const send = (event: GeneratedEvent): Promise<boolean> => {
    counts.inFlight++;
    return new Promise((resolve) => {
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
          resolve(!error);
        },
      );
    });
  };

  const generate = (what: string, make: () => GeneratedEvent | PreClearedPair) => {
    try {
      return make();
    } catch (cause) {
      counts.failed++;
      report(SimulatorError.fromUnknown('GENERATION_FAILED', what, cause), undefined);
      return undefined;
    }
  };

  const publishOne = () => {
    const event = generate('generating an event', () => {
      const key = rng.weighted(compiled.weights);
      const [country, kind] = key.split('/') as [Country, MixedEventKind];
      return GENERATE[kind](rng, country, options.generator);
    }) as GeneratedEvent | undefined;
    if (event) void send(event);
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

  /** The programme offices' registries, all answered before the first crossing is generated. */
  const publishRegistries = async () => {
    const events = compiled.registries.flatMap((registry) =>
      trustedTravellerStatusEvents(registryRng, registry, { now: options.generator?.now }),
    );
    const accepted = await Promise.all(events.map(send));
    counts.registryStatuses += accepted.filter(Boolean).length;
  };

  const publishPair = () => {
    const pair = generate('generating a pre-cleared pair', () => generatePreClearedPair(pairRng, options.generator)) as
      PreClearedPair | undefined;
    if (!pair || stopped) return;
    void send(pair.us).then((accepted) => {
      if (!accepted || stopped) return;
      const later = setTimeout(() => {
        pairTimers.delete(later);
        if (stopped) return;
        void send(pair.mx).then((ok) => {
          if (ok) counts.preClearedPairs++;
        });
      }, compiled.pair?.delayMs ?? 0);
      pairTimers.add(later);
    });
  };

  const schedulePairs = () => {
    const schedule = compiled.pair;
    if (!schedule) return;
    const first = setTimeout(() => {
      pairTimers.delete(first);
      if (stopped) return;
      publishPair();
      const every = setInterval(publishPair, schedule.everyMs);
      pairTimers.add(every);
    }, schedule.firstAfterMs);
    pairTimers.add(first);
  };

  return {
    publishing: compiled.weights.map(([key]) => key),
    skippedKinds: compiled.skipped,
    start() {
      if (started || stopped) return;
      started = true;
      void publishRegistries().then(() => {
        if (stopped) return;
        tick();
        timer = setInterval(tick, compiled.intervalMs);
        schedulePairs();
      });
    },
    async stop(graceMs = 2_000) {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      for (const t of pairTimers) clearInterval(t);
      pairTimers.clear();
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
