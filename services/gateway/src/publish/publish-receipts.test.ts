// The receipts record format: what one instance writes, another reads back exactly; what no
// instance could have written is reported entry by entry, never thrown.
import { describe, expect, it } from 'vitest';

import { decodeReceipts, encodeReceipts, type Receipt } from './publish-receipts.js';

const receipt = (n: number): Receipt => ({
  dedupeKey: `dev-us-cbp-publisher\u00006f1c9c52-2b64-4a0e-8d0e-7f3f5e1b2a9${n}`,
  topic: 'us.cargo-manifests.v1',
  partition: n,
  offset: String(9_007_199_254_740_000 + n),
  schemaId: 7,
  timestamp: 1_764_288_000_000 + n,
  acknowledgedAt: 1_764_288_000_050 + n,
});

describe('publish receipts', () => {
  it('read back exactly as written, key with its separator, offset beyond 2^53 as a string', () => {
    const receipts = [receipt(0), receipt(1), receipt(2)];
    expect(decodeReceipts(encodeReceipts(receipts))).toEqual({ receipts, problems: [] });
  });

  it('a record no instance wrote is reported, not thrown', () => {
    expect(decodeReceipts(null).problems).toEqual(['the record has no value']);
    expect(decodeReceipts(Buffer.from('{not json')).problems).toEqual(['the record is not JSON']);
    expect(decodeReceipts(Buffer.from('42')).problems).toEqual(['the record is not an object']);
    expect(decodeReceipts(Buffer.from('{"v":2,"r":[]}')).problems).toEqual(['unknown receipts version 2']);
    expect(decodeReceipts(Buffer.from('{"v":1}')).problems).toEqual(['the record has no receipts array']);
  });

  it('keeps the readable entries of a record and reports each bad one', () => {
    const good = receipt(3);
    const valid = JSON.parse(encodeReceipts([good]).toString('utf8')) as { v: number; r: unknown[][] };
    const entry = valid.r[0]!;
    const bad = [
      'not an entry',
      entry.slice(0, 6),
      ['', ...entry.slice(1)],
      [entry[0], entry[1], -1, ...entry.slice(3)],
      [entry[0], entry[1], entry[2], '12a', ...entry.slice(4)],
      [...entry.slice(0, 6), 'yesterday'],
    ];
    const decoded = decodeReceipts(Buffer.from(JSON.stringify({ v: 1, r: [entry, ...bad] })));
    expect(decoded.receipts).toEqual([good]);
    expect(decoded.problems).toEqual([1, 2, 3, 4, 5, 6].map((i) => `receipt ${i} is malformed`));
  });
});
