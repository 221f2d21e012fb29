// The risk service as its own process on Kafka: read config, build, start, stop on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import process from 'node:process';

import { credentials } from '@grpc/grpc-js';

import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { installKafkajsHooks } from '@puente/kafka-client';
import { createLogger, serveMetrics, stopOnSignals } from '@puente/runtime';

import { ConfigError, loadRiskConfig, type PartnerGatewayConfig } from './config.js';
import { riskMetricsRegistry } from './metrics.js';
import { createGatewayPartnerFeed } from './pre-clearance/gateway-partner-feed.js';
import { createPreClearanceService } from './pre-clearance/pre-clearance-service.js';
import { createRiskService } from './risk-service.js';
import { loadRiskRules } from './risk-rules.js';
import { loadTrustedShippers } from './trusted-shippers.js';
import { createTravellerRiskService } from './traveller-risk-service.js';
import { loadTravellerRules } from './traveller-rules.js';

/** The partner feed of the configured gateway: bearer token (value or file) and/or mutual TLS. */
function partnerFeedOf(gateway: PartnerGatewayConfig, logger: ReturnType<typeof createLogger>) {
  const { tls } = gateway;
  const channel = tls
    ? credentials.createSsl(
        readFileSync(tls.caFile),
        tls.keyFile ? readFileSync(tls.keyFile) : null,
        tls.certFile ? readFileSync(tls.certFile) : null,
      )
    : credentials.createInsecure();
  const token = gateway.token ?? (gateway.tokenFile ? readFileSync(gateway.tokenFile, 'utf8').trim() : undefined);
  return createGatewayPartnerFeed({
    address: gateway.address,
    credentials: channel,
    token,
    subscription: gateway.subscription,
    feeds: [gateway.feed],
    logger,
    onEnded: (error) => {
      // Refused for good (credentials, agreement): exit so the orchestrator shows it.
      logger.fatal({ err: error }, 'partner feed refused');
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    },
  });
}

async function main(): Promise<void> {
  const config = loadRiskConfig(process.env);
  const name = `puente-risk-${config.country.toLowerCase()}`;
  const logger = createLogger({ name, level: config.logLevel });
  const rules = loadRiskRules(config.rulesFile);
  const trustedShippers = loadTrustedShippers(config.trustedShippersFile);
  const travellerRules = loadTravellerRules(config.travellerRulesFile);
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
  // The traveller lanes: their own group over crossings and screening results, same output topic.
  const travellers = createTravellerRiskService({
    bus,
    codec: createCodec(),
    country: config.country,
    rules: travellerRules,
    logger,
  });
  await travellers.start();
  const preClearance = createPreClearanceService({
    bus,
    codec: createCodec(),
    country: config.country,
    partnerFeed: config.gateway ? partnerFeedOf(config.gateway, logger) : undefined,
    logger,
  });
  await preClearance.start();
  const registry = riskMetricsRegistry(service, config.country);
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
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? `risk service failed to start: ${error.message}`
        : error,
  );
  process.exit(1);
});
