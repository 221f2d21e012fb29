// The gateway as its own process on Kafka: read config, build, start, and on SIGTERM/SIGINT
// drain in-flight calls and stop in reverse order. Acknowledged offsets are committed as acks
// arrive, so a drained stop loses nothing.
import process from 'node:process';

import { createCodec, createLogger, createPolicyStore, KafkaBus, stopOnSignals } from '@puente/sdk';

import { loadPublishPermissions } from './authorization.js';
import { ConfigError, loadGatewayConfig } from './config.js';
import { createGateway } from './create-gateway.js';
import { createAuthenticator, createServerCredentials, loadTokenStore } from './identity.js';
import { serveMetrics } from './metrics.js';

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger({ name: 'puente-gateway', level: config.logLevel });
  const codec = createCodec();
  const bus = new KafkaBus({ brokers: config.brokers, clientId: 'puente-gateway', logger });
  const policies = createPolicyStore({
    dir: config.policiesDir,
    schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
    secret: config.secret,
    onReload: (set) =>
      logger.info({ agreements: set.agreements.map((a) => `${a.id}@${a.version}`) }, 'agreements in force'),
    onRejected: (error) =>
      logger.error({ problems: error.problems }, 'changed agreement rejected; previous version stays in force'),
  });
  await policies.start();
  await bus.start();
  const gateway = createGateway({
    bus,
    codec,
    policies: () => policies.current(),
    authenticator: createAuthenticator({
      allowTokens: config.devTokensFile !== undefined,
      ...(config.devTokensFile ? { tokens: loadTokenStore(config.devTokensFile) } : {}),
    }),
    permissions: loadPublishPermissions(config.publishersFile),
    address: config.address,
    ...(config.tls ? { credentials: createServerCredentials({ ...config.tls, requireClientCert: true }) } : {}),
    ensureTopics: config.ensureTopicsPartitions ? { partitions: config.ensureTopicsPartitions } : false,
    logger,
  });
  await gateway.start();
  const metrics = config.metricsPort > 0 ? await serveMetrics(gateway.metrics.registry, config.metricsPort) : undefined;
  logger.info({ port: gateway.port, metricsPort: config.metricsPort, tls: config.tls !== undefined }, 'gateway ready');

  // Draining: in-flight calls finish, then components stop in reverse order of start.
  stopOnSignals(async () => {
    await gateway.stop(config.shutdownGraceMs);
    metrics?.close();
    await policies.stop();
    await bus.stop();
    logger.info('gateway stopped');
  }, logger);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError
      ? error.message
      : error instanceof Error
        ? `gateway failed to start: ${error.message}`
        : error,
  );
  process.exit(1);
});
