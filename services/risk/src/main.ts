// The risk service as its own process on Kafka: read config, build, start, stop on SIGTERM/SIGINT.
import process from 'node:process';

import { createCodec, createLogger, KafkaBus } from '@puente/sdk';

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

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await service.stop();
    await bus.stop();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stop(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'unclean stop');
          process.exit(1);
        },
      );
    });
  }
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
