// The model port in one process on a shared Bus — the gateway, screening and risk management for
// both countries, synthetic US and MX agencies publishing through the gateway's gRPC port as real
// clients would, and partner subscribers printing the policy views they receive.
import { fileURLToPath } from 'node:url';

import { credentials, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import { createGateway } from '@puente/gateway';
import { devGatewayParts, DEV_TOKENS_FILE, readDevTokens } from '@puente/gateway/dev';
import {
  PayloadFormat,
  ShareServiceClient,
  StartPosition,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import {
  createRiskService,
  defaultRiskFiles,
  loadRiskRules,
  loadTrustedShippers,
  type RiskService,
} from '@puente/risk';
import { COUNTRIES, type Logger, serveMetrics, silentLogger } from '@puente/runtime';
import {
  createScreeningService,
  createWatchlistStore,
  type ScreeningService,
  type WatchlistStore,
} from '@puente/screening';
import { type AgencySimulator, createAgencySimulator, publisherTokens } from '@puente/simulators';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface ModelPortOptions {
  /** The bus every service shares, already started; whoever started it stops it after `stop()`. */
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly logger?: Logger;
  /** The gateway's gRPC port on 127.0.0.1 (0: any free port). */
  readonly gatewayPort: number;
  /** Where the gateway's Prometheus metrics are served on 127.0.0.1. */
  readonly metricsPort: number;
  /** Events per second the synthetic agencies publish, over all of them. */
  readonly ratePerSecond: number;
  /** Seed of the synthetic agencies (printed, so a run can be repeated). */
  readonly seed: number;
  /** Secrets the development agreements name; the development key fixture answers the rest. */
  readonly secret?: (name: string) => string | undefined;
  /** Where the model port's lines go (default console.log). */
  readonly print?: (line: string) => void;
  /** Where its failures go (default console.error). */
  readonly printError?: (line: string) => void;
  /** How often the summary line is printed. Default 5 s. */
  readonly summaryIntervalMs?: number;
}

export interface ModelPort {
  /** The port the gateway listens on (known once started). */
  readonly gatewayPort: number;
  start(): Promise<void>;
  /** Stops everything `start()` started, in reverse order; the bus is left to its owner. */
  stop(): Promise<void>;
}

export function createModelPort(options: ModelPortOptions): ModelPort {
  const { bus, codec, metricsPort, ratePerSecond, seed } = options;
  const logger = options.logger ?? silentLogger();
  const print = options.print ?? ((line: string) => console.log(line));
  const printError = options.printError ?? ((line: string) => console.error(line));
  const dev = devGatewayParts(codec, options.secret);
  const gateway = createGateway({
    bus,
    codec,
    policies: () => dev.policies,
    authenticator: dev.authenticator,
    permissions: dev.permissions,
    address: `127.0.0.1:${options.gatewayPort}`,
    ensureTopics: { partitions: 3 },
    logger,
  });

  // Screening and risk management of each country, as their own services would run on Kafka.
  const lanes = new Map<string, number>();
  const services: (ScreeningService | RiskService)[] = [];
  const watchlists: WatchlistStore[] = [];
  for (const country of COUNTRIES) {
    const store = createWatchlistStore(`${root}deploy/watchlists/${country.toLowerCase()}.yaml`);
    watchlists.push(store);
    services.push(createScreeningService({ bus, codec, country, watchlists: store, logger }));
    const files = defaultRiskFiles(country);
    services.push(
      createRiskService({
        bus,
        codec,
        country,
        rules: loadRiskRules(files.rulesFile),
        trustedShippers: loadTrustedShippers(files.trustedShippersFile),
        logger,
        joinTimeoutMs: 10_000,
        onAssessment: (assessment) => {
          const lane = `${country} ${assessment.recommendedLane}`;
          lanes.set(lane, (lanes.get(lane) ?? 0) + 1);
        },
      }),
    );
  }

  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  let client: ShareServiceClient | undefined;
  const partners: ClientDuplexStream<SubscribeRequest, SubscribeResponse>[] = [];
  let agencies: AgencySimulator | undefined;
  let summary: NodeJS.Timeout | undefined;

  const subscribePartners = async (tokens: ReadonlyMap<string, string>): Promise<void> => {
    const auth = (name: string) => {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
      return metadata;
    };
    const share = new ShareServiceClient(`127.0.0.1:${gateway.port}`, credentials.createInsecure());
    client = share;
    for (const [who, label] of [
      ['dev-mx-anam-subscriber', 'MX/ANAM'],
      ['dev-us-cbp-subscriber', 'US/CBP'],
    ] as const) {
      // A start must name its feeds (share.proto): every feed ListFeeds lists for this partner.
      const feeds = await new Promise<string[]>((resolve, reject) =>
        share.listFeeds({ topic: '' }, auth(who), (error, response) =>
          error ? reject(error) : resolve(response.feeds.map((feed) => feed.feedId)),
        ),
      );
      const call = share.subscribe(auth(who));
      call.on('data', (message: SubscribeResponse) => {
        if (message.kind?.$case !== 'deliveries') return;
        const deliveries = message.kind.value.deliveries;
        for (const d of deliveries) {
          const view = JSON.parse(d.payload.toString('utf8')) as Record<string, unknown>;
          const hashed = JSON.stringify(view).match(/"[A-Za-z0-9_-]{43}"/g)?.length ?? 0;
          print(
            `  ${label.padEnd(8)}← ${d.feed.padEnd(34)} ${d.key || '(key withheld)'}  ${Object.keys(view).length} top-level fields, ${hashed} hashed`,
          );
        }
        const last = deliveries[deliveries.length - 1];
        if (last) call.write({ kind: { $case: 'ack', value: { cursors: [last.cursor] } } });
      });
      call.on('error', (error: Error) => printError(`  ${label} subscription ended: ${error.message}`));
      call.write({
        kind: {
          $case: 'start',
          value: {
            subscription: 'embedded-demo',
            feeds,
            payloadFormat: PayloadFormat.AVRO_JSON,
            startPosition: StartPosition.LATEST,
            maxUnacked: 100,
            maxBatchSize: 20,
          },
        },
      });
      partners.push(call);
    }
  };

  const printSummary = async (): Promise<void> => {
    const metrics = await gateway.metrics.registry.getMetricsAsJSON();
    const count = (name: string) =>
      metrics.find((m) => m.name === name)?.values.reduce((sum, v) => sum + Number(v.value), 0) ?? 0;
    const laneText = [...lanes].map(([lane, n]) => `${lane} ${n}`).join(', ') || 'none yet';
    print(
      `— summary: ${count('puente_published_total')} published by agencies, ${count('puente_delivered_total')} shared across the border, ${count('puente_withheld_total')} withheld by policy, ${count('puente_acked_total')} acknowledged; lanes: ${laneText} —`,
    );
  };

  return {
    get gatewayPort() {
      return gateway.port;
    },

    async start() {
      await gateway.start();
      for (const store of watchlists) store.start();
      for (const service of services) await service.start();
      metricsServer = await serveMetrics(gateway.metrics.registry, metricsPort);
      const tokens = readDevTokens();

      print(`Puente model port — embedded (MemoryBus, no Kafka needed)
  gateway    127.0.0.1:${gateway.port} (gRPC: puente.v1.ShareService; health and reflection on)
  metrics    http://127.0.0.1:${metricsPort}/metrics
  tokens     ${DEV_TOKENS_FILE} (development fixture; send as "authorization: Bearer <token>")
  agreements ${dev.policies.agreements.map((a) => `${a.id} v${a.version}`).join(', ')}
Synthetic agencies publish about ${ratePerSecond} events/s (seed ${seed}); partners print what their agreement lets them see. Ctrl-C stops.
`);

      await subscribePartners(tokens);

      // Synthetic US and MX agencies publish generated events through the gateway's gRPC port.
      agencies = createAgencySimulator({
        address: `127.0.0.1:${gateway.port}`,
        tokens: publisherTokens(tokens),
        ratePerSecond,
        seed,
        onPublished: ({ event, response }) => {
          const hit = event.watchlistHits[0];
          print(
            `${event.publisher} → ${response.topic} [${response.partition}@${response.offset}]${hit ? `  (watchlist variant: ${hit.role} "${hit.name}")` : ''}`,
          );
        },
        onError: (error, event) => printError(`  publish to ${event?.topic ?? '(no event)'} failed: ${error.message}`),
      });
      agencies.start();

      summary = setInterval(() => void printSummary(), options.summaryIntervalMs ?? 5_000);
    },

    async stop() {
      await agencies?.stop(1_000);
      clearInterval(summary);
      for (const call of partners) call.end();
      client?.close();
      await gateway.stop(2_000);
      for (const service of [...services].reverse()) await service.stop();
      for (const store of watchlists) store.stop();
      metricsServer?.close();
    },
  };
}

/** Builds the model port and starts it. */
export async function startModelPort(options: ModelPortOptions): Promise<ModelPort> {
  const modelPort = createModelPort(options);
  await modelPort.start();
  return modelPort;
}
