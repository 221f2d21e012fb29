// The audit service as its own process: read config, open the ledger (PostgreSQL or embedded
// PGlite), build, start, and on SIGTERM/SIGINT stop reading, state the head, close everything.
import { mkdirSync } from 'node:fs';
import process from 'node:process';

import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { installKafkajsHooks } from '@puente/kafka-client';
import { checkpointKeyFromEnv, devCheckpointKey, openLedger } from '@puente/ledger';
import { createLogger, createMetricsRegistry, serveMetrics, stopOnSignals } from '@puente/runtime';

import { createAuditService } from './audit-service.js';
import { ConfigError, loadAuditConfig } from './config.js';

async function main(): Promise<void> {
  const config = loadAuditConfig(process.env);
  const configuredKey = checkpointKeyFromEnv(process.env);
  const { country } = config;
  const name = `puente-audit-${country.toLowerCase()}`;
  const logger = createLogger({ name, level: config.logLevel });
  const signingKey = configuredKey ?? devCheckpointKey(country);
  if (!configuredKey) {
    logger.warn(
      { keyId: signingKey.keyId },
      'signing checkpoints with the committed DEVELOPMENT key: set PUENTE_AUDIT_SIGNING_KEY_FILE and PUENTE_AUDIT_KEY_ID for a real ledger',
    );
  }
  const { ledger: where } = config;
  if (where.kind === 'pglite') mkdirSync(where.dataDir, { recursive: true });
  const store = await openLedger(
    where.kind === 'postgres' ? { country, databaseUrl: where.databaseUrl } : { country, dataDir: where.dataDir },
  );
  // One-pass record encoding and decoding for this process's kafkajs (same bytes, less CPU).
  installKafkajsHooks();
  const bus = new KafkaBus({ brokers: [...config.brokers], clientId: name, logger });
  await bus.start();
  const registry = createMetricsRegistry('puente_audit_');
  registry.setDefaultLabels({ country });
  const service = createAuditService({
    bus,
    codec: createCodec(),
    store,
    country,
    signingKey,
    checkpointEvery: config.checkpointEvery,
    logger,
    metrics: registry,
    replicationFactor: config.replicationFactor,
  });
  await service.start();
  const metrics =
    config.metricsPort > 0 ? await serveMetrics(registry, config.metricsPort, config.metricsHost) : undefined;
  logger.info(
    {
      ledger: where.kind === 'postgres' ? 'postgres' : `pglite:${where.dataDir}`,
      keyId: signingKey.keyId,
      checkpointEvery: config.checkpointEvery,
      metrics: metrics ? `${config.metricsHost}:${config.metricsPort}` : 'off',
    },
    'audit service ready',
  );

  stopOnSignals(async () => {
    metrics?.close();
    await service.stop();
    await store.close();
    await bus.stop();
  }, logger);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? `audit service failed to start: ${error.message}`
        : error,
  );
  process.exit(1);
});
