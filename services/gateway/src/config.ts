// The gateway's configuration, parsed once from the environment into a frozen, typed object;
// every problem is listed before the process exits. Nothing else in the gateway reads process.env.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type CheckpointPublicKeys, publicKeysFromEnv } from '@puente/ledger';
import { ConfigError, kafkaBrokersSchema, logLevelSchema } from '@puente/runtime';
import { z } from 'zod';

// The shared ConfigError, still importable from here as before.
export { ConfigError };

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const port = z.coerce.number().int().min(0).max(65_535);

const schema = z
  .object({
    KAFKA_BROKERS: kafkaBrokersSchema,
    PUENTE_GATEWAY_ADDRESS: z
      .string()
      .regex(/^[^\s]+:\d+$/, 'must be host:port')
      .default('127.0.0.1:50051'),
    PUENTE_POLICIES_DIR: z.string().default(`${repoRoot}deploy/policies`),
    PUENTE_PUBLISHERS_FILE: z.string().default(`${repoRoot}deploy/gateway/publishers.yaml`),
    PUENTE_TLS_CA: z.string().optional(),
    PUENTE_TLS_CERT: z.string().optional(),
    PUENTE_TLS_KEY: z.string().optional(),
    PUENTE_DEV_TOKENS_FILE: z.string().optional(),
    PUENTE_METRICS_PORT: port.default(9464),
    // Loopback by default; a container publishing the port sets 0.0.0.0.
    PUENTE_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    SCHEMA_REGISTRY_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional(),
    SCHEMA_REGISTRY_PASSWORD: z.string().min(1).optional(),
    PUENTE_ENSURE_TOPICS_PARTITIONS: z.coerce.number().int().min(1).max(64).optional(),
    PUENTE_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    // Production replication of the disclosure topic; a single broker sets 1 and 1.
    PUENTE_AUDIT_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(32).default(3),
    PUENTE_AUDIT_MIN_INSYNC_REPLICAS: z.coerce.number().int().min(1).max(32).default(2),
    LOG_LEVEL: logLevelSchema,
  })
  .superRefine((env, context) => {
    if ((env.SCHEMA_REGISTRY_USERNAME === undefined) !== (env.SCHEMA_REGISTRY_PASSWORD === undefined)) {
      context.addIssue({
        code: 'custom',
        message: 'SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together',
        path: ['SCHEMA_REGISTRY_USERNAME'],
      });
    }
    if (env.PUENTE_AUDIT_MIN_INSYNC_REPLICAS > env.PUENTE_AUDIT_REPLICATION_FACTOR) {
      context.addIssue({
        code: 'custom',
        message: `must not exceed PUENTE_AUDIT_REPLICATION_FACTOR (${env.PUENTE_AUDIT_REPLICATION_FACTOR}): no write could be acknowledged`,
        path: ['PUENTE_AUDIT_MIN_INSYNC_REPLICAS'],
      });
    }
    const tls = [env.PUENTE_TLS_CA, env.PUENTE_TLS_CERT, env.PUENTE_TLS_KEY];
    if (tls.some(Boolean) && !tls.every(Boolean)) {
      context.addIssue({
        code: 'custom',
        message: 'PUENTE_TLS_CA, PUENTE_TLS_CERT and PUENTE_TLS_KEY go together',
        path: ['PUENTE_TLS_CA'],
      });
    }
    if (!tls.some(Boolean) && !env.PUENTE_DEV_TOKENS_FILE) {
      context.addIssue({
        code: 'custom',
        message:
          'no way to authenticate callers: set PUENTE_TLS_* for mutual TLS, or PUENTE_DEV_TOKENS_FILE for development tokens',
        path: ['PUENTE_TLS_CA'],
      });
    }
  });

// The disclosure ledgers (issue 16: operators' ledger queries), kept apart from the schema above.
// DATABASE_URL is the PostgreSQL server holding both countries' ledgers (schemas ledger_us and
// ledger_mx, written by the audit services); PUENTE_AUDIT_PUBLIC_KEYS_FILE the public keys their
// checkpoints must be signed with (the format @puente/ledger's publicKeysFromEnv reads).
const ledgerSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    PUENTE_AUDIT_PUBLIC_KEYS_FILE: z.string().min(1).optional(),
  })
  .superRefine((env, context) => {
    if (env.PUENTE_AUDIT_PUBLIC_KEYS_FILE !== undefined && env.DATABASE_URL === undefined) {
      context.addIssue({
        code: 'custom',
        message: 'PUENTE_AUDIT_PUBLIC_KEYS_FILE verifies the ledgers at DATABASE_URL: set DATABASE_URL too',
        path: ['PUENTE_AUDIT_PUBLIC_KEYS_FILE'],
      });
    }
  });

