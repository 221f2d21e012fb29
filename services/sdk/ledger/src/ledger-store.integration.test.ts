// The store on both engines: appending chains every disclosed event, queries answer per event,
// replays change nothing, positions move with the chain or not at all, and concurrent appenders
// never fork it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ZERO_HASH } from './canonical.js';
import { LedgerError } from './errors.js';
import { makeDisclosure, makeDisclosures, openTestLedger, type TestLedger } from './testing/index.js';
import type { DisclosureInput } from './types.js';

const TOPIC = 'audit.disclosures.v1';

/** Every row of the chain and of the disclosures, as bytes and text, for exact comparison. */
async function snapshot(ledger: TestLedger): Promise<unknown[]> {
  const s = ledger.schema;
  return [
    await ledger.sql.query(`SELECT entry_no::text, encode(hash, 'hex') AS h, encode(previous_hash, 'hex') AS p,
      event_id, disclosure_no::text FROM ${s}.entries ORDER BY entry_no`),
    await ledger.sql.query(`SELECT disclosure_no::text, disclosure_id, first_entry::text, event_count,
      fields_released::text, fields_transformed::text FROM ${s}.disclosures ORDER BY disclosure_no`),
    await ledger.sql.query(`SELECT entry_count::text, encode(head_hash, 'hex') AS h FROM ${s}.head`),
  ];
}

