// The audit service's configuration, parsed once from the environment into a frozen, typed
// object; every problem is listed before the process exits. The signing key is read by
// @puente/ledger's checkpointKeyFromEnv; nothing else here reads process.env.
import { ConfigError, countrySchema, type Country, kafkaBrokersSchema, logLevelSchema } from '@puente/runtime';
import { z } from 'zod';

export { ConfigError };

const schema = z.object({
  KAFKA_BROKERS: kafkaBrokersSchema,
  PUENTE_COUNTRY: countrySchema,
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a PostgreSQL URL: postgres://user@host:port/database')
    .optional(),
  PUENTE_AUDIT_DATA_DIR: z.string().min(1).optional(),
  PUENTE_AUDIT_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(3),
  PUENTE_AUDIT_CHECKPOINT_ENTRIES: z.coerce.number().int().min(1).default(10_000),
  PUENTE_AUDIT_CHECKPOINT_MS: z.coerce.number().int().min(1).default(60_000),
  PUENTE_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  PUENTE_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: logLevelSchema,
});

/** Default metrics ports (the gateway's is 9464, screening's 9465/9466, risk's 9467/9468). */
export const AUDIT_METRICS_PORTS = { US: 9469, MX: 9470 } as const;

/** Where the ledger lives: a PostgreSQL server, or PGlite embedded in a data directory. */
export type LedgerLocation =
  { readonly kind: 'postgres'; readonly databaseUrl: string } | { readonly kind: 'pglite'; readonly dataDir: string };

export interface AuditConfig {
  readonly brokers: readonly string[];
  readonly country: Country;
  readonly ledger: LedgerLocation;
  /** Replicas of the topics the service creates (checkpoints, dead letters). */
  readonly replicationFactor: number;
  readonly checkpointEvery: { readonly entries: number; readonly ms: number };
  /** Prometheus endpoint; 0 switches it off. Defaults differ per country so both run on one host. */
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly logLevel: z.infer<typeof logLevelSchema>;
}

export function loadAuditConfig(env: Readonly<Record<string, string | undefined>>): AuditConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      'audit service',
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  }
  const e = result.data;
  const ledger: LedgerLocation = e.DATABASE_URL
    ? { kind: 'postgres', databaseUrl: e.DATABASE_URL }
    : { kind: 'pglite', dataDir: e.PUENTE_AUDIT_DATA_DIR ?? `.puente/audit-${e.PUENTE_COUNTRY.toLowerCase()}` };
  return Object.freeze({
    brokers: e.KAFKA_BROKERS,
    country: e.PUENTE_COUNTRY,
    ledger: Object.freeze(ledger),
    replicationFactor: e.PUENTE_AUDIT_REPLICATION_FACTOR,
    checkpointEvery: Object.freeze({ entries: e.PUENTE_AUDIT_CHECKPOINT_ENTRIES, ms: e.PUENTE_AUDIT_CHECKPOINT_MS }),
    metricsPort: e.PUENTE_METRICS_PORT ?? AUDIT_METRICS_PORTS[e.PUENTE_COUNTRY],
    metricsHost: e.PUENTE_METRICS_HOST,
    logLevel: e.LOG_LEVEL,
  });
}
