// The risk service as its own process on Kafka: read config, build, start, stop on SIGTERM/SIGINT.
import process from 'node:process';

import { createDeadLetters, KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { installKafkajsHooks } from '@puente/kafka-client';
import { createLogger, serveMetrics, stopOnSignals } from '@puente/runtime';

import { ConfigError, loadRiskConfig } from './config.js';
import { RiskError } from './errors.js';
import { riskMetricsRegistry } from './metrics.js';
import { partnerFeedOf } from './pre-clearance/partner-gateway.js';
import { createPreClearanceService } from './pre-clearance/pre-clearance-service.js';
import { prepareRiskTopics } from './process-topics.js';
import { createRiskService } from './risk-service.js';
import { loadRiskRules } from './risk-rules.js';
import { loadTrustedShippers } from './trusted-shippers.js';
import { createTravellerRiskService } from './traveller-risk-service.js';
import { loadTravellerRules } from './traveller-rules.js';

async function main(): Promise<void> {
  const config = loadRiskConfig(process.env);
  const c = config.country.toLowerCase();
  const name = `puente-risk-${c}`;
  const logger = createLogger({ name, level: config.logLevel });
  const rules = loadRiskRules(config.rulesFile);
  const trustedShippers = loadTrustedShippers(config.trustedShippersFile);
  const travellerRules = loadTravellerRules(config.travellerRulesFile);
  const partnerFeed = config.gateway
    ? partnerFeedOf(config.gateway, {
        logger,
        // Refused for good (credentials, agreement): exit so the orchestrator shows it.
        onRefused: (error) => {
          logger.fatal({ err: error }, 'partner feed refused');
          process.exitCode = 1;
          process.kill(process.pid, 'SIGTERM');
        },
      })
    : undefined;
  // One-pass record encoding and decoding for this process's kafkajs (same bytes, less CPU).
  installKafkajsHooks();
  const bus = new KafkaBus({ brokers: [...config.brokers], clientId: name, logger });
  await bus.start();
  await prepareRiskTopics(bus, config.country, config.ensureTopicsPartitions);
  const codec = createCodec();
  const service = createRiskService({
    bus,
    codec,
    country: config.country,
    rules,
    trustedShippers,
    logger,
    joinTimeoutMs: config.joinTimeoutMs,
    ...(config.groupId ? { groupId: config.groupId } : {}),
  });
  await service.start();
  // One dead-letter counter for the process: the metric name is shared, each service labels its own.
  const { counter } = service.deadLetters;
  // The traveller lanes: their own group over crossings and screening results, same output topic.
  const travellers = createTravellerRiskService({
    bus,
    codec,
    country: config.country,
    rules: travellerRules,
    logger,
    joinTimeoutMs: config.travellerJoinTimeoutMs,
    ...(config.travellerGroupId ? { groupId: config.travellerGroupId } : {}),
    deadLetters: createDeadLetters({ bus, service: `risk-travellers-${c}`, logger, counter }),
  });
  await travellers.start();
  const preClearance = createPreClearanceService({
    bus,
    codec,
    country: config.country,
    partnerFeed,
    logger,
    deadLetters: createDeadLetters({ bus, service: `pre-clearance-${c}`, logger, counter }),
  });
  await preClearance.start();
  const registry = riskMetricsRegistry({ cargo: service, travellers, preClearance }, config.country);
  const metrics =
    config.metricsPort > 0 ? await serveMetrics(registry, config.metricsPort, config.metricsHost) : undefined;
  logger.info(
    {
      modelVersion: rules.modelVersion,
      travellerModelVersion: travellerRules.modelVersion,
      trustedShippers: trustedShippers.size,
      metrics: metrics ? `${config.metricsHost}:${config.metricsPort}` : 'off',
    },
    'risk service ready',
  );

  stopOnSignals(async () => {
    metrics?.close();
    await preClearance.stop();
    await travellers.stop();
    await service.stop();
    await bus.stop();
  }, logger);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError || (error instanceof RiskError && error.code === 'MISSING_TOPICS')
      ? error.message
      : error instanceof Error
        ? `risk service failed to start: ${error.message}`
        : error,
  );
  process.exit(1);
});
