import { MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { type LedgerHead, publicKeyFromRaw, verifyCheckpointSignature } from '@puente/ledger';
import { auditCheckpointTopic, createLogger } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { CHECKPOINT_AGENCY } from './checkpoint-record.js';
import { type Checkpointer, createCheckpointer } from './checkpointer.js';
import { type Collected, collectTopic } from './testing/collect-topic.js';
import { testSigningKey } from './testing/signing-key.js';

const codec = createCodec();
const topic = auditCheckpointTopic('MX');
const logger = createLogger({ name: 'checkpointer-test', level: 'silent' });
const key = testSigningKey('mx-test-1');

const hashOf = (n: number) => Buffer.alloc(32, n);

describe('the checkpointer', () => {
  let bus: MemoryBus;
  let head: LedgerHead;
  let published: Collected;
  let checkpointer: Checkpointer | undefined;

  const make = (every: { entries: number; ms: number }) =>
    (checkpointer = createCheckpointer({
      bus,
      codec,
      ledger: { head: async () => head },
      country: 'MX',
      signingKey: key,
      every,
      logger,
      now: () => Date.UTC(2026, 4, 1),
    }));
  const decoded = () => published.records.map((r) => codec.decode(r.value!, { topic }).value);
  const moveHead = (entryCount: number) => {
    head = { entryCount, headHash: hashOf(entryCount % 256) };
  };

  beforeEach(async () => {
    bus = new MemoryBus();
    await bus.start();
    await bus.admin.ensureTopics([{ topic, partitions: 1, retentionMs: -1 }]);
    published = await collectTopic(bus, topic);
    head = { entryCount: 0, headHash: null };
  });
  afterEach(async () => {
    await checkpointer?.stop();
    checkpointer = undefined;
    await published.stop();
    await bus.stop();
  });

  it('signs the head once `entries` entries were appended since the last checkpoint', async () => {
    const cp = make({ entries: 100, ms: 3_600_000 });
    moveHead(60);
    cp.appended(60);
    moveHead(99);
    cp.appended(39);
    await cp.checkpoint(); // waits for anything queued; the head moved, so this one signs
    expect(decoded().map((c) => c.entryCount)).toEqual([99]);
    moveHead(150);
    cp.appended(51); // 51 since the last: not yet
    moveHead(199);
    cp.appended(49); // 100 since the last
    await waitFor(() => published.records.length === 2, 5_000, 'the second checkpoint');
    moveHead(260);
    cp.appended(61); // 61 since the head the last checkpoint read
    await cp.checkpoint();
    moveHead(299);
    cp.appended(39); // 100 since 199, yet only 39 since the checkpoint of 260 just made: not yet
    moveHead(360);
    cp.appended(61); // 100 since 260
    await waitFor(() => published.records.length === 4, 5_000, 'the fourth checkpoint');
    expect(decoded().map((c) => c.entryCount)).toEqual([99, 199, 260, 360]);
  });

  it('publishes a verifiable statement, keyed by its id, in an envelope every agreement admits', async () => {
    const cp = make({ entries: 1, ms: 3_600_000 });
    moveHead(7);
    cp.appended(7);
    await waitFor(() => published.records.length === 1, 5_000, 'a checkpoint');
    const [checkpoint] = decoded();
    expect(published.records[0]!.key).toBe(checkpoint!.checkpointId);
    expect(checkpoint).toMatchObject({
      ledgerCountry: 'MX',
      entryCount: 7,
      headHash: hashOf(7),
      keyId: 'mx-test-1',
      meta: {
        originCountry: 'MX',
        originAgency: CHECKPOINT_AGENCY,
        classification: 'PUBLIC',
        releasableTo: ['US', 'MX'],
        purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
      },
    });
    const statement = { ...checkpoint!, ledgerCountry: checkpoint!.ledgerCountry };
    const publicKey = publicKeyFromRaw(checkpoint!.publicKey);
    expect(verifyCheckpointSignature(statement, checkpoint!.signature, publicKey)).toBe(true);
    expect(verifyCheckpointSignature({ ...statement, entryCount: 8 }, checkpoint!.signature, publicKey)).toBe(false);
    expect(verifyCheckpointSignature({ ...statement, headHash: hashOf(9) }, checkpoint!.signature, publicKey)).toBe(
      false,
    );
  });

  it('on its timer signs only when the head moved, and never an empty ledger', async () => {
    const cp = make({ entries: 1_000_000, ms: 20 });
    cp.start();
    await cp.checkpoint();
    expect(published.records).toHaveLength(0); // empty ledger: nothing to state
    moveHead(5);
    await waitFor(() => published.records.length === 1, 5_000, 'the timer to sign the moved head');
    // Several more ticks at an unmoved head sign nothing; the next move is signed once.
    await cp.checkpoint();
    await cp.checkpoint();
    expect(published.records).toHaveLength(1);
    moveHead(6);
    cp.appended(1);
    await waitFor(() => published.records.length === 2, 5_000, 'the timer to sign the next head');
    expect(decoded().map((c) => c.entryCount)).toEqual([5, 6]);
  });

  describe('on a timer it drives by hand', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });
    /** One tick of the timer, then every task it started (a head read, a publish) run. */
    const tick = async () => {
      vi.advanceTimersByTime(1_000);
      await new Promise((resolve) => setImmediate(resolve));
    };

    it('signs no head that moved only by entries it was not told of (disclosures of its checkpoints)', async () => {
      const cp = make({ entries: 1_000_000, ms: 1_000 });
      cp.start();
      moveHead(5);
      cp.appended(5);
      await tick();
      await waitFor(() => published.records.length === 1, 5_000, 'the first checkpoint');
      // Each checkpoint delivered to the partner adds a disclosure of it to the ledger.
      for (let n = 6; n <= 9; n++) {
        moveHead(n);
        cp.appended(0);
        await tick();
        await tick();
      }
      moveHead(10);
      cp.appended(1);
      await tick();
      await waitFor(() => published.records.length >= 2, 5_000, 'the checkpoint of a counted entry');
      await cp.checkpoint(); // anything still queued has run; the head did not move since
      expect(decoded().map((c) => c.entryCount)).toEqual([5, 10]);
    });

    it('after a restart signs the head once on its first tick, then only for counted entries', async () => {
      moveHead(40); // chained by an earlier process, perhaps never stated
      const cp = make({ entries: 1_000_000, ms: 1_000 });
      cp.start();
      await tick();
      await waitFor(() => published.records.length === 1, 5_000, 'the checkpoint of the inherited head');
      moveHead(41);
      cp.appended(0);
      await tick();
      await tick();
      moveHead(42);
      cp.appended(1);
      await tick();
      await waitFor(() => published.records.length >= 2, 5_000, 'the checkpoint of a counted entry');
      await cp.stop(); // the head did not move since: nothing more to state
      expect(decoded().map((c) => c.entryCount)).toEqual([40, 42]);
    });
  });

  it('counts a failed publish and signs at the next trigger; stop states a head that moved', async () => {
    const cp = make({ entries: 10, ms: 3_600_000 });
    await bus.admin.deleteTopics([topic]);
    moveHead(10);
    cp.appended(10);
    await cp.checkpoint();
    expect(cp.stats()).toMatchObject({ checkpointsPublished: 0, checkpointFailures: 2 });
    await bus.admin.ensureTopics([{ topic, partitions: 1, retentionMs: -1 }]);
    await published.stop();
    published = await collectTopic(bus, topic);
    moveHead(11);
    cp.appended(1);
    await waitFor(() => published.records.length === 1, 5_000, 'the retried checkpoint');
    moveHead(12);
    await cp.stop();
    await waitFor(() => published.records.length === 2, 5_000, 'the last checkpoint at stop');
    expect(decoded().map((c) => c.entryCount)).toEqual([11, 12]);
    expect(cp.stats()).toMatchObject({ checkpointsPublished: 2, checkpointFailures: 2, lastCheckpointEntry: 12 });
  });
});
