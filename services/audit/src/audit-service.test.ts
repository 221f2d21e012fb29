import { DEAD_LETTER_HEADERS, MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { NOT_AVRO } from '@puente/contracts/testing';
import { auditCheckpointTopic, createLogger, deadLetterTopicOf, DISCLOSURE_TOPIC } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { type AuditService, createAuditService } from './audit-service.js';
import { collectTopic } from './testing/collect-topic.js';
import { disclosureRecord, legacyDisclosureBytes } from './testing/disclosure-records.js';
import { type MemoryLedger, memoryLedger } from './testing/memory-ledger.js';
import { testSigningKey } from './testing/signing-key.js';

const codec = createCodec();
const logger = createLogger({ name: 'audit-service-test', level: 'silent' });
const key = testSigningKey();

describe('the audit service', () => {
  let bus: MemoryBus;
  let ledger: MemoryLedger;
  let services: AuditService[];

  const start = async (overrides: { checkpointEvery?: { entries: number; ms: number } } = {}) => {
    const service = createAuditService({
      bus,
      codec,
      store: ledger,
      country: 'US',
      signingKey: key,
      checkpointEvery: overrides.checkpointEvery ?? { entries: 1_000_000, ms: 3_600_000 },
      logger,
      replicationFactor: 1,
      maxRetryDelayMs: 20,
    });
    services.push(service);
    await service.start();
    return service;
  };
  const publish = (records: { key: string; value: Buffer | null }[]) => bus.publish(DISCLOSURE_TOPIC, records);
  const positionsAtEnd = async () =>
    (await bus.admin.describeTopic(DISCLOSURE_TOPIC)).partitions
      .filter((p) => p.high !== '0')
      .map((p) => ({ topic: DISCLOSURE_TOPIC, partition: p.partition, offset: p.high }));

  beforeEach(async () => {
    bus = new MemoryBus({ maxBatchSize: 4 });
    await bus.start();
    await bus.admin.ensureTopics([{ topic: DISCLOSURE_TOPIC, partitions: 3, retentionMs: -1 }]);
    ledger = memoryLedger('US');
    services = [];
  });
  afterEach(async () => {
    for (const service of services) await service.stop();
    await bus.stop();
  });

  it('chains its own country’s disclosures of every schema version, passes over the other’s, and records every position', async () => {
    const ours = [disclosureRecord({ events: 3 }), disclosureRecord({ events: 1 }), disclosureRecord({ events: 2 })];
    const theirs = [disclosureRecord({ origin: 'MX', events: 5 }), disclosureRecord({ origin: 'MX' })];
    const legacy = [disclosureRecord(), disclosureRecord()];
    // One key, one partition: the order of the records is the order of the chain.
    await publish([
      { key: 'k', value: codec.encode(DISCLOSURE_TOPIC, ours[0]!) },
      { key: 'k', value: codec.encode(DISCLOSURE_TOPIC, theirs[0]!) },
      { key: 'k', value: legacyDisclosureBytes(codec, 1, legacy[0]!) },
      { key: 'k', value: codec.encode(DISCLOSURE_TOPIC, ours[1]!) },
      { key: 'k', value: codec.encode(DISCLOSURE_TOPIC, theirs[1]!) },
      { key: 'k', value: legacyDisclosureBytes(codec, 2, legacy[1]!) },
      { key: 'k', value: codec.encode(DISCLOSURE_TOPIC, ours[2]!) },
    ]);
    const service = await start();
    await waitFor(() => ledger.entries.length === 8, 5_000, 'eight entries');
    const expected = [ours[0]!, legacy[0]!, ours[1]!, legacy[1]!, ours[2]!].flatMap((d) =>
      d.events.map((e) => `${d.disclosureId}/${e.eventId}`),
    );
    expect(ledger.entries.map((e) => `${e.disclosureId}/${e.eventId}`)).toEqual(expected);
    expect(ledger.entries.map((e) => e.entry)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ledger.entries.filter((e) => e.digest === null).map((e) => e.disclosureId)).toEqual(
      legacy.map((d) => d.disclosureId),
    );
    await waitFor(
      async () => JSON.stringify(await ledger.positions(DISCLOSURE_TOPIC)) === JSON.stringify(await positionsAtEnd()),
      5_000,
      'positions past every record',
    );
    expect(service.stats()).toMatchObject({
      records: 7,
      disclosures: 5,
      otherCountry: 2,
      deadLettered: 0,
      entriesAppended: 8,
      duplicates: 0,
      lag: 0,
    });
  });

  it('sets aside what is no disclosure, with its reason, and goes on past it', async () => {
    const good = [disclosureRecord({ events: 2 }), disclosureRecord()];
    const unknownKind = disclosureRecord({ kind: 'OTHER' });
    await publish([
      { key: 'k', value: NOT_AVRO },
      { key: 'k', value: codec.encode(DISCLOSURE_TOPIC, good[0]!) },
      { key: 'k', value: null },
      { key: 'k', value: codec.encode(DISCLOSURE_TOPIC, unknownKind) },
      { key: 'k', value: codec.encode(DISCLOSURE_TOPIC, good[1]!) },
    ]);
    const service = await start();
    await waitFor(() => ledger.entries.length === 3, 5_000, 'the good disclosures chained');
    const dead = await collectTopic(bus, deadLetterTopicOf(DISCLOSURE_TOPIC));
    await waitFor(() => dead.records.length === 3, 5_000, 'three dead letters');
    const reasons = dead.records.map((r) => [
      r.headers[DEAD_LETTER_HEADERS.reasonClass]?.toString(),
      r.headers[DEAD_LETTER_HEADERS.sourceOffset]?.toString(),
      r.headers[DEAD_LETTER_HEADERS.service]?.toString(),
    ]);
    expect(reasons).toEqual([
      ['undecodable', '0', 'audit-us'],
      ['undecodable', '2', 'audit-us'],
      ['unevaluable', '3', 'audit-us'],
    ]);
    expect(dead.records[2]!.headers[DEAD_LETTER_HEADERS.reason]?.toString()).toContain('kind OTHER');
    expect(ledger.entries.map((e) => e.disclosureId)).toEqual([
      good[0]!.disclosureId,
      good[0]!.disclosureId,
      good[1]!.disclosureId,
    ]);
    await waitFor(
      async () => JSON.stringify(await ledger.positions(DISCLOSURE_TOPIC)) === JSON.stringify(await positionsAtEnd()),
      5_000,
      'positions past the dead letters too',
    );
    expect(service.stats()).toMatchObject({ deadLettered: 3, entriesAppended: 3 });
    await dead.stop();
  });

  it('dead-letters a disclosure the ledger refuses as invalid and chains the rest of its batch', async () => {
    const before = disclosureRecord({ events: 2 });
    const refused = disclosureRecord({ events: 1 });
    refused.events[0]!.sourceOffset = -5; // valid Avro, yet no Kafka offset
    const after = disclosureRecord({ events: 1 });
    await publish([before, refused, after].map((d) => ({ key: 'k', value: codec.encode(DISCLOSURE_TOPIC, d) })));
    const service = await start();
    await waitFor(() => ledger.entries.length === 3, 5_000, 'the valid disclosures chained');
    expect(ledger.entries.map((e) => e.disclosureId)).toEqual([
      before.disclosureId,
      before.disclosureId,
      after.disclosureId,
    ]);
    const dead = await collectTopic(bus, deadLetterTopicOf(DISCLOSURE_TOPIC));
    await waitFor(() => dead.records.length === 1, 5_000, 'the refused disclosure dead-lettered');
    expect(dead.records[0]!.key).toBe('k');
    expect(dead.records[0]!.headers[DEAD_LETTER_HEADERS.sourceOffset]?.toString()).toBe('1');
    expect(dead.records[0]!.headers[DEAD_LETTER_HEADERS.reason]?.toString()).toContain(refused.disclosureId);
    await waitFor(
      async () => JSON.stringify(await ledger.positions(DISCLOSURE_TOPIC)) === JSON.stringify(await positionsAtEnd()),
      5_000,
      'the position past the batch',
    );
    expect(service.stats()).toMatchObject({ deadLettered: 1, entriesAppended: 3, appendFailures: 0 });
    await dead.stop();
  });

  it('restarts from the positions in its ledger: nothing read twice, nothing missed', async () => {
    const first = Array.from({ length: 10 }, (_, i) => disclosureRecord({ events: 1 + (i % 3) }));
    await publish(first.map((d) => ({ key: d.disclosureId, value: codec.encode(DISCLOSURE_TOPIC, d) })));
    const one = await start();
    const firstEntries = first.reduce((n, d) => n + d.events.length, 0);
    await waitFor(() => ledger.entries.length === firstEntries, 5_000, 'the first disclosures');
    await one.stop();
    const calls = ledger.appendCalls();
    const second = Array.from({ length: 6 }, () => disclosureRecord({ events: 2 }));
    await publish(second.map((d) => ({ key: d.disclosureId, value: codec.encode(DISCLOSURE_TOPIC, d) })));
    const two = await start();
    await waitFor(() => ledger.entries.length === firstEntries + 12, 5_000, 'the later disclosures');
    expect(two.stats()).toMatchObject({ records: 6, duplicates: 0, entriesAppended: 12 });
    // Only the new records were read: each append after the restart held new ones.
    expect(ledger.appendCalls() - calls).toBeLessThanOrEqual(6);
    expect(new Set(ledger.entries.map((e) => e.eventId)).size).toBe(ledger.entries.length);
  });

  it('tries a batch the ledger refused again until it is chained, losing and doubling nothing', async () => {
    const disclosures = Array.from({ length: 8 }, () => disclosureRecord({ events: 2 }));
    ledger.failNextAppends(3);
    await publish(disclosures.map((d) => ({ key: 'k', value: codec.encode(DISCLOSURE_TOPIC, d) })));
    const service = await start();
    await waitFor(() => ledger.entries.length === 16, 5_000, 'every disclosure chained');
    expect(ledger.entries.map((e) => e.disclosureId)).toEqual(
      disclosures.flatMap((d) => [d.disclosureId, d.disclosureId]),
    );
    expect(service.stats()).toMatchObject({ appendFailures: 3, entriesAppended: 16, duplicates: 0 });
  });

  it('stops promptly while the ledger keeps refusing, leaving the batch for the next start', async () => {
    ledger.failNextAppends(Number.MAX_SAFE_INTEGER);
    const d = disclosureRecord();
    await publish([{ key: 'k', value: codec.encode(DISCLOSURE_TOPIC, d) }]);
    const service = await start();
    await waitFor(() => service.stats().appendFailures >= 2, 5_000, 'failed attempts');
    await service.stop();
    expect(await ledger.positions(DISCLOSURE_TOPIC)).toEqual([]);
    ledger.failNextAppends(0);
    await start();
    await waitFor(() => ledger.entries.length === 1, 5_000, 'the batch chained after the restart');
  });

  it('publishes checkpoints of its head on its country’s topic as entries are chained', async () => {
    const checkpoints = async () => {
      await bus.admin.ensureTopics([{ topic: auditCheckpointTopic('US'), partitions: 1, retentionMs: -1 }]);
      return collectTopic(bus, auditCheckpointTopic('US'));
    };
    const published = await checkpoints();
    const disclosures = Array.from({ length: 5 }, () => disclosureRecord({ events: 4 }));
    await publish(disclosures.map((d) => ({ key: 'k', value: codec.encode(DISCLOSURE_TOPIC, d) })));
    const service = await start({ checkpointEvery: { entries: 20, ms: 3_600_000 } });
    await waitFor(() => published.records.length === 1, 5_000, 'a checkpoint after 20 entries');
    const checkpoint = codec.decode(published.records[0]!.value!, { topic: auditCheckpointTopic('US') }).value;
    expect(checkpoint).toMatchObject({ ledgerCountry: 'US', entryCount: 20, headHash: ledger.entries[19]!.hash });
    expect(service.stats().checkpointsPublished).toBe(1);
    await published.stop();
  });

  describe('with disclosures of its own checkpoints (each delivered checkpoint adds one)', () => {
    const US_CHECKPOINTS = auditCheckpointTopic('US');
    const ofCheckpoint = () => disclosureRecord({ sourceTopic: US_CHECKPOINTS });
    const entryCounts = (records: readonly { value: Buffer | null }[]) =>
      records.map((r) => codec.decode(r.value!, { topic: US_CHECKPOINTS }).value.entryCount);
    const collectCheckpoints = async () => {
      await bus.admin.ensureTopics([{ topic: US_CHECKPOINTS, partitions: 1, retentionMs: -1 }]);
      return collectTopic(bus, US_CHECKPOINTS);
    };
    afterEach(() => {
      vi.useRealTimers();
    });

    it('signs no checkpoint on its timer when only such disclosures were chained; other entries still do', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const tick = async () => {
        vi.advanceTimersByTime(1_000);
        await new Promise((resolve) => setImmediate(resolve));
      };
      const published = await collectCheckpoints();
      await start({ checkpointEvery: { entries: 1_000_000, ms: 1_000 } });
      await publish([{ key: 'k', value: codec.encode(DISCLOSURE_TOPIC, disclosureRecord({ events: 2 })) }]);
      await waitFor(() => ledger.entries.length === 2, 5_000, 'the first disclosure chained');
      await tick();
      await waitFor(() => published.records.length === 1, 5_000, 'the checkpoint of the first disclosure');
      for (let n = 3; n <= 5; n++) {
        await publish([{ key: 'k', value: codec.encode(DISCLOSURE_TOPIC, ofCheckpoint()) }]);
        await waitFor(() => ledger.entries.length === n, 5_000, `checkpoint disclosure ${n} chained`);
        await tick();
        await tick();
      }
      expect(ledger.entries.slice(2).map((e) => e.sourceTopic)).toEqual([
        US_CHECKPOINTS,
        US_CHECKPOINTS,
        US_CHECKPOINTS,
      ]);
      await publish([{ key: 'k', value: codec.encode(DISCLOSURE_TOPIC, disclosureRecord()) }]);
      await waitFor(() => ledger.entries.length === 6, 5_000, 'another disclosure chained');
      await tick();
      await waitFor(() => published.records.length >= 2, 5_000, 'the checkpoint of the other disclosure');
      // Checkpoints are signed one after another: one of a head of 3 to 5 would have come first.
      expect(entryCounts(published.records)).toEqual([2, 6]);
      await published.stop();
    });

    it('counts only other entries toward `entries`, though each is chained', async () => {
      const published = await collectCheckpoints();
      const service = await start({ checkpointEvery: { entries: 3, ms: 3_600_000 } });
      await publish([{ key: 'k', value: codec.encode(DISCLOSURE_TOPIC, disclosureRecord({ events: 3 })) }]);
      await waitFor(() => published.records.length === 1, 5_000, 'a checkpoint after 3 entries');
      const ownCheckpoints = Array.from({ length: 4 }, ofCheckpoint);
      await publish(ownCheckpoints.map((d) => ({ key: 'k', value: codec.encode(DISCLOSURE_TOPIC, d) })));
      await waitFor(() => ledger.entries.length === 7, 5_000, 'the checkpoint disclosures chained');
      // One batch mixing both kinds: 2 entries count, the checkpoint's disclosure in between does not.
      await publish(
        [disclosureRecord(), ofCheckpoint(), disclosureRecord()].map((d) => ({
          key: 'k',
          value: codec.encode(DISCLOSURE_TOPIC, d),
        })),
      );
      await waitFor(() => ledger.entries.length === 10, 5_000, 'the mixed batch chained');
      await publish([{ key: 'k', value: codec.encode(DISCLOSURE_TOPIC, disclosureRecord()) }]);
      await waitFor(() => published.records.length >= 2, 5_000, 'a checkpoint after 3 more counted entries');
      expect(entryCounts(published.records)).toEqual([3, 11]);
      expect(service.stats()).toMatchObject({ entriesAppended: 11, checkpointsPublished: 2 });
      await published.stop();
    });
  });

  it('refuses options that cannot work, naming each problem', () => {
    expect(() =>
      createAuditService({
        bus,
        codec,
        store: memoryLedger('MX'),
        country: 'US',
        signingKey: key,
        checkpointEvery: { entries: 0, ms: 1.5 },
      }),
    ).toThrow(
      /checkpointEvery.entries must be a whole number ≥ 1, got 0; checkpointEvery.ms must be a whole number ≥ 1, got 1.5; the store is MX's ledger/,
    );
  });
});
