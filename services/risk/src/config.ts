// The risk service's configuration, parsed once from the environment into a frozen, typed
// object; every problem is listed before the process exits. Nothing else here reads process.env.
import { fileURLToPath } from 'node:url';

import { ConfigError, countrySchema, type Country, kafkaBrokersSchema, logLevelSchema } from '@puente/runtime';
import { z } from 'zod';

// The shared ConfigError, still importable from here as before.
export { ConfigError };

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const schema = z.object({
  KAFKA_BROKERS: kafkaBrokersSchema,
  PUENTE_COUNTRY: countrySchema,
  PUENTE_RISK_RULES_FILE: z.string().min(1).optional(),
  PUENTE_TRUSTED_SHIPPERS_FILE: z.string().min(1).optional(),
  PUENTE_TRAVELLER_RULES_FILE: z.string().min(1).optional(),
  PUENTE_RISK_GROUP_ID: z.string().min(1).optional(),
  PUENTE_RISK_JOIN_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  PUENTE_RISK_TRAVELLERS_GROUP_ID: z.string().min(1).optional(),
  // A traveller waits at the booth: seconds, not the cargo join's minutes.
  PUENTE_RISK_TRAVELLERS_JOIN_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  // Development only: create the process's topics with this many partitions at start.
  PUENTE_ENSURE_TOPICS_PARTITIONS: z.coerce.number().int().min(1).max(64).optional(),
  PUENTE_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  PUENTE_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: logLevelSchema,
  // The gateway the pre-clearance service subscribes to for the partner's screening results.
  PUENTE_GATEWAY_ADDRESS: z.string().min(1).optional(),
  PUENTE_GATEWAY_TOKEN: z.string().min(1).optional(),
  PUENTE_GATEWAY_TOKEN_FILE: z.string().min(1).optional(),
  PUENTE_GATEWAY_CA_FILE: z.string().min(1).optional(),
  PUENTE_GATEWAY_CERT_FILE: z.string().min(1).optional(),
  PUENTE_GATEWAY_KEY_FILE: z.string().min(1).optional(),
  PUENTE_PRE_CLEARANCE_SUBSCRIPTION: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 characters of [a-z0-9-] starting with a letter or digit')
    .optional(),
});

/** How the pre-clearance service reaches the gateway as a partner system; files are read by main.ts. */
export interface PartnerGatewayConfig {
  readonly address: string;
  readonly token: string | undefined;
  readonly tokenFile: string | undefined;
  /** Mutual TLS when set: the CA, and the client certificate and key (both or neither). */
  readonly tls: { readonly caFile: string; readonly certFile?: string; readonly keyFile?: string } | undefined;
  /** Subscription name (the gateway keeps its cursor); default `puente-pre-clearance-<country>`. */
  readonly subscription: string;
  /** `<partner>-to-<country>/<partner>.screening-results.v1`. */
  readonly feed: string;
}

/** The rules and registry files shipped in deploy/ for a country (for the embedded start too). */
export function defaultRiskFiles(country: Country): {
  rulesFile: string;
  trustedShippersFile: string;
  travellerRulesFile: string;
} {
  const c = country.toLowerCase();
  return {
    rulesFile: `${repoRoot}deploy/risk/${c}.yaml`,
    trustedShippersFile: `${repoRoot}deploy/trusted-shippers/${c}.yaml`,
    travellerRulesFile: `${repoRoot}deploy/risk/${c}-travellers.yaml`,
  };
}

/** Default metrics ports (the gateway's is 9464, screening's 9465 and 9466). */
export const RISK_METRICS_PORTS = { US: 9467, MX: 9468 } as const;

export interface RiskConfig {
  readonly brokers: readonly string[];
  readonly country: Country;
  readonly rulesFile: string;
  readonly trustedShippersFile: string;
  /** The traveller lanes' rules (deploy/risk/<country>-travellers.yaml by default). */
  readonly travellerRulesFile: string;
  readonly groupId: string | undefined;
  readonly joinTimeoutMs: number;
  /** The traveller lanes' consumer group (default `puente.risk-travellers.<country>`). */
  readonly travellerGroupId: string | undefined;
  /** How long a crossing waits for its screening result. */
  readonly travellerJoinTimeoutMs: number;
  /** Set in development: create the topics the process reads and writes, with this many partitions. */
  readonly ensureTopicsPartitions: number | undefined;
  /** Prometheus endpoint; 0 switches it off. Defaults differ per country so both run on one host. */
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Unset: no gateway, so partner findings are off (pre-clearance still grants). */
  readonly gateway: PartnerGatewayConfig | undefined;
}

