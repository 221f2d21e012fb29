// The screening service as its own process on Kafka: read config, build, start, and on
// SIGTERM/SIGINT stop in reverse order. Offsets are committed only after results are published,
// so a stop at any moment loses nothing (a redelivered manifest yields the same result ids).
import process from 'node:process';

import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { installKafkajsHooks } from '@puente/kafka-client';
import {
  createLogger,
  createMetricsRegistry,
  registerStatsMetrics,
  serveMetrics,
  stopOnSignals,
} from '@puente/runtime';

import { ConfigError, loadScreeningConfig } from './config.js';
import { createDocumentHasher } from './document-hasher.js';
import { createScreeningService } from './screening-service.js';
import { createWatchlistStore, WatchlistError, type WatchlistStoreOptions } from './watchlists.js';

async function main(): Promise<void> {
  const config = loadScreeningConfig(process.env);
  const name = `puente-screening-${config.country.toLowerCase()}`;
  const logger = createLogger({ name, level: config.logLevel });
  const reporting: WatchlistStoreOptions = {
    onReload: (set) => logger.info({ file: set.source, kind: set.kind, entries: set.size }, 'watchlists reloaded'),
    onRejected: (error) =>
      logger.error(
        { file: error.file, problems: error.problems },
        'changed watchlist rejected; previous lists stay in force',
      ),
  };
  const watchlists = createWatchlistStore(config.watchlistFile, reporting);
  watchlists.start();
  const partnerWatchlists = config.partnerWatchlistFile
    ? createWatchlistStore(config.partnerWatchlistFile, { ...reporting, kind: 'shared' })
    : undefined;
  partnerWatchlists?.start();
  const codec = createCodec();
  // One-pass record encoding and decoding for this process's kafkajs (same bytes, less CPU).
  installKafkajsHooks();
  const bus = new KafkaBus({ brokers: config.brokers, clientId: name, logger });
  await bus.start();
  const service = createScreeningService({
    bus,
    codec,
    country: config.country,
    watchlists,
    ...(partnerWatchlists ? { partnerWatchlists } : {}),
    ...(config.hashKeyRing ? { documentHasher: createDocumentHasher({ ring: config.hashKeyRing }) } : {}),
    logger,
    thresholds: config.thresholds,
    ...(config.groupId ? { groupId: config.groupId } : {}),
    ensureTopics: config.ensureTopicsPartitions ? { partitions: config.ensureTopicsPartitions } : false,
  });
  await service.start();
  const registry = createMetricsRegistry('puente_screening_');
  registry.setDefaultLabels({ country: config.country });
  // Records set aside to dlq.<topic>: the dead letters' own counter, served with the rest.
  registry.registerMetric(service.deadLetters.counter);
  registerStatsMetrics(registry, () => service.stats(), [
    { stat: 'manifests', name: 'puente_screening_manifests_total', help: 'Cargo manifests screened' },
    { stat: 'results', name: 'puente_screening_results_total', help: 'Screening results published' },
    { stat: 'hits', name: 'puente_screening_hits_total', help: 'Manifests with a potential or confirmed match' },
    { stat: 'crossings', name: 'puente_screening_crossings_total', help: 'Traveller crossings screened' },
    {
      stat: 'travellerHits',
      name: 'puente_screening_traveller_hits_total',
      help: 'Crossings whose traveller had a potential or confirmed match',
    },
    {
      stat: 'skipped',
      name: 'puente_screening_skipped_total',
      help: 'Records not screened: without a value, or set aside to dlq.<topic> (those also count in puente_dead_lettered_total)',
    },
  ]);
  const metrics =
    config.metricsPort > 0 ? await serveMetrics(registry, config.metricsPort, config.metricsHost) : undefined;
  logger.info({ metrics: metrics ? `${config.metricsHost}:${config.metricsPort}` : 'off' }, 'screening ready');

  stopOnSignals(async () => {
    metrics?.close();
    await service.stop();
    await bus.stop();
    partnerWatchlists?.stop();
    watchlists.stop();
    logger.info(service.stats(), 'screening stopped');
  }, logger);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError || error instanceof WatchlistError
      ? error.message
      : error instanceof Error
        ? `screening failed to start: ${error.message}`
        : error,
  );
  process.exit(1);
});
