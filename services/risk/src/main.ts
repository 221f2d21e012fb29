// The risk service as its own process on Kafka: read config, build, start, stop on SIGTERM/SIGINT.
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
  // One-pass record encoding and decoding for this process's kafkajs (same bytes, less CPU).
  installKafkajsHooks();
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
  const registry = createMetricsRegistry('puente_risk_');
  registry.setDefaultLabels({ country: config.country });
  const figures = () => {
    const { published, alreadyAssessed, pendingManifests, pendingResults, lanes } = service.stats();
    return { published, alreadyAssessed, pendingManifests, pendingResults, ...lanes };
  };
  // Records set aside to dlq.<topic>: the dead letters' own counter, served with the rest.
  registry.registerMetric(service.deadLetters.counter);
  registerStatsMetrics(registry, figures, [
    { stat: 'published', name: 'puente_risk_assessments_total', help: 'Risk assessments published' },
    { stat: 'alreadyAssessed', name: 'puente_risk_already_assessed_total', help: 'Manifests found assessed before' },
    {
      stat: 'pendingManifests',
      name: 'puente_risk_pending_manifests',
      help: 'Manifests waiting for their screening results',
      kind: 'gauge',
    },
    {
      stat: 'pendingResults',
      name: 'puente_risk_pending_results',
      help: 'Screening results waiting for their manifest',
      kind: 'gauge',
    },
    ...(['EXPEDITED', 'STANDARD', 'SECONDARY_INSPECTION', 'HOLD'] as const).map((lane) => ({
      stat: lane,
      name: `puente_risk_lane_${lane.toLowerCase()}_total`,
      help: `Assessments that chose the ${lane} lane`,
    })),
  ]);
  const metrics =
    config.metricsPort > 0 ? await serveMetrics(registry, config.metricsPort, config.metricsHost) : undefined;
  logger.info(
    {
      modelVersion: rules.modelVersion,
      trustedShippers: trustedShippers.size,
      metrics: metrics ? `${config.metricsHost}:${config.metricsPort}` : 'off',
    },
    'risk service ready',
  );

  stopOnSignals(async () => {
    metrics?.close();
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
