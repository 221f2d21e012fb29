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
  PUENTE_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  PUENTE_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: logLevelSchema,
});

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
  /** Prometheus endpoint; 0 switches it off. Defaults differ per country so both run on one host. */
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
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
  const defaults = defaultRiskFiles(e.PUENTE_COUNTRY);
  return Object.freeze({
    brokers: e.KAFKA_BROKERS,
    country: e.PUENTE_COUNTRY,
    rulesFile: e.PUENTE_RISK_RULES_FILE ?? defaults.rulesFile,
    trustedShippersFile: e.PUENTE_TRUSTED_SHIPPERS_FILE ?? defaults.trustedShippersFile,
    travellerRulesFile: e.PUENTE_TRAVELLER_RULES_FILE ?? defaults.travellerRulesFile,
    groupId: e.PUENTE_RISK_GROUP_ID,
    joinTimeoutMs: e.PUENTE_RISK_JOIN_TIMEOUT_MS,
    metricsPort: e.PUENTE_METRICS_PORT ?? RISK_METRICS_PORTS[e.PUENTE_COUNTRY],
    metricsHost: e.PUENTE_METRICS_HOST,
    logLevel: e.LOG_LEVEL,
  });
}
