import type { Bus, BusRecord, ConsumedRecord, DeadLetters, RecordBatch, Subscription } from '@puente/bus';
import type { Logger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { type BatchHandlerOptions, createBatchHandler } from './batch-handler.js';
import type { ScreeningCounters } from './screen-record.js';
import type { WatchlistSet } from './watchlists.js';

const IN = 'us.cargo-manifests.v1';
const OUT = 'us.screening-results.v1';
const set = { lists: [], size: 0 } as unknown as WatchlistSet;

const record = (offset: string, value: string | null): ConsumedRecord => ({
  topic: IN,
  partition: 1,
  offset,
  key: 'k',
  value: value === null ? null : Buffer.from(value),
  headers: {},
  timestamp: 0,
});

const batchOf = (...records: ConsumedRecord[]): RecordBatch => ({
  topic: IN,
  partition: 1,
  records,
  highWatermark: '100',
});

function setUp(overrides: { publishFails?: boolean; subscribed?: boolean } = {}) {
  const published: { topic: string; records: readonly BusRecord[] }[] = [];
  const commits: unknown[] = [];
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const screenedAt: { offset: string; set: WatchlistSet; at: number }[] = [];
  const stats: ScreeningCounters = { manifests: 0, crossings: 0, results: 0, hits: 0, travellerHits: 0, skipped: 0 };
  const bus = {
    publish: async (topic: string, records: readonly BusRecord[]) => {
      if (overrides.publishFails) throw new Error('broker down');
      published.push({ topic, records });
      return [];
    },
  } as unknown as Bus;
  // Like the real guard: the function's result, or undefined once a failing record is set aside.
  const deadLetters = {
    guard: async <T>(_record: ConsumedRecord, fn: () => T) => {
      try {
        return fn();
      } catch {
        return undefined;
      }
    },
  } as unknown as DeadLetters;
  const subscription = Promise.resolve({
    commit: async (offsets: unknown) => void commits.push(offsets),
  } as unknown as Subscription);
  const options: BatchHandlerOptions = {
    bus,
    outputTopic: OUT,
    lists: () => ({ own: set }),
    deadLetters,
    screenRecord: (r, s, at) => {
      screenedAt.push({ offset: r.offset, set: s.own, at });
      if (r.value?.toString() === 'bad') throw new Error('undecodable');
      return [{ key: r.key, value: r.value }];
    },
    stats,
    logger: {
      warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }),
    } as unknown as Logger,
    now: () => 1234,
    subscription: () => (overrides.subscribed === false ? undefined : subscription),
  };
  return { handle: createBatchHandler(options), published, commits, warnings, screenedAt, stats };
}

describe('createBatchHandler', () => {
  it('publishes every result of the batch at once, then commits past its last record', async () => {
    const { handle, published, commits, screenedAt } = setUp();
    await handle(batchOf(record('7', 'a'), record('8', 'b')));
    expect(screenedAt).toEqual([
      { offset: '7', set, at: 1234 },
      { offset: '8', set, at: 1234 },
    ]);
    expect(published).toEqual([
      {
        topic: OUT,
        records: [
          { key: 'k', value: Buffer.from('a') },
          { key: 'k', value: Buffer.from('b') },
        ],
      },
    ]);
    expect(commits).toEqual([[{ topic: IN, partition: 1, offset: '9' }]]);
  });

  it('counts a record set aside as skipped and still commits past it', async () => {
    const { handle, published, commits, stats } = setUp();
    await handle(batchOf(record('3', 'bad')));
    expect(stats.skipped).toBe(1);
    expect(published).toEqual([]);
    expect(commits).toEqual([[{ topic: IN, partition: 1, offset: '4' }]]);
  });

  it('warns and rethrows when publishing fails, committing nothing', async () => {
    const { handle, commits, warnings } = setUp({ publishFails: true });
    await expect(handle(batchOf(record('5', 'a')))).rejects.toThrow('broker down');
    expect(commits).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toBe('publishing screening results failed; the batch will be redelivered');
    expect(warnings[0]!.fields).toMatchObject({ topic: IN, partition: 1, outputTopic: OUT });
  });

  it('leaves a batch alone while there is no subscription, and an empty batch too', async () => {
    const unsubscribed = setUp({ subscribed: false });
    await unsubscribed.handle(batchOf(record('1', 'a')));
    expect(unsubscribed.screenedAt).toEqual([]);
    expect(unsubscribed.commits).toEqual([]);
    const empty = setUp();
    await empty.handle(batchOf());
    expect(empty.commits).toEqual([]);
  });
});
