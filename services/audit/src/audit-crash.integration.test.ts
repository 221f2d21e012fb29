// THE crash test: the audit service as a real process on PostgreSQL, killed with SIGKILL at
// random points while disclosures stream in, restarted, five times. At the end the ledger holds
// every disclosed event exactly once and verifies: the chain and the Kafka positions advance in
// one transaction, so no crash can lose a disclosure or chain one twice.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec, type DisclosureRecord } from '@puente/contracts';
import { type LedgerEntry, type LedgerStore, openLedger } from '@puente/ledger';
import { testDatabaseUrl } from '@puente/ledger/testing';
import { createLogger, DISCLOSURE_TOPIC } from '@puente/runtime';
import { type ServiceProcess, startServiceProcess, waitFor } from '@puente/runtime/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { disclosureRecord } from './testing/disclosure-records.js';
import { disclosureTopicEnd, startLedgerAtTopicEnd } from './testing/positions.js';

const codec = createCodec();
const logger = createLogger({ name: 'audit-crash-test', level: 'silent' });
const serviceDir = fileURLToPath(new URL('..', import.meta.url));
const KILLS = 5;
const PHASES = KILLS + 1;
const PER_PHASE = 500;
const CHUNK = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function allEntries(store: LedgerStore): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for (;;) {
    const page = await store.listDisclosures({ limit: 2_000, afterEntry: entries.at(-1)?.entry ?? 0 });
    if (page.length === 0) return entries;
    entries.push(...page);
  }
}

describe('the audit process killed with SIGKILL while disclosures stream in', () => {
  const database = `audit_crash_${randomBytes(5).toString('hex')}`;
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${database}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl() });
  let bus: KafkaBus;
  let store: LedgerStore;
  let child: ServiceProcess | undefined;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'audit-crash-test', logger });
    await bus.start();
    await bus.admin.ensureTopics([{ topic: DISCLOSURE_TOPIC, partitions: 3, retentionMs: -1 }]);
    // The process's own ledger (schema ledger_us of a database of this run), starting at the
    // topic's end so records other tests left there stay out of it.
    store = await openLedger({ country: 'US', databaseUrl: url.toString() });
    await startLedgerAtTopicEnd(bus, store);
  });
  afterAll(async () => {
    await child?.stop('SIGKILL');
    await store?.close();
    await bus?.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  const startChild = () =>
    startServiceProcess({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/main.ts'],
      cwd: serviceDir,
      env: {
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        PUENTE_COUNTRY: 'US',
        DATABASE_URL: url.toString(),
        PUENTE_AUDIT_REPLICATION_FACTOR: '1',
        PUENTE_AUDIT_CHECKPOINT_ENTRIES: '500',
        PUENTE_AUDIT_CHECKPOINT_MS: '1000',
        PUENTE_METRICS_PORT: '0',
      },
      ready: 'audit service ready',
    });

  it('ends with every disclosed event chained exactly once, and the chain intact', { timeout: 600_000 }, async () => {
    const published: DisclosureRecord[] = [];
    /** One phase of the stream: PER_PHASE disclosures (one in five of MX's data), in small batches. */
    const streamPhase = async () => {
      for (let sent = 0; sent < PER_PHASE; sent += CHUNK) {
        const chunk = Array.from({ length: CHUNK }, (_, i) =>
          disclosureRecord({ origin: (sent + i) % 5 === 4 ? 'MX' : 'US', events: 1 + ((sent + i) % 4) }),
        );
        await bus.publish(
          DISCLOSURE_TOPIC,
          chunk.map((d) => ({ key: d.disclosureId, value: codec.encode(DISCLOSURE_TOPIC, d) })),
        );
        published.push(...chunk);
        await sleep(40);
      }
    };
    const headNow = async () => (await store.head()).entryCount;
    const kills: { entriesAtKill: number; usEventsPublishedAtKill: number }[] = [];

    let streaming: Promise<void> = Promise.resolve();
    for (let phase = 0; phase < PHASES; phase++) {
      // The stream starts once the process runs, so the kill lands while it is still coming in.
      child = await startChild();
      streaming = streamPhase();
      if (phase === PHASES - 1) break;
      const before = await headNow();
      await waitFor(
        async () => (await headNow()) > before,
        120_000,
        `the process to chain something (run ${phase + 1})`,
      );
      await sleep(Math.floor(Math.random() * 1_500));
      await child.stop('SIGKILL');
      const usEvents = published.filter((d) => d.meta.originCountry === 'US').reduce((n, d) => n + d.events.length, 0);
      kills.push({ entriesAtKill: await headNow(), usEventsPublishedAtKill: usEvents });
      await streaming;
    }

    // The last run drains everything; then it stops cleanly.
    await streaming;
    expect(published).toHaveLength(PHASES * PER_PHASE);
    const expected = published
      .filter((d) => d.meta.originCountry === 'US')
      .flatMap((d) => d.events.map((e) => `${d.disclosureId}/${e.eventId}`));
    // Everything read: the ledger's positions reached the topic's end on every partition.
    const end = await disclosureTopicEnd(bus);
    const consumed = async () => {
      const positions = new Map((await store.positions(DISCLOSURE_TOPIC)).map((p) => [p.partition, BigInt(p.offset)]));
      return end.every((p) => (positions.get(p.partition) ?? -1n) >= BigInt(p.offset));
    };
    await waitFor(consumed, 180_000, 'the last run to read the whole stream');
    expect(await child!.stop('SIGTERM')).toBe(0);
    child = undefined;
    console.info(`[audit crash test] ${published.length} disclosures, ${expected.length} US events; kills at`, kills);

    // Test gateways on the shared broker write US disclosures to the same topic, and the process
    // chains those too: the promise is checked on this test's own disclosures, the chain whole.
    const ours = new Set(published.map((d) => d.disclosureId));
    const chain = await allEntries(store);
    const chained = chain.filter((e) => ours.has(e.disclosureId)).map((e) => `${e.disclosureId}/${e.eventId}`);
    expect(chained).toHaveLength(expected.length);
    expect(chained.sort()).toEqual([...expected].sort());
    expect(chain.map((e) => e.entry)).toEqual(chain.map((_, i) => i + 1));
    expect(await store.verify()).toMatchObject({ intact: true, entryCount: chain.length, firstBadEntry: 0 });
    expect(await consumed()).toBe(true);
    expect(kills).toHaveLength(KILLS);
  });
});
