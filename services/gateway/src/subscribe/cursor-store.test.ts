// The cursor store's claim and fencing rules, with two gateway instances' stores on one MemoryBus:
// the log orders claims and commits, a commit after another stream took the subscription moves
// no cursor anywhere, a holder that never releases is taken over at the timeout, and a
// subscription's every topic survives compaction (only the last record per key kept).
import { ErrorReason } from '@puente/proto';
import { MemoryBus, type ConsumedRecord } from '@puente/bus';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { GatewayError } from '../grpc/errors.js';
import { createCursorStore, type CursorStore, type Supersession } from './cursor-store.js';

const TOPIC = 'test.subscription-cursors';
const S = 'mx.anam.cargo-feed';
const positions = (entries: [number, number][]) => new Map(entries);

/** Waits until `condition` holds, on the event loop (the stores read the log asynchronously). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function supersededReason(work: Promise<unknown>): Promise<ErrorReason | undefined> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof GatewayError ? error.reason : undefined;
}

async function highOf(bus: MemoryBus, topic: string): Promise<number> {
  return Number((await bus.admin.listTopics()).find((t) => t.topic === topic)?.partitions[0]?.high);
}

/** A copy of `topic` as compaction leaves it: the last record of each key, in log order. */
async function compactedCopy(bus: MemoryBus, topic: string, copy: string): Promise<void> {
  const last = new Map<string, ConsumedRecord>();
  const high = Number((await bus.admin.listTopics()).find((t) => t.topic === topic)?.partitions[0]?.high);
  let read = 0;
  const reader = await bus.readFrom({
    topic,
    positions: [{ partition: 0, offset: '0' }],
    handler: async (batch) => {
      for (const record of batch.records) if (record.key) last.set(record.key, record);
      read += batch.records.length;
    },
  });
  await until(() => read >= high);
  await reader.stop();
  const kept = [...last.values()].sort((x, y) => Number(x.offset) - Number(y.offset));
  await bus.admin.ensureTopics([{ topic: copy, partitions: 1, cleanupPolicy: 'compact' }]);
  await bus.publish(
    copy,
    kept.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
  );
}

