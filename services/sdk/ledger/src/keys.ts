// Where checkpoint keys come from: the environment in production (a PKCS#8 PEM file and its key
// id to sign; a JSON file of public keys to verify), and committed development keys for
// `pnpm start` and tests, marked as such, never for a real ledger.
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';

import { type Country, COUNTRIES, ConfigError, isCountry, messageOf } from '@puente/runtime';

import { type CheckpointSigningKey, publicKeyFromRaw, signingKeyFromPem } from './checkpoint.js';

export type CheckpointPublicKeys = Partial<Record<Country, ReadonlyMap<string, KeyObject>>>;

/** The key id of a country's development key, e.g. `dev-us-1`. */
export const devKeyId = (country: Country): string => `dev-${country.toLowerCase()}-1`;

/** The committed development-only signing key of a country's ledger (dev-keys/README.md). */
export function devCheckpointKey(country: Country): CheckpointSigningKey {
  if (!isCountry(country)) throw new Error(`devCheckpointKey: country must be US or MX, got ${String(country)}`);
  const file = new URL(`../dev-keys/${country.toLowerCase()}-checkpoint.dev.pem`, import.meta.url);
  return signingKeyFromPem(devKeyId(country), readFileSync(file, 'utf8'));
}

/** The development public keys of both countries, in the shape the gateway's options take. */
export function devCheckpointPublicKeys(): CheckpointPublicKeys {
  return Object.fromEntries(
    COUNTRIES.map((c) => {
      const key = devCheckpointKey(c);
      return [c, new Map([[key.keyId, key.publicKey]])];
    }),
  );
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The signing key named by PUENTE_AUDIT_SIGNING_KEY_FILE (a PKCS#8 PEM Ed25519 key) and
 * PUENTE_AUDIT_KEY_ID; undefined when neither is set (the caller may then use the development
 * key, and should say so loudly). Throws a ConfigError listing every problem otherwise.
 */
export function checkpointKeyFromEnv(env: Env): CheckpointSigningKey | undefined {
  const file = env['PUENTE_AUDIT_SIGNING_KEY_FILE'];
  const keyId = env['PUENTE_AUDIT_KEY_ID'];
  if (!file && !keyId) return undefined;
  const problems: string[] = [];
  if (!file)
    problems.push('PUENTE_AUDIT_SIGNING_KEY_FILE is required with PUENTE_AUDIT_KEY_ID: a PKCS#8 PEM Ed25519 key');
  if (!keyId)
    problems.push(
      'PUENTE_AUDIT_KEY_ID is required with PUENTE_AUDIT_SIGNING_KEY_FILE: the id partners know the key by',
    );
  else if (!/^[A-Za-z0-9._:-]{1,128}$/.test(keyId)) {
    problems.push('PUENTE_AUDIT_KEY_ID must be 1 to 128 letters, digits or . _ : -');
  }
  if (file && keyId && problems.length === 0) {
    try {
      return signingKeyFromPem(keyId, readFileSync(file, 'utf8'));
    } catch (error) {
      problems.push(`PUENTE_AUDIT_SIGNING_KEY_FILE (${file}): ${messageOf(error)}`);
    }
  }
  throw new ConfigError('audit signing key', problems);
}

/**
 * The public keys checkpoints must be signed with, from PUENTE_AUDIT_PUBLIC_KEYS_FILE: a JSON
 * object `{ "US": { "<key id>": "<base64 of the 32-byte raw Ed25519 key>" }, "MX": { … } }`.
 * Undefined when the variable is not set.
 */
export function publicKeysFromEnv(env: Env): CheckpointPublicKeys | undefined {
  const file = env['PUENTE_AUDIT_PUBLIC_KEYS_FILE'];
  if (!file) return undefined;
  const problems: string[] = [];
  const where = `PUENTE_AUDIT_PUBLIC_KEYS_FILE (${file})`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('audit public keys', [`${where}: ${messageOf(error)}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('audit public keys', [`${where}: expected a JSON object keyed by country (US, MX)`]);
  }
  const keys: CheckpointPublicKeys = {};
  for (const [country, byId] of Object.entries(parsed)) {
    if (!isCountry(country)) {
      problems.push(`${where}: "${country}" is not a country (US or MX)`);
      continue;
    }
    if (typeof byId !== 'object' || byId === null || Array.isArray(byId)) {
      problems.push(`${where}: ${country} must map key ids to base64 public keys`);
      continue;
    }
    const map = new Map<string, KeyObject>();
    for (const [keyId, value] of Object.entries(byId as Record<string, unknown>)) {
      const raw = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
      if (typeof value !== 'string' || raw.length !== 32) {
        problems.push(`${where}: ${country} key ${keyId} must be the base64 of a 32-byte Ed25519 public key`);
        continue;
      }
      map.set(keyId, publicKeyFromRaw(raw));
    }
    keys[country] = map;
  }
  if (problems.length > 0) throw new ConfigError('audit public keys', problems);
  return keys;
}
