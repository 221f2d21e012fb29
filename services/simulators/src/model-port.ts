// `pnpm start`: the model port in one process on the embedded MemoryBus — the gateway, screening
// and risk management for both countries, synthetic US and MX agencies publishing through the
// gateway's gRPC port as real clients would, and partner subscribers printing the policy views
// they receive. Ctrl-C stops it cleanly.
import { fileURLToPath } from 'node:url';

import { credentials, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  PayloadFormat,
  ShareServiceClient,
  StartPosition,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { createLogger } from '@puente/runtime';

import { createGateway, serveMetrics } from '@puente/gateway';
import { devGatewayParts, DEV_TOKENS_FILE, readDevTokens } from '@puente/gateway/dev';
import {
  createRiskService,
  defaultRiskFiles,
  loadRiskRules,
  loadTrustedShippers,
  type RiskService,
} from '@puente/risk';
import {
  createScreeningService,
  createWatchlistStore,
  type ScreeningService,
  type WatchlistStore,
} from '@puente/screening';

import { createAgencySimulator } from './agency-simulator.js';
import { publisherTokens } from './config.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const port = Number(process.env['PUENTE_GATEWAY_PORT'] ?? 50051);
const metricsPort = Number(process.env['PUENTE_METRICS_PORT'] ?? 9464);
const intervalMs = Number(process.env['PUENTE_DEMO_INTERVAL_MS'] ?? 0);
// Events per second the synthetic agencies publish: PUENTE_SIM_RATE, else one per
// PUENTE_DEMO_INTERVAL_MS, else about three a second.
const simRate = Number(process.env['PUENTE_SIM_RATE'] ?? (intervalMs > 0 ? 1000 / intervalMs : 3));
const simSeed = Number(process.env['PUENTE_SIM_SEED'] ?? Math.floor(Math.random() * 2 ** 31));

async function main(): Promise<void> {
  const logger = createLogger({ name: 'puente', level: 'warn' });
  const bus = new MemoryBus();
  await bus.start();
  const codec = createCodec();
  const dev = devGatewayParts(codec, (name) => process.env[name]);
  const gateway = createGateway({
    bus,
    codec,
    policies: () => dev.policies,
    authenticator: dev.authenticator,
    permissions: dev.permissions,
    address: `127.0.0.1:${port}`,
    ensureTopics: { partitions: 3 },
    logger,
  });
  await gateway.start();

  // Screening and risk management of each country, as their own services would run on Kafka.
  const lanes = new Map<string, number>();
  const services: (ScreeningService | RiskService)[] = [];
  const watchlists: WatchlistStore[] = [];
  for (const country of ['US', 'MX'] as const) {
    const store = createWatchlistStore(`${root}deploy/watchlists/${country.toLowerCase()}.yaml`);
    store.start();
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
  for (const service of services) await service.start();
  const metricsServer = await serveMetrics(gateway.metrics.registry, metricsPort);
  const tokens = readDevTokens();
  const token = (name: string) => tokens.get(name) ?? '';
  const auth = (name: string) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token(name)}`);
    return metadata;
  };

  console.log(`Puente model port — embedded (MemoryBus, no Kafka needed)
  gateway    127.0.0.1:${gateway.port} (gRPC: puente.v1.ShareService; health and reflection on)
  metrics    http://127.0.0.1:${metricsPort}/metrics
  tokens     ${DEV_TOKENS_FILE} (development fixture; send as "authorization: Bearer <token>")
  agreements ${dev.policies.agreements.map((a) => `${a.id} v${a.version}`).join(', ')}
Synthetic agencies publish about ${simRate} events/s (seed ${simSeed}); partners print what their agreement lets them see. Ctrl-C stops.
`);

  const client = new ShareServiceClient(`127.0.0.1:${gateway.port}`, credentials.createInsecure());
  const partners: ClientDuplexStream<SubscribeRequest, SubscribeResponse>[] = [];
  for (const [who, label] of [
    ['dev-mx-anam-subscriber', 'MX/ANAM'],
    ['dev-us-cbp-subscriber', 'US/CBP'],
  ] as const) {
    // A start must name its feeds (share.proto): every feed ListFeeds lists for this partner.
    const feeds = await new Promise<string[]>((resolve, reject) =>
      client.listFeeds({ topic: '' }, auth(who), (error, response) =>
        error ? reject(error) : resolve(response.feeds.map((feed) => feed.feedId)),
      ),
    );
    const call = client.subscribe(auth(who));
    call.on('data', (message: SubscribeResponse) => {
      if (message.kind?.$case !== 'deliveries') return;
      const deliveries = message.kind.value.deliveries;
      for (const d of deliveries) {
        const view = JSON.parse(d.payload.toString('utf8')) as Record<string, unknown>;
        const hashed = JSON.stringify(view).match(/"[A-Za-z0-9_-]{43}"/g)?.length ?? 0;
        console.log(
          `  ${label.padEnd(8)}← ${d.feed.padEnd(34)} ${d.key || '(key withheld)'}  ${Object.keys(view).length} top-level fields, ${hashed} hashed`,
        );
      }
      const last = deliveries[deliveries.length - 1];
      if (last) call.write({ kind: { $case: 'ack', value: { cursors: [last.cursor] } } });
    });
    call.on('error', (error: Error) => console.error(`  ${label} subscription ended: ${error.message}`));
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

  // Synthetic US and MX agencies publish generated events through the gateway's gRPC port.
  const agencies = createAgencySimulator({
    address: `127.0.0.1:${gateway.port}`,
    tokens: publisherTokens(tokens),
    ratePerSecond: simRate,
    seed: simSeed,
    onPublished: ({ event, response }) => {
      const hit = event.watchlistHits[0];
      console.log(
        `${event.publisher} → ${response.topic} [${response.partition}@${response.offset}]${hit ? `  (watchlist variant: ${hit.role} "${hit.name}")` : ''}`,
      );
    },
    onError: (error, event) => console.error(`  publish to ${event?.topic ?? '(no event)'} failed: ${error.message}`),
  });
  agencies.start();

  const summary = setInterval(() => {
    void gateway.metrics.registry.getMetricsAsJSON().then((metrics) => {
      const count = (name: string) =>
        metrics.find((m) => m.name === name)?.values.reduce((sum, v) => sum + Number(v.value), 0) ?? 0;
      const laneText = [...lanes].map(([lane, n]) => `${lane} ${n}`).join(', ') || 'none yet';
      console.log(
        `— summary: ${count('puente_published_total')} published by agencies, ${count('puente_delivered_total')} shared across the border, ${count('puente_withheld_total')} withheld by policy, ${count('puente_acked_total')} acknowledged; lanes: ${laneText} —`,
      );
    });
  }, 5_000);

  const stop = async () => {
    await agencies.stop(1_000);
    clearInterval(summary);
    for (const call of partners) call.end();
    client.close();
    await gateway.stop(2_000);
    for (const service of services.reverse()) await service.stop();
    for (const store of watchlists) store.stop();
    metricsServer.close();
    await bus.stop();
    console.log('Puente stopped.');
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
