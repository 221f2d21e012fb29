// The gateway's configuration, parsed once from the environment into a frozen, typed object;
// every problem is listed before the process exits. Nothing else in the gateway reads process.env.
import { fileURLToPath } from 'node:url';

import { kafkaBrokersSchema, logLevelSchema } from '@puente/sdk';
import { z } from 'zod';

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
    PUENTE_ENSURE_TOPICS_PARTITIONS: z.coerce.number().int().min(1).max(64).optional(),
    PUENTE_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    LOG_LEVEL: logLevelSchema,
  })
  .superRefine((env, context) => {
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

export interface GatewayConfig {
  readonly brokers: readonly string[];
  readonly address: string;
  readonly policiesDir: string;
  readonly publishersFile: string;
  readonly tls: { readonly caFile: string; readonly certFile: string; readonly keyFile: string } | undefined;
  readonly devTokensFile: string | undefined;
  readonly metricsPort: number;
  readonly ensureTopicsPartitions: number | undefined;
  readonly shutdownGraceMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Secrets by variable name (HMAC keys named by agreements), from the same snapshot. */
  readonly secret: (name: string) => string | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid gateway configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export function loadGatewayConfig(env: Readonly<Record<string, string | undefined>>): GatewayConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`),
    );
  }
  const c = parsed.data;
  const snapshot = { ...env };
  return Object.freeze({
    brokers: c.KAFKA_BROKERS,
    address: c.PUENTE_GATEWAY_ADDRESS,
    policiesDir: c.PUENTE_POLICIES_DIR,
    publishersFile: c.PUENTE_PUBLISHERS_FILE,
    tls:
      c.PUENTE_TLS_CA && c.PUENTE_TLS_CERT && c.PUENTE_TLS_KEY
        ? { caFile: c.PUENTE_TLS_CA, certFile: c.PUENTE_TLS_CERT, keyFile: c.PUENTE_TLS_KEY }
        : undefined,
    devTokensFile: c.PUENTE_DEV_TOKENS_FILE,
    metricsPort: c.PUENTE_METRICS_PORT,
    ensureTopicsPartitions: c.PUENTE_ENSURE_TOPICS_PARTITIONS,
    shutdownGraceMs: c.PUENTE_SHUTDOWN_GRACE_MS,
    logLevel: c.LOG_LEVEL,
    secret: (name: string) => snapshot[name],
  });
}