describe('the cursor store across gateway instances', () => {
  let bus: MemoryBus;
  let a: CursorStore;
  let b: CursorStore;
  const seen: Supersession[] = [];

  beforeEach(async () => {
    bus = new MemoryBus();
    await bus.start();
    a = createCursorStore(bus, { topic: TOPIC, instance: 'gateway-a' });
    b = createCursorStore(bus, { topic: TOPIC, instance: 'gateway-b' });
    await a.start();
    await b.start();
    seen.length = 0;
    a.onSuperseded((s) => seen.push(s));
  });
  afterEach(async () => {
    await a.stop();
    await b.stop();
    await bus.stop();
  });

  it('fences by log order: after the new stream took the subscription, the old stream’s commits move nothing', async () => {
    await a.claim(S, 'stream-a', 60_000);
    await a.commit(S, 'us.cargo', positions([[0, 5]]), 'stream-a');
    await until(() => b.get(S)?.['us.cargo']?.['0'] === '5');

    const taking = b.claim(S, 'stream-b', 60_000);
    await until(() => seen.length > 0);
    expect(seen).toEqual([
      { subscriptionId: S, stream: 'stream-a', by: { stream: 'stream-b', instance: 'gateway-b' } },
    ]);
    // The old holder commits the acks it already had, then releases: that commit counts.
    await a.commit(S, 'us.cargo', positions([[0, 7]]), 'stream-a');
    await a.release(S, 'stream-a');
    expect(await taking).toMatchObject({ abandoned: [] });
    expect(b.get(S)).toEqual({ 'us.cargo': { '0': '7' } });

    // A late commit from the old stream: refused, and no store moves.
    expect(await supersededReason(a.commit(S, 'us.cargo', positions([[0, 9]]), 'stream-a'))).toBe(
      ErrorReason.SUBSCRIPTION_SUPERSEDED,
    );
    await b.commit(S, 'us.cargo', positions([[0, 8]]), 'stream-b');
    await until(() => a.get(S)?.['us.cargo']?.['0'] === '8');
    expect(a.get(S)).toEqual({ 'us.cargo': { '0': '8' } });
    expect(b.get(S)).toEqual({ 'us.cargo': { '0': '8' } });
  });

  it('takes over at the timeout from a holder that never releases (its gateway crashed), and fences it', async () => {
    await a.claim(S, 'stream-a', 60_000);
    await a.commit(S, 'us.cargo', positions([[0, 3]]), 'stream-a');
    expect(await b.claim(S, 'stream-b', 200)).toMatchObject({ abandoned: ['stream-a'] });
    expect(await supersededReason(a.commit(S, 'us.cargo', positions([[0, 6]]), 'stream-a'))).toBe(
      ErrorReason.SUBSCRIPTION_SUPERSEDED,
    );
    expect(b.get(S)).toEqual({ 'us.cargo': { '0': '3' } });
  });

  it('lets the next claim go ahead at once after a release (no timeout to wait out)', async () => {
    await a.claim(S, 'stream-a', 60_000);
    await a.release(S, 'stream-a');
    // With an hour's timeout, this resolves only because the release is in the log.
    expect(await b.claim(S, 'stream-b', 3_600_000)).toMatchObject({ abandoned: [] });
  });

  it('supersedes a stream still waiting for its claim when a newer one claims', async () => {
    await a.claim(S, 'stream-a', 60_000);
    const waiting = b.claim(S, 'stream-b', 3_600_000);
    await until(() => seen.some((s) => s.by.stream === 'stream-b'));
    const newest = a.claim(S, 'stream-c', 3_600_000);
    expect(await supersededReason(waiting)).toBe(ErrorReason.SUBSCRIPTION_SUPERSEDED);
    await a.release(S, 'stream-a');
    expect(await newest).toMatchObject({ abandoned: [] });
    expect(await supersededReason(b.commit(S, 'us.cargo', positions([[0, 1]]), 'stream-b'))).toBe(
      ErrorReason.SUBSCRIPTION_SUPERSEDED,
    );
  });

  it('lets a stream that goes away while waiting for its claim block nobody after it', async () => {
    await a.claim(S, 'stream-a', 60_000);
    const waiting = b.claim(S, 'stream-b', 3_600_000);
    await until(() => seen.some((s) => s.by.stream === 'stream-b'));
    await b.release(S, 'stream-b'); // its client cancelled
    expect(await supersededReason(waiting)).toBe(ErrorReason.SUBSCRIPTION_SUPERSEDED);
    await a.release(S, 'stream-a');
    expect(await a.claim(S, 'stream-c', 3_600_000)).toMatchObject({ abandoned: [] });
  });

  it('applies a commit that names no stream, as before', async () => {
    await a.claim(S, 'stream-a', 60_000);
    await b.commit(S, 'us.cargo', positions([[1, 4]]));
    expect(a.get(S)).toEqual({ 'us.cargo': { '1': '4' } });
  });

  it('keeps every topic of a subscription after compaction, and never lists claims as subscriptions', async () => {
    await a.claim(S, 'stream-a', 60_000);
    await a.commit(S, 'us.cargo', positions([[0, 5]]), 'stream-a');
    await a.commit(S, 'us.travellers', positions([[2, 9]]), 'stream-a');
    await a.commit(S, 'us.cargo', positions([[1, 2]]), 'stream-a');

    // Compaction: only the last record of each key remains.
    const last = new Map<string, ConsumedRecord>();
    const high = Number((await bus.admin.listTopics()).find((t) => t.topic === TOPIC)?.partitions[0]?.high);
    let read = 0;
    const reader = await bus.readFrom({
      topic: TOPIC,
      positions: [{ partition: 0, offset: '0' }],
      handler: async (batch) => {
        for (const record of batch.records) if (record.key) last.set(record.key, record);
        read += batch.records.length;
      },
    });
    await until(() => read >= high);
    await reader.stop();
    const compacted = 'test.subscription-cursors-compacted';
    await bus.admin.ensureTopics([{ topic: compacted, partitions: 1, cleanupPolicy: 'compact' }]);
    await bus.publish(
      compacted,
      [...last.values()].map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
    );
    const fresh = createCursorStore(bus, { topic: compacted, instance: 'gateway-c' });
    await fresh.start();
    expect(fresh.get(S)).toEqual({ 'us.cargo': { '0': '5', '1': '2' }, 'us.travellers': { '2': '9' } });
    expect([...fresh.all().keys()]).toEqual([S]);
    // The compacted log still knows who holds the subscription: another stream's commit is ignored.
    await fresh.commit(S, 'us.cargo', positions([[0, 1]]), 'stream-x').catch(() => undefined);
    expect(fresh.get(S)?.['us.cargo']?.['0']).toBe('5');
    await fresh.stop();
  });

  it('keeps the holder’s positions through compaction when a fenced commit came last (its instance writes them again)', async () => {
    await a.claim(S, 'stream-a', 60_000);
    await a.commit(S, 'us.cargo', positions([[0, 5]]), 'stream-a');
    // A never releases (hung); B takes over at the timeout and moves on.
    await b.claim(S, 'stream-b', 50);
    await b.commit(S, 'us.cargo', positions([[0, 50]]), 'stream-b');
    // A wakes up and commits late: fenced, and for a moment the subscription's last cursor record.
    const before = await highOf(bus, TOPIC);
    await a.commit(S, 'us.cargo', positions([[0, 7]]), 'stream-a').catch(() => undefined);
    // The fenced commit, then B's instance writing the accepted positions again.
    while ((await highOf(bus, TOPIC)) < before + 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await compactedCopy(bus, TOPIC, `${TOPIC}-compacted-open`);
    const fresh = createCursorStore(bus, { topic: `${TOPIC}-compacted-open`, instance: 'gateway-c' });
    await fresh.start();
    expect(fresh.get(S)?.['us.cargo']?.['0']).toBe('50');
    await fresh.stop();
  });

  it('keeps the positions of a holder that released through compaction, and still fences the old stream', async () => {
    await a.claim(S, 'stream-a', 60_000);
    await a.commit(S, 'us.cargo', positions([[0, 5]]), 'stream-a');
    await b.claim(S, 'stream-b', 50);
    await b.commit(S, 'us.cargo', positions([[0, 50]]), 'stream-b');
    await b.release(S, 'stream-b');
    const before = await highOf(bus, TOPIC);
    await a.commit(S, 'us.cargo', positions([[0, 7]]), 'stream-a').catch(() => undefined);
    // The fenced commit, then B's instance writing the accepted positions again.
    while ((await highOf(bus, TOPIC)) < before + 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await compactedCopy(bus, TOPIC, `${TOPIC}-compacted-released`);
    const fresh = createCursorStore(bus, { topic: `${TOPIC}-compacted-released`, instance: 'gateway-c' });
    await fresh.start();
    expect(fresh.get(S)?.['us.cargo']?.['0']).toBe('50');
    // Only the release is left of the claims: it still says stream-b held, so stream-a moves nothing.
    await fresh.commit(S, 'us.cargo', positions([[0, 9]]), 'stream-a').catch(() => undefined);
    expect(fresh.get(S)?.['us.cargo']?.['0']).toBe('50');
    await fresh.stop();
  });
});
