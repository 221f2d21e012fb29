// The audit service on a real Kafka broker and a real ledger, PGlite and PostgreSQL: what the
// gateway publishes lands in the chain in order, a restarted service doubles nothing, records
// read again change no byte of the chain, and the checkpoints it publishes verify. Each run
// chains a disclosure topic and signs on a checkpoint topic of its own: test gateways on the shared
// broker write their disclosures to the real one, and those would join this chain.
import { randomUUID } from 'node:crypto';

import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec, type DisclosureRecord } from '@puente/contracts';
import { NOT_AVRO } from '@puente/contracts/testing';
import {
  type LedgerEntry,
  type LedgerStore,
  publicKeyFromRaw,
  rawPublicKey,
  verifyCheckpointSignature,
} from '@puente/ledger';
import { openTestLedger, type TestLedger, type TestLedgerKind } from '@puente/ledger/testing';
import { auditCheckpointTopic, createLogger, deadLetterTopicOf, DISCLOSURE_TOPIC } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { type AuditService, createAuditService } from './audit-service.js';
import { collectTopic } from './testing/collect-topic.js';
import { disclosureRecord, legacyDisclosureBytes } from './testing/disclosure-records.js';
import { startLedgerAtTopicEnd } from './testing/positions.js';
import { testSigningKey } from './testing/signing-key.js';

const codec = createCodec();
const logger = createLogger({ name: 'audit-integration', level: 'silent' });
const key = testSigningKey('us-integration-1');

/** Every entry of the ledger, oldest first, through the port's paged listing. */
async function allEntries(store: LedgerStore): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for (;;) {
    const page = await store.listDisclosures({ limit: 1_000, afterEntry: entries.at(-1)?.entry ?? 0 });
    if (page.length === 0) return entries;
    entries.push(...page);
  }
}

/** Waits until `service` has counted `records` records read (or more: the caller's check then fails). */
const counted = (service: AuditService, records: number) =>
  waitFor(() => service.stats().records >= records, 30_000, `the service to count ${records} records`);

const eventsOf = (disclosures: readonly DisclosureRecord[]) =>
  disclosures.flatMap((d) => d.events.map((e) => `${d.disclosureId}/${e.eventId}`));

