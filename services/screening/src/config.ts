// The screening service's configuration, parsed once from the environment into a frozen, typed
// object; every problem is listed before the process exits. Nothing else here reads process.env.
import { fileURLToPath } from 'node:url';

import { KEY_ID, parseHashKey, type KeyRing } from '@puente/policy';
import { ConfigError, countrySchema, type Country, kafkaBrokersSchema, logLevelSchema } from '@puente/runtime';
import { z } from 'zod';

// The shared ConfigError, still importable from here as before.
export { ConfigError };

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const unit = z.coerce.number().gt(0).max(1);

const schema = z
  .object({
    KAFKA_BROKERS: kafkaBrokersSchema,
    PUENTE_COUNTRY: countrySchema,
    PUENTE_WATCHLIST_FILE: z.string().min(1).optional(),
    PUENTE_PARTNER_WATCHLIST_FILE: z.string().min(1).optional(),
    PUENTE_HASH_KEY_US_MX: z
      .string()
      .optional()
      .refine((value) => value === undefined || typeof parseHashKey(value) !== 'string', {
        // The value itself is a secret: the message says what is wrong, never what it is.
        error: (issue) => {
          const problem = parseHashKey(String(issue.input));
          return `the bilateral HMAC key ${typeof problem === 'string' ? problem : 'is unusable'} (openssl rand -base64 32)`;
        },
      }),
    PUENTE_HASH_KEY_ID: z
      .string()
      .regex(KEY_ID, 'a key id is 1–32 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit')
      .default('usmx-dev-1'),
    PUENTE_SCREENING_GROUP_ID: z.string().min(1).optional(),
    PUENTE_MATCH_POTENTIAL: unit.default(0.85),
    PUENTE_MATCH_CONFIRMED: unit.default(0.95),
    PUENTE_ENSURE_TOPICS_PARTITIONS: z.coerce.number().int().min(1).max(64).optional(),
    PUENTE_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    PUENTE_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    LOG_LEVEL: logLevelSchema,
  })
  .refine((env) => env.PUENTE_MATCH_POTENTIAL <= env.PUENTE_MATCH_CONFIRMED, {
    message: 'PUENTE_MATCH_POTENTIAL must not exceed PUENTE_MATCH_CONFIRMED',
    path: ['PUENTE_MATCH_POTENTIAL'],
  })
  .refine((env) => env.PUENTE_PARTNER_WATCHLIST_FILE === undefined || env.PUENTE_HASH_KEY_US_MX !== undefined, {
    message:
      "PUENTE_PARTNER_WATCHLIST_FILE is set, but PUENTE_HASH_KEY_US_MX is not: the partner's lists carry document numbers as keyed hashes, matched only by hashing travellers' documents with the same key",
    path: ['PUENTE_HASH_KEY_US_MX'],
  });

/** Default metrics ports (the gateway's is 9464, risk's 9467 and 9468). */
export const SCREENING_METRICS_PORTS = { US: 9465, MX: 9466 } as const;

export interface ScreeningConfig {
  readonly brokers: readonly string[];
  readonly country: Country;
  /** Defaults to deploy/watchlists/<country>.yaml in the repository. */
  readonly watchlistFile: string;
  /** The partner's shared (hashed) lists; undefined: travellers are screened against the own lists only. */
  readonly partnerWatchlistFile: string | undefined;
  /** The bilateral key (PUENTE_HASH_KEY_US_MX as PUENTE_HASH_KEY_ID) travellers' document numbers are hashed with. */
  readonly hashKeyRing: KeyRing | undefined;
  readonly groupId: string | undefined;
  readonly thresholds: { readonly potential: number; readonly confirmed: number };
  readonly ensureTopicsPartitions: number | undefined;
  /** Prometheus endpoint; 0 switches it off. Defaults differ per country so both run on one host. */
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export function loadScreeningConfig(env: Readonly<Record<string, string | undefined>>): ScreeningConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      'screening',
      result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const parsed = result.data;
  return Object.freeze({
    brokers: Object.freeze([...parsed.KAFKA_BROKERS]),
    country: parsed.PUENTE_COUNTRY,
    watchlistFile:
      parsed.PUENTE_WATCHLIST_FILE ?? `${repoRoot}deploy/watchlists/${parsed.PUENTE_COUNTRY.toLowerCase()}.yaml`,
    partnerWatchlistFile: parsed.PUENTE_PARTNER_WATCHLIST_FILE,
    hashKeyRing: hashKeyRing(parsed.PUENTE_HASH_KEY_ID, parsed.PUENTE_HASH_KEY_US_MX),
    groupId: parsed.PUENTE_SCREENING_GROUP_ID,
    thresholds: Object.freeze({ potential: parsed.PUENTE_MATCH_POTENTIAL, confirmed: parsed.PUENTE_MATCH_CONFIRMED }),
    ensureTopicsPartitions: parsed.PUENTE_ENSURE_TOPICS_PARTITIONS,
    metricsPort: parsed.PUENTE_METRICS_PORT ?? SCREENING_METRICS_PORTS[parsed.PUENTE_COUNTRY],
    metricsHost: parsed.PUENTE_METRICS_HOST,
    logLevel: parsed.LOG_LEVEL,
  });
}

// The schema has checked the key already; a single key, as the agreements' hashKeys.current.
function hashKeyRing(id: string, value: string | undefined): KeyRing | undefined {
  if (value === undefined) return undefined;
  const key = parseHashKey(value);
  return typeof key === 'string' ? undefined : Object.freeze({ current: Object.freeze({ id, key }) });
}
