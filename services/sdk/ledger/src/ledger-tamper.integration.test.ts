// Tampering with the stored chain, on both engines: verify names exactly the first bad entry for
// a changed entry field, a changed field list, a deleted, inserted or reordered entry, a
// disclosure's entry range (first_entry, event_count) changed, a disclosure row deleted or added;
// and a checkpoint catches what rewrites the chain consistently.
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
    // Whoever forges a valid hash for the insertion, and moves the disclosures' ranges to fit,
    // makes it indistinguishable from a real entry; the chain then breaks at the next one,
    // which no longer fits its place. Without the ranges moved, the insertion itself is caught.
    const seventh = (await ledger.entry(7))!;
    const forged = { ...seventh, eventId: 'inserted-event' };
    const disclosureHash = new ChainHasher().disclosureHash({ ...seventh, originCountry: 'MX' });
    const hash = new ChainHasher().entryHash(8, forged, disclosureHash, seventh.hash);
    await shift(8, 1);
    await sql(
      `INSERT INTO ${s}.entries
       SELECT 8, disclosure_no, 'inserted-event', entity_id, source_partition, source_offset, supersedes, digest,
              $1, $2 FROM ${s}.entries WHERE entry_no = 7`,
      [seventh.hash, hash],
    );
    await sql(`UPDATE ${s}.head SET entry_count = entry_count + 1`);
    expect(await verify()).toMatchObject({
      intact: false,
      firstBadEntry: 9,
      problem: 'entry 9 names disclosure 2, which records 4 entries from entry 5',
    });
    await sql(`UPDATE ${s}.disclosures SET event_count = event_count + 1 WHERE disclosure_no = 2`);
    await sql(`UPDATE ${s}.disclosures SET first_entry = first_entry + 1 WHERE disclosure_no > 2`);
    expect(await verify()).toMatchObject({
      intact: false,
      firstBadEntry: 9,
      problem: 'entry 9: previous hash does not link to entry 8',
    });
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

  it.each([
    [2, 11, 'entry 11 names disclosure 3, which records 2 entries from entry 9'],
    [0, 9, 'entry 9 names disclosure 3, which records 0 entries from entry 9'],
    [5, 13, 'entry 13 names disclosure 4, but disclosure 3 records entries up to 13'],
  ])(
    'a disclosure of 4 entries recording %i fails at the first entry out of its range',
    async (count, bad, problem) => {
      const listed = async () => (await ledger.listDisclosures({ limit: 100 })).map((e) => e.entry);
      await sql(`UPDATE ${s}.disclosures SET event_count = ${count} WHERE disclosure_no = 3`);
      if (count < EVENTS) expect(await listed()).not.toContain(12); // what the listing then hides
      const result = await verify();
      expect(result).toMatchObject({ intact: false, firstBadEntry: bad, entriesChecked: bad - 1 });
      expect(result.problem).toBe(problem);
    },
  );

  it('the last disclosure recording more entries than it has fails at the missing one', async () => {
    await sql(`UPDATE ${s}.disclosures SET event_count = event_count + 1 WHERE disclosure_no = ${DISCLOSURES}`);
    const result = await verify();
    expect(result).toMatchObject({ intact: false, firstBadEntry: ENTRIES + 1, entriesChecked: ENTRIES });
    expect(result.problem).toBe(`entry ${ENTRIES + 1} is missing: disclosure 5 records 5 entries from entry 17`);
  });

  it.each([
    ['later', 'first_entry + 1', 'event_count'],
    ['earlier', 'first_entry - 1', 'event_count'],
    ['later, its end kept', 'first_entry + 1', 'event_count - 1'],
  ])("a disclosure's first entry moved %s fails at its real first entry", async (_, first, count) => {
    await sql(`UPDATE ${s}.disclosures SET first_entry = ${first}, event_count = ${count} WHERE disclosure_no = 3`);
    const result = await verify();
    expect(result).toMatchObject({ intact: false, firstBadEntry: 9, entriesChecked: 8 });
    expect(result.problem).toMatch(/^entry 9 begins disclosure 3, whose first entry is recorded as (8|10)$/);
  });

  it('ranges moved consistently between two disclosures fail at the entry naming the other one', async () => {
    // The rows say entry 8 is disclosure 3's, the entry says it is disclosure 2's.
    await sql(`UPDATE ${s}.disclosures SET event_count = 3 WHERE disclosure_no = 2`);
    await sql(`UPDATE ${s}.disclosures SET first_entry = 8, event_count = 5 WHERE disclosure_no = 3`);
    const result = await verify();
    expect(result).toMatchObject({ intact: false, firstBadEntry: 8 });
    expect(result.problem).toBe('entry 8 names disclosure 2, which records 3 entries from entry 5');
  });

  it.each([3, DISCLOSURES])('a deleted disclosure row (%i) fails at its first entry', async (disclosureNo) => {
    await sql(`DELETE FROM ${s}.disclosures WHERE disclosure_no = ${disclosureNo}`);
    const first = (disclosureNo - 1) * EVENTS + 1;
    const result = await verify();
    expect(result).toMatchObject({ intact: false, firstBadEntry: first, entriesChecked: first - 1 });
    expect(result.problem).toBe(`entry ${first} names disclosure ${disclosureNo}, which is not stored`);
  });

  describe('a stray disclosure row', () => {
    const future = makeDisclosures(1, { events: EVENTS, country: 'MX', start: DISCLOSURES })[0]!;
    /** A copy of disclosure 2 numbered `disclosureNo`, with the next disclosure's id. */
    const insertStray = (disclosureNo: number) =>
      sql(
        `INSERT INTO ${s}.disclosures
         SELECT ${disclosureNo}, $1, kind, origin_country, source_topic, recipient_country, recipient_agency,
                recipient_subscription, recipient_principal, agreement_id, agreement_version, rule_id,
                view_schema_id, declared_purposes, fields_released, fields_transformed, fields_removed,
                delivered_at, ${ENTRIES + 1}, ${EVENTS}
         FROM ${s}.disclosures WHERE disclosure_no = 2`,
        [future.disclosureId],
      );

    it('with a future id fails naming it, after making append skip the real disclosure', async () => {
      await insertStray(DISCLOSURES + 1);
      expect(await ledger.append([future], [])).toMatchObject({ appended: 0, duplicates: 1 });
      const result = await verify();
      expect(result).toMatchObject({ intact: false, firstBadEntry: 0, entriesChecked: ENTRIES });
      expect(result.problem).toBe(`disclosure 6 (id "${future.disclosureId}") has no entries`);
    });

    it.each([0, -1])('numbered %i fails naming it', async (disclosureNo) => {
      await insertStray(disclosureNo);
      const result = await verify();
      expect(result).toMatchObject({ intact: false, firstBadEntry: 0 });
      expect(result.problem).toBe(`disclosure ${disclosureNo} (id "${future.disclosureId}") has no entries`);
    });

    it('counted by the head fails naming it', async () => {
      await insertStray(DISCLOSURES + 1);
      await sql(`UPDATE ${s}.head SET disclosure_count = disclosure_count + 1`);
      const result = await verify();
      expect(result).toMatchObject({ intact: false, firstBadEntry: 0 });
      expect(result.problem).toBe(`disclosure 6 (id "${future.disclosureId}") has no entries`);
      // From a checkpoint too: the rows are checked whatever the checkpoint vouches for.
      const checkpoint = { entry: 10, expectedHash: await hashOf(10) };
      expect((await verify({ from: checkpoint })).problem).toBe(result.problem);
    });
  });

  it('a changed head disclosure count fails naming both counts', async () => {
    await sql(`UPDATE ${s}.head SET disclosure_count = disclosure_count - 1`);
    const result = await verify();
    expect(result).toMatchObject({ intact: false, firstBadEntry: 0 });
    expect(result.problem).toBe(`the ledger head counts 4 disclosures, but its entries name 5`);
  });

  it("from a checkpoint inside a disclosure: that disclosure's range is checked too", async () => {
    // Disclosure 3 holds entries 9 … 12; the checkpoint is at 10.
    const checkpoint = { entry: 10, expectedHash: await hashOf(10) };
    await sql(`UPDATE ${s}.disclosures SET event_count = 1 WHERE disclosure_no = 3`);
    expect(await verify({ from: checkpoint })).toMatchObject({
      intact: false,
      firstBadEntry: 10,
      problem: 'entry 10 names disclosure 3, which records 1 entry from entry 9',
    });
    await sql(`UPDATE ${s}.disclosures SET event_count = 5 WHERE disclosure_no = 3`);
    expect(await verify({ from: checkpoint })).toMatchObject({ intact: false, firstBadEntry: 13 });
    await sql(`UPDATE ${s}.disclosures SET first_entry = 11, event_count = 2 WHERE disclosure_no = 3`);
    expect(await verify({ from: checkpoint })).toMatchObject({
      intact: false,
      firstBadEntry: 10,
      problem: 'entry 10 names disclosure 3, whose first entry is recorded as 11',
    });
    await sql(`DELETE FROM ${s}.disclosures WHERE disclosure_no = 3`);
    expect(await verify({ from: checkpoint })).toMatchObject({
      intact: false,
      firstBadEntry: 10,
      problem: 'entry 10 names disclosure 3, which is not stored',
    });
  });

  it('appends beside verify are never taken for tampering', async () => {
    const other = await ledger.reopen();
    try {
      const more = makeDisclosures(30, { events: 3, country: 'MX', start: DISCLOSURES, prefix: 'late' });
      const appending = (async () => {
        for (let i = 0; i < more.length; i += 2) await other.append(more.slice(i, i + 2), []);
      })();
      const results: VerifyResult[] = [];
      let done = false;
      void appending.finally(() => (done = true)).catch(() => undefined);
      while (!done) results.push(await ledger.verify());
      await appending;
      results.push(await ledger.verify());
      expect(results.filter((r) => !r.intact)).toEqual([]);
      expect(results.at(-1)).toMatchObject({ entryCount: ENTRIES + 90, entriesChecked: ENTRIES + 90 });
    } finally {
      await other.close();
    }
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

    // Truncating the last entries, head and the last disclosure's range included, is also
    // invisible without a checkpoint; with that range left as it was, it is not.
    await sql(`DELETE FROM ${s}.entries WHERE entry_no > 18`);
    const [row] = await ledger.sql.query<{ hash: unknown }>(`SELECT hash FROM ${s}.entries WHERE entry_no = 18`);
    await sql(`UPDATE ${s}.head SET entry_count = 18, head_hash = $1`, [bufferOf(row!.hash)]);
    expect(await verify()).toMatchObject({ intact: false, firstBadEntry: 19 });
    await sql(`UPDATE ${s}.disclosures SET event_count = 2 WHERE disclosure_no = ${DISCLOSURES}`);
    expect(await verify()).toMatchObject({ intact: true, entryCount: 18 });
    expect(await verify({ from: checkpoint })).toMatchObject({ intact: false, firstBadEntry: 19 });
  });
});
