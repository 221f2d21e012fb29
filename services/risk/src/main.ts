// The risk service as its own process on Kafka: read config, build, start, stop on SIGTERM/SIGINT.
import process from 'node:process';

import { createCodec, createLogger, KafkaBus, stopOnSignals } from '@puente/sdk';

import { ConfigError, loadRiskConfig } from './config.js';
import { createRiskService } from './risk-service.js';
import { loadRiskRules } from './risk-rules.js';
import { loadTrustedShippers } from './trusted-shippers.js';

async function main(): Promise<void> {
  const config = loadRiskConfig(process.env);
  const name = `puente-risk-${config.country.toLowerCase()}`;
  const logger = createLogger({ name, level: config.logLevel });
  const rules = loadRiskRules(config.rulesFile);
  const trustedShippers = loadTrustedShippers(config.trustedShippersFile);
  const bus = new KafkaBus({ brokers: [...config.brokers], clientId: name, logger });
  await bus.start();
  const service = createRiskService({
    bus,
    codec: createCodec(),
    country: config.country,
    rules,
    trustedShippers,
    logger,
    joinTimeoutMs: config.joinTimeoutMs,
    ...(config.groupId ? { groupId: config.groupId } : {}),
  });
  await service.start();
  logger.info({ modelVersion: rules.modelVersion, trustedShippers: trustedShippers.size }, 'risk service ready');

  stopOnSignals(async () => {
    await service.stop();
    await bus.stop();
  }, logger);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? `risk service failed to start: ${error.message}`
        : error,
  );
  process.exit(1);
});
