// Keyed hashes in agreements: `hashKeys` (ids, variables, a previous key with its overlap), the
// per-field normalisation, the bilateral match of one document written two ways, and a rotation
// across which old and new hashes still match until the overlap ends.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { parseSchema } from '@puente/contracts';
import type { Partner } from './condition.js';
import { PolicyError, type PolicyProblem } from './errors.js';
import { hashesMatch, parseKeyedHash } from './hashing.js';
import { compilePolicySet } from './policy-set.js';
import { cargoManifest, compileOptions, POLICIES_DIR, topicType } from './testing/fixtures.js';

const MX_ANAM: Partner = { country: 'MX', agency: 'ANAM' };
const US_CBP: Partner = { country: 'US', agency: 'CBP' };

function cargoAgreement(options: { id?: string; version?: number; from?: string; keys: string; field?: string }) {
  const from = options.from ?? 'US';
  return `id: ${options.id ?? 'hashing'}
version: ${options.version ?? 1}
from: ${from}
to: ${from === 'US' ? 'MX' : 'US'}
purposes: [CUSTOMS]
classificationCeiling: RESTRICTED
${options.keys}
topics:
  ${from.toLowerCase()}.cargo-manifests.v1:
    rules:
      - fields:
          manifestId: keep
          driver.documents[*].documentNumber: ${options.field ?? '{ hash: document-number }'}
`;
}

function problemsOf(text: string): readonly PolicyProblem[] {
  try {
    compilePolicySet([{ file: 'hashing.yaml', text }], compileOptions);
  } catch (error) {
    if (error instanceof PolicyError) return error.problems;
    throw error;
  }
  throw new Error('expected the agreement to be refused');
}

/** A cargo manifest whose driver holds one passport, numbered as given. */
function withPassport(number: string, origin = 'US'): Record<string, unknown> {
  const base = cargoManifest();
  return {
    ...base,
    meta: { ...(base['meta'] as object), originCountry: origin },
    driver: {
      ...(base['driver'] as object),
      documents: [
        {
          documentType: 'PASSPORT',
          documentNumber: number,
          issuingCountry: 'MX',
          issuingAuthority: null,
          expiresOn: null,
        },
      ],
    },
  };
}

/** The document number's hash as the agreement releases it, from values and from bytes alike. */
function hashOf(text: string, id: string, event: Record<string, unknown>, partner: Partner, now: number) {
  // Loaded at `now` too: a previous key whose overlap ended before the load is not loaded at all.
  const set = compilePolicySet([{ file: `${id}.yaml`, text }], { ...compileOptions, now: () => now });
  const policy = [...set.agreement(id)!.topics.values()][0]!;
  const decision = policy.apply(event, partner, now);
  if (!decision.admitted) throw new Error(decision.reason);
  const fromBytes = policy.applyBytes(topicType(policy.topic)!.toBuffer(event), 0, partner, { now });
  if (!fromBytes?.admitted) throw new Error('not admitted from bytes');
  expect(fromBytes.viewBytes.equals(parseSchema(policy.viewSchema as never).toBuffer(decision.view))).toBe(true);
  expect(fromBytes.fields).toBe(decision.fields);
  const field = decision.fields.find((f) => f.path === 'driver.documents[*].documentNumber');
  const hash = (decision.view as any).driver.documents[0].documentNumber as string;
  return { hash, keyIds: field?.keyIds, normalization: field?.normalization };
}