describe.each<TestLedgerKind>(['pglite', 'postgres'])('the audit service on Kafka and %s', (kind) => {
  let bus: KafkaBus;
  let ledger: TestLedger;
  let running: AuditService[] = [];
  const run = randomUUID().slice(0, 8);
  const disclosureTopic = `test.audit-service.disclosures.${kind}-${run}`;
  const checkpointTopic = `test.audit-service.checkpoints.${kind}-${run}`;

  const start = async (checkpointEvery = { entries: 1_000_000, ms: 3_600_000 }) => {
    const service = createAuditService({
      bus,
      codec,
      store: ledger,
      country: 'US',
      signingKey: key,
      checkpointEvery,
      logger,
      replicationFactor: 1,
      disclosureTopic,
      checkpointTopic,
    });
    running.push(service);
    await service.start();
    return service;
  };
  const stop = async (service: AuditService) => {
    await service.stop();
    running = running.filter((s) => s !== service);
  };
  const publish = (records: readonly { key: string; value: Buffer | null }[]) => bus.publish(disclosureTopic, records);
  const encoded = (disclosures: readonly DisclosureRecord[], key?: string) =>
    disclosures.map((d) => ({ key: key ?? d.disclosureId, value: codec.encode(DISCLOSURE_TOPIC, d) }));

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: `audit-it-${kind}`, logger });
    await bus.start();
    // As the gateway creates it: several partitions, kept forever.
    await bus.admin.ensureTopics([{ topic: disclosureTopic, partitions: 3, retentionMs: -1 }]);
  });
  afterAll(async () => {
    const existing = new Set((await bus.admin.listTopics()).map((t) => t.topic));
    const ours = [disclosureTopic, checkpointTopic, deadLetterTopicOf(disclosureTopic)].filter((t) => existing.has(t));
    if (ours.length > 0) await bus.admin.deleteTopics(ours);
    await bus.stop();
  });
  beforeEach(async () => {
    ledger = await openTestLedger(kind, 'US');
    // The second test's fresh ledger starts where the first left the topic.
    await startLedgerAtTopicEnd(bus, ledger, disclosureTopic);
  });
  afterEach(async () => {
    for (const service of running) await service.stop();
    running = [];
    await ledger.close();
  });

  it('chains what is published in order, doubles nothing across a restart, and keeps the chain byte for byte when records come again', async () => {
    // One key, one partition: the chain's order is the publishing order.
    const ordered = Array.from({ length: 40 }, (_, i) => disclosureRecord({ events: 1 + (i % 4) }));
    const mexican = Array.from({ length: 10 }, () => disclosureRecord({ origin: 'MX', events: 2 }));
    const legacy = disclosureRecord();
    await publish([
      ...encoded(ordered.slice(0, 20), 'one-key'),
      ...encoded(mexican, 'one-key'),
      { key: 'one-key', value: NOT_AVRO },
      { key: 'one-key', value: legacyDisclosureBytes(codec, 2, legacy) },
      ...encoded(ordered.slice(20), 'one-key'),
    ]);
    const first = await start();
    const expected = eventsOf([...ordered.slice(0, 20), legacy, ...ordered.slice(20)]);
    await waitFor(async () => (await ledger.head()).entryCount === expected.length, 60_000, 'the first disclosures');
    expect((await allEntries(ledger)).map((e) => `${e.disclosureId}/${e.eventId}`)).toEqual(expected);
    // On PostgreSQL the test reads the head on another connection of the pool: it can see a batch's
    // commit before the service has counted that batch, so the counts are read once they settle.
    await counted(first, 52);
    expect(first.stats()).toMatchObject({ otherCountry: 10, deadLettered: 1, duplicates: 0 });

    // Restarted: it reads on from the ledger's positions, so nothing is read, let alone chained, twice.
    await stop(first);
    const later = Array.from({ length: 15 }, () => disclosureRecord({ events: 2 }));
    await publish(encoded(later)); // spread over the partitions by key
    const second = await start();
    await waitFor(
      async () => (await ledger.head()).entryCount === expected.length + 30,
      60_000,
      'the disclosures published while it was down',
    );
    await counted(second, 15);
    expect(second.stats()).toMatchObject({ records: 15, duplicates: 0, entriesAppended: 30 });
    const chain = await allEntries(ledger);
    expect(new Set(chain.slice(expected.length).map((e) => `${e.disclosureId}/${e.eventId}`))).toEqual(
      new Set(eventsOf(later)),
    );

    // The same disclosures arrive again (a producer's retry): skipped, not one byte of the chain moves.
    await publish([...encoded(ordered), ...encoded(later)]);
    await waitFor(() => second.stats().duplicates === 55, 60_000, 'the repeated disclosures to be read');
    const again = await allEntries(ledger);
    expect(again.map((e) => e.hash.toString('hex'))).toEqual(chain.map((e) => e.hash.toString('hex')));
    expect(second.stats().entriesAppended).toBe(30);
    expect(await ledger.verify()).toMatchObject({ intact: true, entryCount: chain.length, firstBadEntry: 0 });
  });

  it('publishes checkpoints of the head that verify with the public key and anchor the chain', async () => {
    // Decoded as the US checkpoint topic's records, collected from this run's own topic.
    const checkpoints = auditCheckpointTopic('US');
    const service = await start({ entries: 25, ms: 3_600_000 });
    const published = await collectTopic(bus, checkpointTopic, { fromEnd: true });
    try {
      const disclosures = Array.from({ length: 30 }, () => disclosureRecord({ events: 3 }));
      await publish(encoded(disclosures));
      await waitFor(async () => (await ledger.head()).entryCount === 90, 60_000, 'every disclosure chained');
      await stop(service); // states the head one last time
      await waitFor(
        () => published.records.some((r) => codec.decode(r.value!, { topic: checkpoints }).value.entryCount === 90),
        30_000,
        'a checkpoint of the final head',
      );
      for (const record of published.records) {
        const checkpoint = codec.decode(record.value!, { topic: checkpoints }).value;
        expect(record.key).toBe(checkpoint.checkpointId);
        expect(checkpoint.keyId).toBe('us-integration-1');
        expect(checkpoint.publicKey).toEqual(rawPublicKey(key.publicKey));
        expect(verifyCheckpointSignature(checkpoint, checkpoint.signature, key.publicKey)).toBe(true);
        expect(
          verifyCheckpointSignature(checkpoint, checkpoint.signature, publicKeyFromRaw(checkpoint.publicKey)),
        ).toBe(true);
        // The stated head is the chain's entry, and the chain verifies onward from it.
        expect((await ledger.entry(checkpoint.entryCount))?.hash).toEqual(checkpoint.headHash);
        const from = { entry: checkpoint.entryCount, expectedHash: checkpoint.headHash };
        expect(await ledger.verify({ from })).toMatchObject({ intact: true, entryCount: 90 });
      }
      expect(published.records.length).toBeGreaterThanOrEqual(2);
    } finally {
      await published.stop();
    }
  });
});