export function loadRiskConfig(env: Readonly<Record<string, string | undefined>>): RiskConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      'risk service',
      result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  }
  const e = result.data;
  const problems: string[] = [];
  if (!e.PUENTE_GATEWAY_ADDRESS) {
    for (const name of ['PUENTE_GATEWAY_TOKEN', 'PUENTE_GATEWAY_TOKEN_FILE', 'PUENTE_GATEWAY_CA_FILE'] as const) {
      if (e[name]) problems.push(`${name}: set without PUENTE_GATEWAY_ADDRESS`);
    }
  }
  if (e.PUENTE_GATEWAY_TOKEN && e.PUENTE_GATEWAY_TOKEN_FILE) {
    problems.push('PUENTE_GATEWAY_TOKEN_FILE: set together with PUENTE_GATEWAY_TOKEN; give one');
  }
  if (Boolean(e.PUENTE_GATEWAY_CERT_FILE) !== Boolean(e.PUENTE_GATEWAY_KEY_FILE)) {
    problems.push('PUENTE_GATEWAY_CERT_FILE: the client certificate and PUENTE_GATEWAY_KEY_FILE go together');
  }
  if (e.PUENTE_GATEWAY_CERT_FILE && !e.PUENTE_GATEWAY_CA_FILE) {
    problems.push('PUENTE_GATEWAY_CA_FILE: needed for a client certificate (mutual TLS)');
  }
  if (problems.length > 0) throw new ConfigError('risk service', problems);
  const defaults = defaultRiskFiles(e.PUENTE_COUNTRY);
  const c = e.PUENTE_COUNTRY.toLowerCase();
  const p = e.PUENTE_COUNTRY === 'US' ? 'mx' : 'us';
  const gateway: PartnerGatewayConfig | undefined = e.PUENTE_GATEWAY_ADDRESS
    ? {
        address: e.PUENTE_GATEWAY_ADDRESS,
        token: e.PUENTE_GATEWAY_TOKEN,
        tokenFile: e.PUENTE_GATEWAY_TOKEN_FILE,
        tls: e.PUENTE_GATEWAY_CA_FILE
          ? {
              caFile: e.PUENTE_GATEWAY_CA_FILE,
              ...(e.PUENTE_GATEWAY_CERT_FILE ? { certFile: e.PUENTE_GATEWAY_CERT_FILE } : {}),
              ...(e.PUENTE_GATEWAY_KEY_FILE ? { keyFile: e.PUENTE_GATEWAY_KEY_FILE } : {}),
            }
          : undefined,
        // Subscription names are [a-z0-9-] (share.proto): dashes where topic names have dots.
        subscription: e.PUENTE_PRE_CLEARANCE_SUBSCRIPTION ?? `puente-pre-clearance-${c}`,
        feed: `${p}-to-${c}/${p}.screening-results.v1`,
      }
    : undefined;
  return Object.freeze({
    brokers: e.KAFKA_BROKERS,
    country: e.PUENTE_COUNTRY,
    rulesFile: e.PUENTE_RISK_RULES_FILE ?? defaults.rulesFile,
    trustedShippersFile: e.PUENTE_TRUSTED_SHIPPERS_FILE ?? defaults.trustedShippersFile,
    travellerRulesFile: e.PUENTE_TRAVELLER_RULES_FILE ?? defaults.travellerRulesFile,
    groupId: e.PUENTE_RISK_GROUP_ID,
    joinTimeoutMs: e.PUENTE_RISK_JOIN_TIMEOUT_MS,
    travellerGroupId: e.PUENTE_RISK_TRAVELLERS_GROUP_ID,
    travellerJoinTimeoutMs: e.PUENTE_RISK_TRAVELLERS_JOIN_TIMEOUT_MS,
    ensureTopicsPartitions: e.PUENTE_ENSURE_TOPICS_PARTITIONS,
    metricsPort: e.PUENTE_METRICS_PORT ?? RISK_METRICS_PORTS[e.PUENTE_COUNTRY],
    metricsHost: e.PUENTE_METRICS_HOST,
    logLevel: e.LOG_LEVEL,
    gateway,
  });
}
