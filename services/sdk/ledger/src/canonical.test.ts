// The canonical encoding is a contract with other languages (README.md): its exact bytes for a
// small disclosure and entry, and that every field it covers changes the hash.
import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { ChainHasher, type DisclosureContent, ZERO_HASH } from './canonical.js';
import type { DisclosedEventInput } from './types.js';

const disclosure: DisclosureContent = {
  disclosureId: 'd1',
  kind: 'DELIVERY',
  originCountry: 'US',
  sourceTopic: 't',
  recipient: { country: 'MX', agency: 'SAT', subscription: 's', principal: 'p' },
  agreementId: 'a',
  agreementVersion: '3',
  ruleId: 'r',
  viewSchemaId: null,
  declaredPurposes: [],
  fieldsReleased: ['x', 'y'],
  fieldsTransformed: [{ path: 'z', action: 'MASK', method: null, normalization: null, keyIds: [] }],
  fieldsRemoved: [],
  deliveredAt: new Date(1_000),
};
const event: DisclosedEventInput = {
  eventId: 'e',
  entityId: 'n',
  sourcePartition: 2,
  sourceOffset: '7',
  supersedes: null,
  digest: null,
};

const str = (s: string) => Buffer.concat([Buffer.from([0, 0, 0, Buffer.byteLength(s)]), Buffer.from(s)]);
const u32 = (n: number) => Buffer.from([0, 0, 0, n]);

describe('canonical encoding', () => {
  const hasher = new ChainHasher();

  it('of a disclosure is the documented bytes', () => {
    const expected = Buffer.concat([
      str('puente-ledger-disclosure/v1'),
      ...['d1', 'DELIVERY', 'US', 't', 'MX', 'SAT', 's', 'p', 'a', '3', 'r'].map(str),
      Buffer.from([0]), // viewSchemaId null
      u32(0), // declaredPurposes
      u32(2),
      str('x'),
      str('y'),
      u32(1),
      str('z'),
      str('MASK'),
      Buffer.from([0, 0]), // method, normalization null
      u32(0), // keyIds
      u32(0), // fieldsRemoved
      Buffer.from([0, 0, 0, 0, 0, 0, 0x03, 0xe8]), // 1000 ms
    ]);
    expect(hasher.disclosureBytes(disclosure)).toEqual(expected);
    expect(hasher.disclosureHash(disclosure)).toEqual(createHash('sha256').update(expected).digest());
  });

  it('of an entry is the documented bytes, and the fast path hashes the same', () => {
    const dh = hasher.disclosureHash(disclosure);
    const expected = Buffer.concat([
      str('puente-ledger-entry/v1'),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]),
      dh,
      str('e'),
      str('n'),
      Buffer.from([0, 0, 0, 2]),
      str('7'),
      Buffer.from([0, 0]),
      ZERO_HASH,
    ]);
    expect(hasher.entryBytes(1, event, dh, ZERO_HASH)).toEqual(expected);
    const hash = hasher.entryHash(1, event, dh, ZERO_HASH);
    expect(hash).toEqual(createHash('sha256').update(expected).digest());
    const core = Buffer.concat([str('e'), str('n'), Buffer.from([0, 0, 0, 2]), str('7')]);
    expect(hasher.entryHashFromParts(1, dh, core, null, null, ZERO_HASH)).toEqual(hash);
    const digest = Buffer.alloc(32, 9);
    expect(hasher.entryHashFromParts(1, dh, core, Buffer.from('old'), digest, ZERO_HASH)).toEqual(
      hasher.entryHash(1, { ...event, supersedes: 'old', digest }, dh, ZERO_HASH),
    );
  });

  it('changes with every field a disclosure or entry carries', () => {
    const dh = hasher.disclosureHash(disclosure);
    const disclosureChanges: Partial<DisclosureContent>[] = [
      { disclosureId: 'd2' },
      { kind: 'RETRACTION' },
      { recipient: { ...disclosure.recipient, principal: 'q' } },
      { viewSchemaId: 0 },
      { declaredPurposes: ['X'] },
      { fieldsReleased: ['y', 'x'] },
      { fieldsReleased: ['xy'] },
      { fieldsTransformed: [{ path: 'z', action: 'MASK', method: '', normalization: null, keyIds: [] }] },
      { fieldsRemoved: ['x'] },
      { deliveredAt: new Date(1_001) },
    ];
    for (const change of disclosureChanges) {
      expect(hasher.disclosureHash({ ...disclosure, ...change }), JSON.stringify(change)).not.toEqual(dh);
    }
    const h = hasher.entryHash(1, event, dh, ZERO_HASH);
    const eventChanges: Partial<DisclosedEventInput>[] = [
      { eventId: 'f' },
      { entityId: '' },
      { sourcePartition: 3 },
      { sourceOffset: '70' },
      { supersedes: '' },
      { digest: Buffer.alloc(32) },
    ];
    for (const change of eventChanges) {
      expect(hasher.entryHash(1, { ...event, ...change }, dh, ZERO_HASH), JSON.stringify(change)).not.toEqual(h);
    }
    expect(hasher.entryHash(2, event, dh, ZERO_HASH)).not.toEqual(h);
    expect(hasher.entryHash(1, event, dh, Buffer.alloc(32, 1))).not.toEqual(h);
  });
});
