// The gateway as its own process on Kafka: read config, build, start, and on SIGTERM/SIGINT
// drain in-flight calls and stop in reverse order. Acknowledged offsets are committed as acks
// arrive, so a drained stop loses nothing.
import process from 'node:process';

import { KafkaBus } from '@puente/bus';
import { createCodec, createSchemaRegistry } from '@puente/contracts';
import { installKafkajsHooks } from '@puente/kafka-client';
import { type LedgerStore, openLedger } from '@puente/ledger';
import { createPolicyStore } from '@puente/policy';
import { COUNTRIES, type Country, createLogger, stopOnSignals } from '@puente/runtime';

import { loadPublishPermissions } from './auth/authorization.js';
import { ConfigError, type GatewayLedgerConfig, loadGatewayConfig } from './config.js';
import { createGateway, type Gateway } from './create-gateway.js';
import { createAuthenticator, createServerCredentials, loadTokenStore } from './auth/identity.js';
import { isGatewayBookkeeping } from './gateway-topics.js';
import { serveMetrics } from './metrics.js';

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const logger = createLogger({ name: 'puente-gateway', level: config.logLevel });
  const codec = createCodec();
  if (config.schemaRegistry) {
    // Before anything is produced: bytes framed with catalog ids must mean the same schemas in
    // the registry, so a registry holding other ids for a subject version stops the start here.
    const registry = createSchemaRegistry({ catalog: codec.catalog, ...config.schemaRegistry });
    const report = await registry.publishCatalog(codec.catalog.data);
    logger.info(
      {
        registry: config.schemaRegistry.url,
        subjects: report.subjects.length,
        imported: report.subjects.reduce((n, s) => n + s.imported.length, 0),
      },
      'catalog in the schema registry with its ids',
    );
  }
  // One-pass record encoding and decoding for this process's kafkajs (same bytes, less CPU).
  installKafkajsHooks();
  const bus = new KafkaBus({
    brokers: config.brokers,
    clientId: 'puente-gateway',
    logger,
    separateProducerFor: isGatewayBookkeeping,
  });
  // Set once built: a reload re-evaluates its open subscriptions (the first load comes before it).
  const built: { gateway?: Gateway } = {};
  const policies = createPolicyStore({
    dir: config.policiesDir,
    schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
    secret: config.secret,
    onReload: (set) => {
      logger.info({ agreements: set.agreements.map((a) => `${a.id}@${a.version}`) }, 'agreements in force');
      built.gateway?.agreementsChanged();
    },
    onRejected: (error) => {
      // Failing closed is not possible here (no valid set to apply), so it must be loud: a
      // revocation in a refused change does not take effect until the file is fixed.
      logger.error({ problems: error.problems }, 'changed agreement rejected; previous version stays in force');
      built.gateway?.metrics.agreementReloadsRejected.inc();
    },
  });
  await policies.start();
  const ledgers = config.ledger ? await openLedgers(config.ledger) : undefined;
  if (config.ledger && !config.ledger.checkpointKeys) {
    logger.warn('no PUENTE_AUDIT_PUBLIC_KEYS_FILE: VerifyLedger will judge every checkpoint signed by an unknown key');
  }
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
    auditTopic: config.auditTopic,
    ...(ledgers ? { ledgers } : {}),
    ...(config.ledger?.checkpointKeys ? { checkpointKeys: config.ledger.checkpointKeys } : {}),
    logger,
  });
  built.gateway = gateway;
  let metrics: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  try {
    await gateway.start();
    if (config.metricsPort > 0)
      metrics = await serveMetrics(gateway.metrics.registry, config.metricsPort, config.metricsHost);
  } catch (error) {
    // A failed start still leaves Kafka tidy: readers already started delete their groups.
    await gateway.stop(0).catch(() => undefined);
    await policies.stop();
    await closeLedgers(ledgers);
    await bus.stop();
    throw error;
  }
  logger.info(
    {
      port: gateway.port,
      metrics: metrics ? `${config.metricsHost}:${config.metricsPort}` : 'off',
      tls: config.tls !== undefined,
      ledgers: ledgers ? Object.keys(ledgers) : 'none',
      // The process to signal: wrappers such as npx and pnpm do not pass SIGTERM on.
      pid: process.pid,
    },
    'gateway ready',
  );

  // Draining: in-flight calls finish, then components stop in reverse order of start.
  stopOnSignals(async () => {
    await gateway.stop(config.shutdownGraceMs);
    metrics?.close();
    await policies.stop();
    await closeLedgers(ledgers);
    await bus.stop();
    logger.info('gateway stopped');
  }, logger);
}

/** Both countries' ledgers at DATABASE_URL (schemas ledger_us, ledger_mx); the gateway only reads them. */
async function openLedgers(config: GatewayLedgerConfig): Promise<Partial<Record<Country, LedgerStore>>> {
  const opened: Partial<Record<Country, LedgerStore>> = {};
  for (const country of COUNTRIES) {
    try {
      opened[country] = await openLedger({ country, databaseUrl: config.databaseUrl });
    } catch (error) {
      await closeLedgers(opened);
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`the ${country} disclosure ledger at DATABASE_URL could not be opened (${reason})`, {
        cause: error,
      });
    }
  }
  return opened;
}

async function closeLedgers(ledgers: Partial<Record<Country, LedgerStore>> | undefined): Promise<void> {
  for (const ledger of Object.values(ledgers ?? {})) await ledger.close().catch(() => undefined);
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