describe('hashKeys at load', () => {
  it('replaces hashKeyEnv, saying what to write instead and why', () => {
    const problems = problemsOf(cargoAgreement({ keys: 'hashKeyEnv: PUENTE_HASH_KEY_US_MX' }));
    expect(problems).toContainEqual({
      file: 'hashing.yaml',
      line: 7,
      at: 'hashKeyEnv',
      message:
        'is replaced by hashKeys, because hashes now name their key: write hashKeys: { current: { id: <key id>, env: PUENTE_HASH_KEY_US_MX } } (a key id such as usmx-2026)',
    });
  });

  it('refuses bad key ids, equal ids, a previous key without until, unknown keys and unset variables', () => {
    const at = (keys: string) =>
      problemsOf(cargoAgreement({ keys })).map((p) => `${p.line ?? '-'} ${p.at}: ${p.message}`);
    expect(at('hashKeys: { current: { id: USMX 2026, env: PUENTE_HASH_KEY_US_MX } }')).toEqual([
      expect.stringMatching(/^7 hashKeys\.current\.id: 'USMX 2026' is not a key id: 1–32 characters/),
    ]);
    expect(
      at(`hashKeys:
  current: { id: usmx-1, env: PUENTE_HASH_KEY_US_MX }
  previous: { id: usmx-1, env: PUENTE_HASH_KEY_OTHER, until: 2027-02-01T00:00:00Z }`),
    ).toEqual([
      expect.stringMatching(/^9 hashKeys\.previous\.id: is the current key's id \(usmx-1\): a rotation names a new id/),
    ]);
    expect(
      at(`hashKeys:
  current: { id: usmx-2, env: PUENTE_HASH_KEY_US_MX }
  previous: { id: usmx-1, env: PUENTE_HASH_KEY_OTHER }`),
    ).toEqual([expect.stringMatching(/^9 hashKeys\.previous\.until: is required: the end of the overlap/)]);
    expect(at('hashKeys: { current: { id: usmx-1, env: PUENTE_HASH_KEY_US_MX, key: abc } }')).toEqual([
      expect.stringMatching(/^7 hashKeys\.current\.key: unknown key \(expected id, env\)/),
    ]);
    expect(at('hashKeys: { current: { id: usmx-1, env: PUENTE_HASH_KEY_UNSET } }')).toEqual([
      '7 hashKeys.current: environment variable PUENTE_HASH_KEY_UNSET (HMAC key usmx-1) is not set',
    ]);
    expect(at('hashKeys: { previous: { id: a, env: B, until: 2027-01-01 } }')).toEqual([
      expect.stringMatching(/^7 hashKeys\.current: is required/),
    ]);
  });

  it('refuses a normalisation on a value that is not a string, and an unknown normalisation', () => {
    const keys = 'hashKeys: { current: { id: usmx-1, env: PUENTE_HASH_KEY_US_MX } }';
    const problems = problemsOf(`${cargoAgreement({ keys })}          goods[*].packageCount: { hash: name }
          estimatedArrival: { hash: document-number }
          driver.givenNames: { hash: initials }
`);
    expect(problems.map((p) => `${p.line} ${p.at}: ${p.message}`)).toEqual([
      "16 topics.us.cargo-manifests.v1.rules[0].fields.driver.givenNames: 'initials' is not a normalisation: { hash: exact | document-number | name }",
      '15 topics.us.cargo-manifests.v1.rules[0].fields.estimatedArrival: { hash: document-number } normalises text and applies to strings, not to timestamp-millis; use hash',
      '14 topics.us.cargo-manifests.v1.rules[0].fields.goods[*].packageCount: { hash: name } normalises text and applies to strings, not to int; use hash',
    ]);
  });
});

describe('the bilateral match', () => {
  const text = (name: string) => readFileSync(`${POLICIES_DIR}/${name}`, 'utf8');
  const now = Date.UTC(2026, 10, 20);

  it('hashes a passport written G 1234-5678 in a US event and g12345678 in a MX event alike, with the deploy agreements', () => {
    const us = hashOf(text('us-to-mx.yaml'), 'us-to-mx', withPassport('G 1234-5678'), MX_ANAM, now);
    const mx = hashOf(text('mx-to-us.yaml'), 'mx-to-us', withPassport('g12345678', 'MX'), US_CBP, now);
    expect(us.hash).toMatch(/^usmx-dev-1:[A-Za-z0-9_-]{43}$/);
    expect(hashesMatch(us.hash, mx.hash)).toBe(true);
    expect(us.hash).toBe(mx.hash);
    expect(us).toMatchObject({ keyIds: ['usmx-dev-1'], normalization: 'document-number' });
    // Another passport does not match; neither does the same one hashed exactly as written.
    const other = hashOf(text('mx-to-us.yaml'), 'mx-to-us', withPassport('G12345679', 'MX'), US_CBP, now);
    expect(hashesMatch(us.hash, other.hash)).toBe(false);
    const keys = 'hashKeys: { current: { id: usmx-dev-1, env: PUENTE_HASH_KEY_US_MX } }';
    const exact = hashOf(cargoAgreement({ keys, field: 'hash' }), 'hashing', withPassport('G 1234-5678'), MX_ANAM, now);
    expect(exact.normalization).toBe('exact');
    expect(hashesMatch(us.hash, exact.hash)).toBe(false);
  });

  it('matches names written with and without accents under { hash: name }', () => {
    const keys = 'hashKeys: { current: { id: usmx-dev-1, env: PUENTE_HASH_KEY_US_MX } }';
    const names = (given: string, from: string) => {
      const partner = from === 'US' ? MX_ANAM : US_CBP;
      const set = compilePolicySet(
        [
          {
            file: 'names.yaml',
            text: cargoAgreement({ keys, from, field: 'drop' }).replace(
              'manifestId: keep',
              'manifestId: keep\n          driver.givenNames: { hash: name }',
            ),
          },
        ],
        compileOptions,
      );
      const base = withPassport('X1', from);
      const event = { ...base, driver: { ...(base['driver'] as object), givenNames: given } };
      const decision = [...set.agreement('hashing')!.topics.values()][0]!.apply(event, partner, now);
      if (!decision.admitted) throw new Error(decision.reason);
      return (decision.view as any).driver.givenNames as string;
    };
    expect(hashesMatch(names('José  Núñez', 'US'), names('JOSE NUNEZ', 'MX'))).toBe(true);
    expect(hashesMatch(names('José Núñez', 'US'), names('José Nuñes', 'MX'))).toBe(false);
  });
});

describe('a key rotation with overlap', () => {
  // v1 hashes with k1 alone; v2 makes k2 current and keeps k1 as previous until `until`.
  const until = Date.UTC(2027, 1, 1);
  const v1 = cargoAgreement({
    version: 1,
    keys: 'hashKeys: { current: { id: k1, env: PUENTE_HASH_KEY_US_MX } }',
  });
  const v2 = cargoAgreement({
    version: 2,
    keys: `hashKeys:
  current: { id: k2, env: PUENTE_HASH_KEY_OTHER }
  previous: { id: k1, env: PUENTE_HASH_KEY_US_MX, until: 2027-02-01T00:00:00Z }`,
  });
  const mxV2 = cargoAgreement({
    id: 'hashing-mx',
    from: 'MX',
    version: 2,
    keys: `hashKeys:
  current: { id: k2, env: PUENTE_HASH_KEY_OTHER }
  previous: { id: k1, env: PUENTE_HASH_KEY_US_MX, until: 2027-02-01T00:00:00Z }`,
  });
  const passport = withPassport('G 1234-5678');

  it('during the overlap, hashes carry both keys, and match old (k1) and new (k2) hashes alike', () => {
    const during = until - 1;
    const old = hashOf(v1, 'hashing', passport, MX_ANAM, during);
    const overlap = hashOf(v2, 'hashing', passport, MX_ANAM, during);
    const after = hashOf(v2, 'hashing', passport, MX_ANAM, until);
    expect(parseKeyedHash(overlap.hash)?.map((p) => p.keyId)).toEqual(['k2', 'k1']);
    expect(overlap.keyIds).toEqual(['k2', 'k1']);
    expect(old.keyIds).toEqual(['k1']);
    expect(hashesMatch(old.hash, overlap.hash)).toBe(true);
    expect(hashesMatch(after.hash, overlap.hash)).toBe(true);
    expect(hashesMatch(old.hash, after.hash)).toBe(false);
    // The partner's agreement rotated alike: an MX record written another way matches during the overlap.
    const mx = hashOf(mxV2, 'hashing-mx', withPassport('g12345678', 'MX'), US_CBP, during);
    expect(hashesMatch(mx.hash, old.hash)).toBe(true);
    expect(hashesMatch(mx.hash, after.hash)).toBe(true);
  });

  it('does not need the previous key’s variable once its overlap has ended at load, and hashes with the current key only', () => {
    const unset = v2.replace(
      'previous: { id: k1, env: PUENTE_HASH_KEY_US_MX',
      'previous: { id: k1, env: PUENTE_HASH_KEY_GONE',
    );
    const compileAt = (now: number) =>
      compilePolicySet([{ file: 'v2.yaml', text: unset }], { ...compileOptions, now: () => now });
    // During the overlap the previous key hashes too: its variable is required.
    let refused: unknown;
    try {
      compileAt(until - 1);
    } catch (error) {
      refused = error;
    }
    expect((refused as PolicyError).problems).toEqual([
      expect.objectContaining({
        file: 'v2.yaml',
        at: 'hashKeys.previous',
        message: 'environment variable PUENTE_HASH_KEY_GONE (HMAC key k1) is not set',
      }),
    ]);
    // From until on it is skipped: the agreement loads and hashes carry k2 alone, even at a time
    // given before until (the key was never loaded).
    const policy = compileAt(until).policy('hashing', 'us.cargo-manifests.v1')!;
    for (const now of [until, until - 1]) {
      const decision = policy.apply(passport, MX_ANAM, now);
      if (!decision.admitted) throw new Error(decision.reason);
      const hash = (decision.view as any).driver.documents[0].documentNumber as string;
      expect(parseKeyedHash(hash)?.map((p) => p.keyId)).toEqual(['k2']);
      expect(hash).toBe(hashOf(v2, 'hashing', passport, MX_ANAM, until).hash);
    }
  });

  it('from until on, hashes and decisions carry only the new key', () => {
    const after = hashOf(v2, 'hashing', passport, MX_ANAM, until);
    const old = hashOf(v1, 'hashing', passport, MX_ANAM, until);
    expect(parseKeyedHash(after.hash)?.map((p) => p.keyId)).toEqual(['k2']);
    expect(after.keyIds).toEqual(['k2']);
    expect(hashesMatch(old.hash, after.hash)).toBe(false);
    const explained = compilePolicySet([{ file: 'v2.yaml', text: v2 }], compileOptions)
      .policy('hashing', 'us.cargo-manifests.v1')!
      .explain(passport, MX_ANAM, until + 1);
    expect(explained.fields.find((f) => f.action === 'hash')).toMatchObject({
      normalization: 'document-number',
      keyIds: ['k2'],
    });
  });
});