export interface GatewayLedgerConfig {
  readonly databaseUrl: string;
  /**
   * Per country, the keys its checkpoints may be signed with, by key id. Undefined without
   * PUENTE_AUDIT_PUBLIC_KEYS_FILE: then no checkpoint is judged valid (signed by an unknown key).
   */
  readonly checkpointKeys: CheckpointPublicKeys | undefined;
}

export interface GatewayConfig {
  readonly brokers: readonly string[];
  readonly address: string;
  readonly policiesDir: string;
  readonly publishersFile: string;
  readonly tls: { readonly caFile: string; readonly certFile: string; readonly keyFile: string } | undefined;
  readonly devTokensFile: string | undefined;
  /** 0 switches the metrics endpoint off. */
  readonly metricsPort: number;
  readonly metricsHost: string;
  /** A Confluent-compatible registry the catalog is pushed to, with its ids, before the gateway starts. */
  readonly schemaRegistry:
    { readonly url: string; readonly auth?: { readonly username: string; readonly password: string } } | undefined;
  /** Create missing topics (catalog, dead-letter, audit) with this many partitions at start. */
  readonly ensureTopicsPartitions: number | undefined;
  /** Replication of the disclosure topic (created by the gateway when missing). */
  readonly auditTopic: { readonly replicationFactor: number; readonly minInsyncReplicas: number };
  readonly shutdownGraceMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The disclosure ledgers to answer operators' ledger queries from; undefined without DATABASE_URL. */
  readonly ledger: GatewayLedgerConfig | undefined;
  /** Secrets by variable name (HMAC keys named by agreements), from the same snapshot. */
  readonly secret: (name: string) => string | undefined;
}

export function loadGatewayConfig(env: Readonly<Record<string, string | undefined>>): GatewayConfig {
  // A relative path means relative to where the command was typed: `pnpm --filter … start` runs
  // the script in the package's directory but says where it was invoked in INIT_CWD.
  const base = env['INIT_CWD'] || process.cwd();
  const path = <T extends string | undefined>(value: T): T =>
    value === undefined ? value : (resolve(base, value) as T);
  const parsed = schema.safeParse(env);
  const ledgerParsed = ledgerSchema.safeParse(env);
  const problems = [...(parsed.error?.issues ?? []), ...(ledgerParsed.error?.issues ?? [])].map(
    (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`,
  );
  const ledger = ledgerParsed.success ? ledgerConfigOf(ledgerParsed.data, path, problems) : undefined;
  if (!parsed.success || problems.length > 0) throw new ConfigError('gateway', problems);
  const c = parsed.data;
  const snapshot = { ...env };
  return Object.freeze({
    brokers: c.KAFKA_BROKERS,
    address: c.PUENTE_GATEWAY_ADDRESS,
    policiesDir: path(c.PUENTE_POLICIES_DIR),
    publishersFile: path(c.PUENTE_PUBLISHERS_FILE),
    tls:
      c.PUENTE_TLS_CA && c.PUENTE_TLS_CERT && c.PUENTE_TLS_KEY
        ? { caFile: path(c.PUENTE_TLS_CA), certFile: path(c.PUENTE_TLS_CERT), keyFile: path(c.PUENTE_TLS_KEY) }
        : undefined,
    devTokensFile: path(c.PUENTE_DEV_TOKENS_FILE),
    metricsPort: c.PUENTE_METRICS_PORT,
    metricsHost: c.PUENTE_METRICS_HOST,
    schemaRegistry: c.SCHEMA_REGISTRY_URL
      ? {
          url: c.SCHEMA_REGISTRY_URL,
          ...(c.SCHEMA_REGISTRY_USERNAME && c.SCHEMA_REGISTRY_PASSWORD
            ? { auth: { username: c.SCHEMA_REGISTRY_USERNAME, password: c.SCHEMA_REGISTRY_PASSWORD } }
            : {}),
        }
      : undefined,
    ensureTopicsPartitions: c.PUENTE_ENSURE_TOPICS_PARTITIONS,
    auditTopic: Object.freeze({
      replicationFactor: c.PUENTE_AUDIT_REPLICATION_FACTOR,
      minInsyncReplicas: c.PUENTE_AUDIT_MIN_INSYNC_REPLICAS,
    }),
    shutdownGraceMs: c.PUENTE_SHUTDOWN_GRACE_MS,
    logLevel: c.LOG_LEVEL,
    ledger,
    secret: (name: string) => snapshot[name],
  });
}

/** The ledger block, its key file read now; its problems join the others. */
function ledgerConfigOf(
  env: z.infer<typeof ledgerSchema>,
  path: (value: string | undefined) => string | undefined,
  problems: string[],
): GatewayLedgerConfig | undefined {
  if (env.DATABASE_URL === undefined) return undefined;
  try {
    const file = path(env.PUENTE_AUDIT_PUBLIC_KEYS_FILE);
    return {
      databaseUrl: env.DATABASE_URL,
      checkpointKeys: file === undefined ? undefined : publicKeysFromEnv({ PUENTE_AUDIT_PUBLIC_KEYS_FILE: file }),
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}
