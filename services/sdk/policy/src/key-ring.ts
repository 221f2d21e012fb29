// Builds an agreement's key ring from its hashKeys and the key variables: each key read, checked
// (base64 of at least 32 bytes) and loaded, the previous one only while its overlap lasts.
import { createSecretKey, type KeyObject } from 'node:crypto';

import type { AgreementDocument, RecordRule } from './agreement-document.js';
import type { HashKeyReference } from './agreement-hash-keys.js';
import type { KeyRing } from './hashing.js';

/** Where the key ring's keys come from, and the clock at load. */
export interface KeyRingOptions {
  /** Reads a key variable; the configuration layer decides where it comes from (env, files). */
  readonly secret: (name: string) => string | undefined;
  /** The clock at load (epoch ms), Date.now by default: a previous key whose overlap ended is not loaded. */
  readonly now?: () => number;
}

const MIN_KEY_BYTES = 32;

/** Keys are base64 (or base64url) of at least 32 random bytes: `openssl rand -base64 32`. */
export function parseHashKey(value: string): KeyObject | string {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return 'is not base64';
  const bytes = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  if (bytes.length < MIN_KEY_BYTES)
    return `decodes to ${bytes.length} bytes; an HMAC key needs at least ${MIN_KEY_BYTES}`;
  return createSecretKey(bytes);
}

function usesHash(rules: readonly RecordRule[]): boolean {
  return rules.some((rule) => rule.fields.some((field) => field.action.kind === 'hash'));
}

/**
 * The agreement's key ring from `hashKeys` and the key variables, or undefined (with the
 * problem pushed) when it has none or a key is missing or malformed.
 */
export function keyRing(
  document: AgreementDocument,
  options: KeyRingOptions,
  push: (line: number | undefined, at: string, message: string) => void,
): KeyRing | undefined {
  const keys = document.hashKeys;
  if (keys === 'invalid') return undefined;
  if (keys === null) {
    if (document.topics.some((topic) => usesHash(topic.rules))) {
      push(
        undefined,
        'hashKeys',
        'rules use hash, but the agreement names no hashKeys: write hashKeys: { current: { id: <key id>, env: <variable holding the HMAC key> } }',
      );
    }
    return undefined;
  }
  const load = (reference: HashKeyReference, at: string): KeyObject | undefined => {
    const raw = options.secret(reference.env);
    if (raw === undefined || raw.trim() === '') {
      push(reference.line, at, `environment variable ${reference.env} (HMAC key ${reference.id}) is not set`);
      return undefined;
    }
    const parsed = parseHashKey(raw);
    if (typeof parsed !== 'string') return parsed;
    push(reference.line, at, `${reference.env} (HMAC key ${reference.id}) ${parsed}`);
    return undefined;
  };
  const current = load(keys.current, 'hashKeys.current');
  // A previous key whose overlap has already ended hashes nothing any more: its variable may be gone.
  const overlapping =
    keys.previous && keys.previous.until.getTime() > (options.now ?? Date.now)() ? keys.previous : null;
  const previous = overlapping && load(overlapping, 'hashKeys.previous');
  if (!current || previous === undefined) return undefined;
  return {
    current: { id: keys.current.id, key: current },
    ...(previous && overlapping
      ? { previous: { id: overlapping.id, key: previous, until: overlapping.until.getTime() } }
      : {}),
  };
}
