// An agreement's `hashKeys`: the ids of the keys its hashes name, the variables holding them, and
// a previous key with the end of its overlap, read from YAML with the line of each part.
import { isMap, isScalar, type Node } from 'yaml';

import type { Reporter } from './agreement-reporter.js';
import { KEY_ID } from './hashing.js';

/** A key of `hashKeys`: its id, and the environment variable holding it (base64 of ≥ 32 bytes). */
export interface HashKeyReference {
  readonly id: string;
  readonly env: string;
  readonly line: number | undefined;
}

export interface HashKeys {
  readonly current: HashKeyReference;
  /** The key being rotated out: hashes carry it too until `until` (exclusive), the overlap. */
  readonly previous: (HashKeyReference & { readonly until: Date }) | null;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

const HASH_KEYS_HINT =
  'must be { current: { id: <key id>, env: <variable> } }, optionally with previous: { id, env, until: <timestamp> }';

/**
 * `hashKeys: { current: { id, env }, previous: { id, env, until } }`: ids as hashes name them
 * (KEY_ID), variables that hold the keys, and the end of the overlap in which hashes carry the
 * previous key too.
 */
export function parseHashKeys(node: Node | undefined, { problem, lineOf }: Reporter): HashKeys | null {
  if (node === undefined) return null;
  if (!isMap(node)) {
    problem(node, 'hashKeys', HASH_KEYS_HINT);
    return null;
  }
  const reference = (role: 'current' | 'previous'): (HashKeyReference & { until: Date | null }) | null | undefined => {
    const at = `hashKeys.${role}`;
    const entry = node.get(role, true) as Node | undefined;
    if (entry === undefined) {
      if (role === 'current') problem(node, at, `is required: ${HASH_KEYS_HINT}`);
      return null;
    }
    if (!isMap(entry)) {
      problem(entry, at, role === 'current' ? '{ id: <key id>, env: <variable> }' : '{ id, env, until }');
      return undefined;
    }
    const allowed = role === 'current' ? ['id', 'env'] : ['id', 'env', 'until'];
    for (const pair of entry.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!allowed.includes(key))
        problem(pair.key as Node, `${at}.${key}`, `unknown key (expected ${allowed.join(', ')})`);
    }
    const text = (key: string): { value: string | undefined; node: Node | undefined } => {
      const valueNode = entry.get(key, true) as Node | undefined;
      return { value: isScalar(valueNode) ? String(valueNode.value) : undefined, node: valueNode };
    };
    const id = text('id');
    const env = text('env');
    let ok = true;
    if (id.value === undefined || !KEY_ID.test(id.value)) {
      problem(
        id.node ?? entry,
        `${at}.id`,
        `${id.value === undefined ? 'is required' : `'${id.value}' is not a key id`}: 1–32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit (e.g. usmx-2026)`,
      );
      ok = false;
    }
    if (env.value === undefined || !ENV_NAME.test(env.value)) {
      problem(env.node ?? entry, `${at}.env`, 'must name an environment variable, e.g. PUENTE_HASH_KEY_US_MX');
      ok = false;
    }
    let until: Date | null = null;
    if (role === 'previous') {
      const untilNode = entry.get('until', true) as Node | undefined;
      const raw = isScalar(untilNode) ? untilNode.value : undefined;
      const parsed = typeof raw === 'string' ? new Date(raw) : raw instanceof Date ? raw : undefined;
      if (!parsed || Number.isNaN(parsed.getTime())) {
        problem(
          untilNode ?? entry,
          `${at}.until`,
          untilNode === undefined
            ? 'is required: the end of the overlap, when hashes stop carrying the previous key (e.g. 2027-02-01T00:00:00Z)'
            : 'must be an ISO-8601 timestamp, e.g. 2027-02-01T00:00:00Z',
        );
        ok = false;
      } else {
        until = parsed;
      }
    }
    if (!ok || id.value === undefined || env.value === undefined) return undefined;
    return { id: id.value, env: env.value, line: lineOf(entry), until };
  };
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'current' && key !== 'previous')
      problem(pair.key as Node, `hashKeys.${key}`, 'unknown key (expected current, previous)');
  }
  const current = reference('current');
  const previous = reference('previous');
  if (previous && current && previous.id === current.id) {
    problem(
      node.get('previous', true),
      'hashKeys.previous.id',
      `is the current key's id (${current.id}): a rotation names a new id, so hashes say which key made them`,
    );
    return null;
  }
  if (!current || previous === undefined) return null;
  return {
    current: { id: current.id, env: current.env, line: current.line },
    previous:
      previous && previous.until
        ? { id: previous.id, env: previous.env, line: previous.line, until: previous.until }
        : null,
  };
}
