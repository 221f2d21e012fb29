// Tampering with the stored chain, on both engines: verify names exactly the first bad entry for
// a changed entry field, a changed field list, a deleted, inserted or reordered entry; and a
// checkpoint catches what rewrites the chain consistently.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ChainHasher } from './canonical.js';
import { bufferOf } from './sql/sql-client.js';
import { makeDisclosures, openTestLedger, type TestLedger } from './testing/index.js';
import type { VerifyOptions, VerifyResult } from './types.js';
import { createVerifier } from './verify.js';

/** 5 disclosures of 4 events: disclosure k (from 1) holds entries 4k−3 … 4k. */
const DISCLOSURES = 5;
const EVENTS = 4;
const ENTRIES = DISCLOSURES * EVENTS;

describe.each(['pglite', 'postgres'] as const)('tampering with the ledger on %s', (kind) => {
  let ledger: TestLedger;
  let s: string;
  const sql = (text: string, params: (string | Buffer)[] = []) => ledger.sql.query(text, params);
  /** Moves entries from `first` on by `by` places (both ways), without colliding keys. */
  const shift = async (first: number, by: number) => {
    await sql(`UPDATE ${s}.entries SET entry_no = -entry_no WHERE entry_no >= $1`, [String(first)]);
    await sql(`UPDATE ${s}.entries SET entry_no = -entry_no + $1 WHERE entry_no < 0`, [String(by)]);
  };
  /** The store's verify, checked against one reading 3 entries at a time (crossing chunk edges). */
  const verify = async (options?: VerifyOptions): Promise<VerifyResult> => {
    const result = await ledger.verify(options);
    expect(await createVerifier(ledger.sql, s, 3)(options)).toEqual(result);
    return result;
  };
  const hashOf = async (entry: number) => (await ledger.entry(entry))!.hash;

  beforeEach(async () => {
    ledger = await openTestLedger(kind, 'MX');
    s = ledger.schema;
    await ledger.append(makeDisclosures(DISCLOSURES, { events: EVENTS, country: 'MX' }), []);
    expect(await verify()).toMatchObject({ intact: true, entryCount: ENTRIES, entriesChecked: ENTRIES });
  });
  afterEach(async () => {
    await ledger.close();
  });

  it.each([
    ['event_id', `'forged-event'`],
    ['entity_id', `'forged-entity'`],
    ['source_partition', `source_partition + 1`],
    ['source_offset', `source_offset + 1`],
    ['supersedes', `'some-other-event'`],
    ['digest', `sha256('forged'::bytea)`],
    ['disclosure_no', `disclosure_no + 1`],
    ['hash', `sha256(hash)`],
    ['previous_hash', `sha256(previous_hash)`],
  ])('a changed %s fails at exactly that entry', async (column, value) => {
    await sql(`UPDATE ${s}.entries SET ${column} = ${value} WHERE entry_no = 7`);
    expect(await verify()).toMatchObject({ intact: false, firstBadEntry: 7 });
  });

  it.each([
    ['fields_released', `array_append(fields_released, 'shipper.taxId')`],
    ['fields_removed', `'{}'::text[]`],
    ['fields_transformed', `'[]'::jsonb`],
    ['recipient_agency', `'OTHER'`],
    ['agreement_version', `'4'`],
    ['delivered_at', `delivered_at + interval '1 millisecond'`],
  ])("a changed disclosure %s fails at the disclosure's first entry", async (column, value) => {
    await sql(`UPDATE ${s}.disclosures SET ${column} = ${value} WHERE disclosure_no = 3`);
    const result = await verify();
    expect(result).toMatchObject({ intact: false, firstBadEntry: 9 });
    expect(result.problem).toBe('entry 9: stored hash does not match its content');
  });

  it('a deleted entry fails at that entry', async () => {
    await sql(`DELETE FROM ${s}.entries WHERE entry_no = 12`);
    expect(await verify()).toMatchObject({ intact: false, firstBadEntry: 12, entriesChecked: 11 });
  });

  it('a deleted entry whose successors were renumbered fails at that entry', async () => {
    await sql(`DELETE FROM ${s}.entries WHERE entry_no = 12`);
    await shift(13, -1);
    await sql(`UPDATE ${s}.head SET entry_count = entry_count - 1`);
    expect(await verify()).toMatchObject({ intact: false, firstBadEntry: 12 });
  });

  it('an inserted entry fails at that entry', async () => {
    await shift(8, 1);
    // A copy of entry 3 with another event id, placed at 8.
    await sql(`INSERT INTO ${s}.entries
      SELECT 8, disclosure_no, 'inserted-event', entity_id, source_partition, source_offset, supersedes, digest,
             previous_hash, hash FROM ${s}.entries WHERE entry_no = 3`);
    await sql(`UPDATE ${s}.head SET entry_count = entry_count + 1`);
    expect(await verify()).toMatchObject({ intact: false, firstBadEntry: 8 });
  });

  it('an inserted entry with a well-formed hash fails at the entry it displaced', async () => {
    // Whoever forges a valid hash for the insertion makes it indistinguishable from a real
    // entry; the chain then breaks at the next one, which no longer fits its place.
    const seventh = await hashOf(7);
    const third = (await ledger.entry(3))!;
    const forged = { ...third, eventId: 'inserted-event' };
    const disclosureHash = new ChainHasher().disclosureHash({ ...third, originCountry: 'MX' });
    const hash = new ChainHasher().entryHash(8, forged, disclosureHash, seventh);
    await shift(8, 1);
    await sql(
      `INSERT INTO ${s}.entries
       SELECT 8, disclosure_no, 'inserted-event', entity_id, source_partition, source_offset, supersedes, digest,
              $1, $2 FROM ${s}.entries WHERE entry_no = 3`,
      [seventh, hash],
    );
    await sql(`UPDATE ${s}.head SET entry_count = entry_count + 1`);
    expect(await verify()).toMatchObject({ intact: false, firstBadEntry: 9 });
  });

  it('an entry added past the head fails at that entry', async () => {
    await sql(`INSERT INTO ${s}.entries
      SELECT ${ENTRIES + 1}, disclosure_no, event_id, entity_id, source_partition, source_offset, supersedes, digest,
             previous_hash, hash FROM ${s}.entries WHERE entry_no = 2`);
    const result = await verify();
    expect(result).toMatchObject({ intact: false, firstBadEntry: ENTRIES + 1 });
    expect(result.problem).toMatch(/beyond the ledger head/);
  });

  it('two swapped entries fail at the first of them', async () => {
    await sql(`UPDATE ${s}.entries SET entry_no = -1 WHERE entry_no = 5`);
    await sql(`UPDATE ${s}.entries SET entry_no = 5 WHERE entry_no = 6`);
    await sql(`UPDATE ${s}.entries SET entry_no = 6 WHERE entry_no = -1`);
    expect(await verify()).toMatchObject({ intact: false, firstBadEntry: 5 });
  });

  it('a changed head fails at the last entry', async () => {
    await sql(`UPDATE ${s}.head SET head_hash = sha256(head_hash)`);
    expect(await verify()).toMatchObject({ intact: false, firstBadEntry: ENTRIES });
  });

  it('from a checkpoint: trusts its entry only when the stored hash is the checkpoint head', async () => {
    const tenth = await hashOf(10);
    expect(await verify({ from: { entry: 10, expectedHash: tenth } })).toMatchObject({
      intact: true,
      entriesChecked: ENTRIES - 10,
    });
    const forged = await verify({ from: { entry: 10, expectedHash: Buffer.alloc(32, 7) } });
    expect(forged).toMatchObject({ intact: false, firstBadEntry: 10 });
    expect(forged.problem).toMatch(/does not match the checkpoint/);

    // Damage after the checkpoint is found; damage before it is the checkpoint's to vouch for.
    await sql(`UPDATE ${s}.entries SET entity_id = 'x' WHERE entry_no = 15`);
    expect(await verify({ from: { entry: 10, expectedHash: tenth } })).toMatchObject({ firstBadEntry: 15 });
    await sql(`UPDATE ${s}.entries SET entity_id = 'x' WHERE entry_no = 4`);
    expect(await verify()).toMatchObject({ firstBadEntry: 4 });
  });

  it('a checkpoint catches a history rewritten with recomputed hashes, and truncation', async () => {
    const checkpoint = { entry: ENTRIES, expectedHash: await hashOf(ENTRIES) };
    // Rewrite entry 6 and recompute every hash from there: the chain alone is consistent again.
    await sql(`UPDATE ${s}.entries SET entity_id = 'rewritten' WHERE entry_no = 6`);
    const hasher = new ChainHasher();
    let previous = await hashOf(5);
    for (let n = 6; n <= ENTRIES; n++) {
      const e = (await ledger.entry(n))!;
      const hash = hasher.entryHash(n, e, hasher.disclosureHash({ ...e, originCountry: 'MX' }), previous);
      await sql(`UPDATE ${s}.entries SET previous_hash = $1, hash = $2 WHERE entry_no = $3`, [
        previous,
        hash,
        String(n),
      ]);
      previous = hash;
    }
    await sql(`UPDATE ${s}.head SET head_hash = $1`, [previous]);
    expect(await verify()).toMatchObject({ intact: true });
    expect(await verify({ from: checkpoint })).toMatchObject({ intact: false, firstBadEntry: ENTRIES });

    // Truncating the last entries, head included, is also invisible without a checkpoint.
    await sql(`DELETE FROM ${s}.entries WHERE entry_no > 18`);
    const [row] = await ledger.sql.query<{ hash: unknown }>(`SELECT hash FROM ${s}.entries WHERE entry_no = 18`);
    await sql(`UPDATE ${s}.head SET entry_count = 18, head_hash = $1`, [bufferOf(row!.hash)]);
    expect(await verify()).toMatchObject({ intact: true, entryCount: 18 });
    expect(await verify({ from: checkpoint })).toMatchObject({ intact: false, firstBadEntry: 19 });
  });
});
