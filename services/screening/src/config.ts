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

const hashKey = z
  .string()
  .optional()
  .refine((value) => value === undefined || typeof parseHashKey(value) !== 'string', {
    // The value itself is a secret: the message says what is wrong, never what it is.
    error: (issue) => {
      const problem = parseHashKey(String(issue.input));
      return `the bilateral HMAC key ${typeof problem === 'string' ? problem : 'is unusable'} (openssl rand -base64 32)`;
    },
  });

const keyId = z
  .string()
  .regex(KEY_ID, 'a key id is 1–32 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit');

// The three variables of the key being rotated out: all of them, or none.
const PREVIOUS_KEY_VARIABLES = [
  'PUENTE_HASH_KEY_US_MX_PREVIOUS',
  'PUENTE_HASH_KEY_PREVIOUS_ID',
  'PUENTE_HASH_KEY_PREVIOUS_UNTIL',
] as const;

const schema = z
  .object({
    KAFKA_BROKERS: kafkaBrokersSchema,
    PUENTE_COUNTRY: countrySchema,
    PUENTE_WATCHLIST_FILE: z.string().min(1).optional(),
    PUENTE_PARTNER_WATCHLIST_FILE: z.string().min(1).optional(),
    PUENTE_HASH_KEY_US_MX: hashKey,
    PUENTE_HASH_KEY_ID: keyId.default('usmx-dev-1'),
    // A key rotation's overlap: the old key, still hashed with (beside the new one) until UNTIL.
    PUENTE_HASH_KEY_US_MX_PREVIOUS: hashKey,
    PUENTE_HASH_KEY_PREVIOUS_ID: keyId.optional(),
    PUENTE_HASH_KEY_PREVIOUS_UNTIL: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 time with its offset, e.g. 2026-07-01T00:00:00Z' })
      .optional(),
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
  })
  .superRefine((env, context) => {
    const set = PREVIOUS_KEY_VARIABLES.filter((name) => env[name] !== undefined);
    if (set.length === 0) return;
    for (const name of PREVIOUS_KEY_VARIABLES.filter((n) => env[n] === undefined)) {
      context.addIssue({
        code: 'custom',
        path: [name],
        message: `is not set, but ${set.join(' and ')} is: a previous key needs its value, its id and the end of the overlap`,
      });
    }
    if (env.PUENTE_HASH_KEY_US_MX === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['PUENTE_HASH_KEY_US_MX'],
        message: 'is not set, but a previous key is: the previous key only overlaps a current one',
      });
    }
    if (env.PUENTE_HASH_KEY_PREVIOUS_ID === env.PUENTE_HASH_KEY_ID) {
      context.addIssue({
        code: 'custom',
        path: ['PUENTE_HASH_KEY_PREVIOUS_ID'],
        message: `is the current key's id (PUENTE_HASH_KEY_ID ${env.PUENTE_HASH_KEY_ID}): a rotation gives the new key a new id, or hashes cannot say which key made them`,
      });
    }
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
  /**
   * The bilateral key (PUENTE_HASH_KEY_US_MX as PUENTE_HASH_KEY_ID) travellers' document numbers
   * are hashed with and, during a rotation, the previous one (PUENTE_HASH_KEY_US_MX_PREVIOUS as
   * PUENTE_HASH_KEY_PREVIOUS_ID), hashed with too until PUENTE_HASH_KEY_PREVIOUS_UNTIL.
   */
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
    hashKeyRing: hashKeyRing(parsed),
    groupId: parsed.PUENTE_SCREENING_GROUP_ID,
    thresholds: Object.freeze({ potential: parsed.PUENTE_MATCH_POTENTIAL, confirmed: parsed.PUENTE_MATCH_CONFIRMED }),
    ensureTopicsPartitions: parsed.PUENTE_ENSURE_TOPICS_PARTITIONS,
    metricsPort: parsed.PUENTE_METRICS_PORT ?? SCREENING_METRICS_PORTS[parsed.PUENTE_COUNTRY],
    metricsHost: parsed.PUENTE_METRICS_HOST,
    logLevel: parsed.LOG_LEVEL,
  });
}

// The schema has checked the keys already: one key, as the agreements' hashKeys.current, and the
// previous one with the end of its overlap, as hashKeys.previous. A previous key whose overlap has
// ended stays in the ring harmlessly: the hasher stops using it at `until`.
function hashKeyRing(parsed: z.infer<typeof schema>): KeyRing | undefined {
  const keyOf = (value: string | undefined) => {
    const key = value === undefined ? undefined : parseHashKey(value);
    return typeof key === 'string' ? undefined : key;
  };
  const current = keyOf(parsed.PUENTE_HASH_KEY_US_MX);
  if (current === undefined) return undefined;
  const previous = keyOf(parsed.PUENTE_HASH_KEY_US_MX_PREVIOUS);
  const previousId = parsed.PUENTE_HASH_KEY_PREVIOUS_ID;
  const until = parsed.PUENTE_HASH_KEY_PREVIOUS_UNTIL;
  return Object.freeze({
    current: Object.freeze({ id: parsed.PUENTE_HASH_KEY_ID, key: current }),
    ...(previous !== undefined && previousId !== undefined && until !== undefined
      ? { previous: Object.freeze({ id: previousId, key: previous, until: Date.parse(until) }) }
      : {}),
  });
}