describe.each(['pglite', 'postgres'] as const)('ledger store on %s', (kind) => {
  let ledger: TestLedger;
  beforeEach(async () => {
    ledger = await openTestLedger(kind, 'US');
  });
  afterEach(async () => {
    await ledger.close();
  });

  it('chains every event of each disclosure and answers per event', async () => {
    const sat = makeDisclosure(0, { events: 2, agencies: ['SAT'] });
    const anam = makeDisclosure(1, { events: 3, agencies: ['ANAM'] });
    const retraction: DisclosureInput = {
      ...makeDisclosure(2, { events: 1, agencies: ['SAT'] }),
      kind: 'RETRACTION',
      events: [{ ...sat.events[0]!, sourceOffset: '900' }],
    };
    const result = await ledger.append([sat, anam, retraction], [{ topic: TOPIC, partition: 0, offset: '3' }]);
    expect(result).toMatchObject({ appended: 6, duplicates: 0, entryCount: 6 });
    expect(await ledger.head()).toEqual({ entryCount: 6, headHash: result.headHash });

    const entries = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => ledger.entry(n)));
    expect(entries.map((e) => e?.eventId)).toEqual([
      sat.events[0]!.eventId,
      sat.events[1]!.eventId,
      ...anam.events.map((e) => e.eventId),
      sat.events[0]!.eventId,
    ]);
    expect(entries[0]?.previousHash).toEqual(ZERO_HASH);
    for (let i = 1; i < 6; i++) expect(entries[i]?.previousHash).toEqual(entries[i - 1]?.hash);
    expect(entries[5]?.hash).toEqual(result.headHash);
    expect(entries[2]).toMatchObject({
      entry: 3,
      disclosureId: anam.disclosureId,
      kind: 'DELIVERY',
      recipient: anam.recipient,
      fieldsReleased: anam.fieldsReleased,
      fieldsTransformed: anam.fieldsTransformed,
      fieldsRemoved: anam.fieldsRemoved,
      deliveredAt: anam.deliveredAt,
      digest: anam.events[0]!.digest,
      sourceOffset: anam.events[0]!.sourceOffset,
    });
    expect(await ledger.entry(7)).toBeUndefined();

    const received = await ledger.recipientsOf(sat.events[0]!.eventId);
    expect(received.map((e) => [e.entry, e.kind, e.recipient.agency])).toEqual([
      [1, 'DELIVERY', 'SAT'],
      [6, 'RETRACTION', 'SAT'],
    ]);
    expect(await ledger.recipientsOf('no-such-event')).toEqual([]);
    expect(await ledger.delivered(sat.events[0]!.eventId, { country: 'MX', agency: 'SAT' })).toBe(true);
    expect(await ledger.delivered(sat.events[0]!.eventId, { country: 'MX', agency: 'ANAM' })).toBe(false);
    expect(await ledger.delivered(anam.events[1]!.eventId, { country: 'MX', agency: 'ANAM' })).toBe(true);
    expect(await ledger.delivered(anam.events[1]!.eventId, { country: 'US', agency: 'ANAM' })).toBe(false);
    // Only from the topic asked about: a correction retracts an event of its own topic.
    const mxAnam = { country: 'MX', agency: 'ANAM' } as const;
    expect(await ledger.delivered(anam.events[1]!.eventId, mxAnam, anam.sourceTopic)).toBe(true);
    expect(await ledger.delivered(anam.events[1]!.eventId, mxAnam, 'us.investigations.v1')).toBe(false);
    expect(await ledger.positions(TOPIC)).toEqual([{ topic: TOPIC, partition: 0, offset: '3' }]);
  });

  it('lists disclosures by agreement, recipient and time, paged by entry number', async () => {
    // Disclosures 0..9, 2 events each, agencies alternating SAT, ANAM; delivered a second apart.
    await ledger.append(makeDisclosures(10, { events: 2 }), []);
    const anam = await ledger.listDisclosures({ recipientCountry: 'MX', recipientAgency: 'ANAM', limit: 3 });
    expect(anam.map((e) => e.entry)).toEqual([3, 4, 7]);
    const next = await ledger.listDisclosures({ recipientAgency: 'ANAM', limit: 3, afterEntry: 7 });
    expect(next.map((e) => e.entry)).toEqual([8, 11, 12]);
    const inWindow = await ledger.listDisclosures({
      from: new Date(Date.UTC(2026, 0, 1) + 2000),
      to: new Date(Date.UTC(2026, 0, 1) + 4000),
      limit: 100,
    });
    expect(inWindow.map((e) => e.disclosureId)).toEqual(['d-2', 'd-2', 'd-3', 'd-3']);
    expect(await ledger.listDisclosures({ agreementId: 'us-mx-cargo', limit: 100 })).toHaveLength(20);
    expect(await ledger.listDisclosures({ agreementId: 'other', limit: 100 })).toEqual([]);
    await expect(ledger.listDisclosures({ limit: 0 })).rejects.toThrow(/limit must be a whole number from 1/);
  });

  it('replaying the same disclosures leaves the chain byte for byte unchanged', async () => {
    const all = makeDisclosures(30, { events: 4 });
    await ledger.append(all.slice(0, 10), [{ topic: TOPIC, partition: 0, offset: '10' }]);
    await ledger.append(all.slice(10), [{ topic: TOPIC, partition: 0, offset: '30' }]);
    const before = await snapshot(ledger);
    expect(await ledger.verify()).toMatchObject({ intact: true, entryCount: 120 });

    // The whole topic again, in other batches, one disclosure repeated within a batch.
    const replay = await ledger.append([...all.slice(0, 20), all[3]!], [{ topic: TOPIC, partition: 0, offset: '20' }]);
    expect(replay).toMatchObject({ appended: 0, duplicates: 21, entryCount: 120 });
    for (const d of all.slice(20)) await ledger.append([d], []);
    expect(await snapshot(ledger)).toEqual(before);

    // New disclosures mixed with old ones: only the new are appended, once.
    const mixed = await ledger.append(
      [all[0]!, makeDisclosure(30, { events: 4 }), makeDisclosure(30, { events: 4 })],
      [],
    );
    expect(mixed).toMatchObject({ appended: 4, duplicates: 2, entryCount: 124 });
    expect(await ledger.verify()).toMatchObject({ intact: true, entryCount: 124, entriesChecked: 124 });
  });

  it('records positions with the entries, and neither when the append fails midway', async () => {
    await ledger.append(makeDisclosures(2, { events: 3 }), [
      { topic: TOPIC, partition: 0, offset: '5' },
      { topic: TOPIC, partition: 1, offset: '7' },
      { topic: TOPIC, partition: 0, offset: '6' },
    ]);
    expect(await ledger.positions(TOPIC)).toEqual([
      { topic: TOPIC, partition: 0, offset: '6' },
      { topic: TOPIC, partition: 1, offset: '7' },
    ]);
    const before = await snapshot(ledger);

    // The database fails after the entries are written, at the positions' upsert.
    const s = ledger.schema;
    await ledger.sql.query(`CREATE FUNCTION ${s}.refuse() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'positions refused by the test'; END $$`);
    await ledger.sql.query(`CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON ${s}.positions
      FOR EACH ROW EXECUTE FUNCTION ${s}.refuse()`);
    const failing = ledger.append(makeDisclosures(3, { events: 5, start: 2 }), [
      { topic: TOPIC, partition: 0, offset: '9' },
    ]);
    await expect(failing).rejects.toThrow(/positions refused by the test/);
    await expect(failing).rejects.toBeInstanceOf(LedgerError);
    expect(await snapshot(ledger)).toEqual(before);
    expect((await ledger.positions(TOPIC)).map((p) => p.offset)).toEqual(['6', '7']);

    await ledger.sql.query(`DROP TRIGGER refuse ON ${s}.positions`);
    const retried = await ledger.append(makeDisclosures(3, { events: 5, start: 2 }), [
      { topic: TOPIC, partition: 0, offset: '9' },
    ]);
    expect(retried).toMatchObject({ appended: 15, entryCount: 21 });
    expect((await ledger.positions(TOPIC)).map((p) => p.offset)).toEqual(['9', '7']);
    expect(await ledger.verify()).toMatchObject({ intact: true, entryCount: 21 });
  });

  it('two concurrent appenders produce one chain with every event once', async () => {
    const other = await ledger.reopen();
    try {
      const all = makeDisclosures(60, { events: 7 });
      // Each writes its own batches, and both write the overlapping middle third.
      const write = async (store: typeof other, from: number, to: number) => {
        for (let i = from; i < to; i += 4) await store.append(all.slice(i, Math.min(i + 4, to)), []);
      };
      await Promise.all([write(ledger, 0, 40), write(other, 20, 60)]);
      const verified = await ledger.verify();
      expect(verified).toMatchObject({ intact: true, entryCount: 420, entriesChecked: 420 });
      const counts = await ledger.sql.query<{ events: unknown; distinct_events: unknown }>(
        `SELECT count(*)::int AS events, count(DISTINCT event_id)::int AS distinct_events FROM ${ledger.schema}.entries`,
      );
      expect(counts).toEqual([{ events: 420, distinct_events: 420 }]);
      expect(await other.head()).toEqual(await ledger.head());
    } finally {
      await other.close();
    }
  });

  it('rejects bad input naming the disclosure and field, storing nothing', async () => {
    const good = makeDisclosure(0, { events: 2 });
    const cases: [DisclosureInput, RegExp][] = [
      [{ ...good, originCountry: 'MX' }, /disclosure d-0: discloses MX data and belongs in the MX ledger/],
      [{ ...good, events: [] }, /disclosure d-0: events must hold at least one event/],
      [
        { ...good, events: [{ ...good.events[0]!, sourceOffset: '-1' }] },
        /events\[0\]\.sourceOffset must be a decimal int64 string/,
      ],
      [
        { ...good, events: [{ ...good.events[0]!, digest: Buffer.alloc(5) }] },
        /events\[0\]\.digest must be null or 32 bytes/,
      ],
      [{ ...good, fieldsReleased: ['a\u0000b'] }, /fieldsReleased\[0\] contains a NUL character/],
      [{ ...good, deliveredAt: new Date(Number.NaN) }, /deliveredAt must be a valid Date/],
    ];
    for (const [bad, message] of cases) {
      const attempt = ledger.append([makeDisclosure(1), bad], []);
      await expect(attempt).rejects.toThrow(message);
      await expect(attempt).rejects.toMatchObject({ code: 'INVALID_INPUT', retriable: false });
    }
    await expect(ledger.append([], [{ topic: TOPIC, partition: -1, offset: '0' }])).rejects.toThrow(
      /positions\[0\]: partition must be an integer/,
    );
    expect(await ledger.head()).toEqual({ entryCount: 0, headHash: null });
    expect(await ledger.verify()).toMatchObject({ intact: true, entryCount: 0, entriesChecked: 0 });
  });

  it('migrates a schema once; opening it again applies nothing', async () => {
    const again = await ledger.reopen();
    await again.close();
    const applied = await ledger.sql.query<{ name: string }>(`SELECT name FROM ${ledger.schema}.migrations`);
    expect(applied.map((m) => m.name)).toEqual(['0001-ledger-tables']);
  });
});
