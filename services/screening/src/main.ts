// The screening service as its own process on Kafka: read config, build, start, and on
// SIGTERM/SIGINT stop in reverse order. Offsets are committed only after results are published,
// so a stop at any moment loses nothing (a redelivered manifest yields the same result ids).
import process from 'node:process';

import { createCodec, createLogger, KafkaBus, stopOnSignals } from '@puente/sdk';

import { ConfigError, loadScreeningConfig } from './config.js';
import { createScreeningService } from './screening-service.js';
import { createWatchlistStore, WatchlistError } from './watchlists.js';

async function main(): Promise<void> {
  const config = loadScreeningConfig(process.env);
  const name = `puente-screening-${config.country.toLowerCase()}`;
  const logger = createLogger({ name, level: config.logLevel });
  const watchlists = createWatchlistStore(config.watchlistFile, {
    onReload: (set) => logger.info({ file: set.source, entries: set.size }, 'watchlists reloaded'),
    onRejected: (error) =>
      logger.error(
        { file: error.file, problems: error.problems },
        'changed watchlist rejected; previous lists stay in force',
      ),
  });
  watchlists.start();
  const codec = createCodec();
  const bus = new KafkaBus({ brokers: config.brokers, clientId: name, logger });
  await bus.start();
  const service = createScreeningService({
    bus,
    codec,
    country: config.country,
    watchlists,
    logger,
    thresholds: config.thresholds,
    ...(config.groupId ? { groupId: config.groupId } : {}),
    ensureTopics: config.ensureTopicsPartitions ? { partitions: config.ensureTopicsPartitions } : false,
  });
  await service.start();

  stopOnSignals(async () => {
    await service.stop();
    await bus.stop();
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
