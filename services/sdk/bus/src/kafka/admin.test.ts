import { describe, expect, it } from 'vitest';

import type { Admin } from 'kafkajs';

import {
  checkSpecs,
  groupLag,
  ownConfig,
  topicConfigOf,
  topicDescription,
  topicOffsets,
  topicsToCreate,
} from './admin.js';

type Entry = Parameters<typeof ownConfig>[0][number];
const entry = (configName: string, configValue: string, fields: Partial<Entry> = {}): Entry => ({
  configName,
  configValue,
  isDefault: false,
  configSource: 1,
  isSensitive: false,
  readOnly: false,
  configSynonyms: [],
  ...fields,
});

describe('topics to create', () => {
  it('refuses a spec without a whole number of partitions of at least one', () => {
    for (const partitions of [0, -1, 1.5, Number.NaN]) {
      expect(() =>
        checkSpecs([
          { topic: 'ok', partitions: 1 },
          { topic: 'bad', partitions },
        ]),
      ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("'bad'") }));
    }
    expect(() => checkSpecs([{ topic: 'ok', partitions: 3 }])).not.toThrow();
  });

  it('creates only the topics missing, each once, by its first spec', () => {
    const specs = [
      { topic: 'here', partitions: 1 },
      { topic: 'new', partitions: 2 },
      { topic: 'new', partitions: 9 },
      { topic: 'other', partitions: 1 },
    ];
    expect(topicsToCreate(specs, new Set(['here']))).toEqual([specs[1], specs[3]]);
  });

  it("sets retention and cleanup from the spec's fields, a week and delete by default, its configs winning", () => {
    expect(topicConfigOf({ topic: 't', partitions: 2 })).toEqual({
      topic: 't',
      numPartitions: 2,
      replicationFactor: 1,
      configEntries: [
        { name: 'retention.ms', value: String(7 * 24 * 3_600_000) },
        { name: 'cleanup.policy', value: 'delete' },
      ],
    });
    expect(
      topicConfigOf({
        topic: 't',
        partitions: 1,
        replicationFactor: 3,
        retentionMs: -1,
        cleanupPolicy: 'compact',
        configs: { 'cleanup.policy': 'compact,delete', 'max.message.bytes': '65536' },
      }),
    ).toEqual({
      topic: 't',
      numPartitions: 1,
      replicationFactor: 3,
      configEntries: [
        { name: 'retention.ms', value: '-1' },
        { name: 'cleanup.policy', value: 'compact,delete' },
        { name: 'max.message.bytes', value: '65536' },
      ],
    });
  });
});

describe('topic description', () => {
  it('keeps only the entries set on the topic itself, never a sensitive one, by source or else by isDefault', () => {
    expect(
      ownConfig([
        entry('retention.ms', '1000'),
        entry('segment.bytes', '1', { configSource: 5 }), // the broker's default
        entry('secret', 'x', { isSensitive: true }),
        // A broker too old to say the source.
        entry('cleanup.policy', 'compact', { configSource: undefined as unknown as number }),
        entry('flush.ms', '9', { configSource: undefined as unknown as number, isDefault: true }),
      ]),
    ).toEqual({ 'retention.ms': '1000', 'cleanup.policy': 'compact' });
  });

  it('places each partition, -1 for a leader it does not know, sorted, with retention and cleanup in force', () => {
    const description = topicDescription(
      't',
      { partitions: [{ partitionId: 0, leader: 2, replicas: [2, 1], isr: [2], partitionErrorCode: 0 }] },
      [
        { partition: 1, low: '0', high: '4' },
        { partition: 0, low: '3', high: '9' },
      ],
      [entry('retention.ms', '60000'), entry('cleanup.policy', 'compact', { configSource: 5 })],
    );
    expect(description).toEqual({
      topic: 't',
      partitions: [
        { partition: 0, low: '3', high: '9', leader: 2, replicas: [2, 1], inSyncReplicas: [2] },
        { partition: 1, low: '0', high: '4', leader: -1, replicas: [], inSyncReplicas: [] },
      ],
      retentionMs: 60_000,
      retentionBytes: -1,
      cleanupPolicy: 'compact',
      config: { 'retention.ms': '60000' },
    });
    expect(topicDescription('t', undefined, [], [])).toMatchObject({ retentionMs: -1, cleanupPolicy: 'delete' });
  });
});

describe('groupLag', () => {
  it('counts lag from the commit, from the low offset where none, never below zero, sorted by topic and partition', () => {
    const lag = groupLag(
      ['b', 'a'],
      [
        { topic: 'b', partitions: [{ partition: 0, offset: '-1' }] },
        {
          topic: 'a',
          partitions: [
            { partition: 1, offset: '5' },
            { partition: 0, offset: '12' },
          ],
        },
      ],
      [
        [{ partition: 0, low: '2', high: '10' }],
        [
          { partition: 1, low: '0', high: '9' },
          { partition: 0, low: '0', high: '10' },
        ],
      ],
    );
    expect(lag).toEqual([
      { topic: 'a', partition: 0, committed: '12', high: '10', lag: '0' },
      { topic: 'a', partition: 1, committed: '5', high: '9', lag: '4' },
      { topic: 'b', partition: 0, committed: null, high: '10', lag: '8' },
    ]);
  });

  it('lists nothing of a topic whose offsets are missing', () => {
    expect(groupLag(['a'], [], [undefined])).toEqual([]);
  });
});

describe('topicOffsets', () => {
  const offsets = [{ partition: 0, offset: '5', high: '5', low: '0' }];
  const adminFailing = (failures: Error[]) => {
    let calls = 0;
    const admin = {
      fetchTopicOffsets: async () => {
        calls++;
        const failure = failures.shift();
        if (failure) throw failure;
        return offsets;
      },
    } as unknown as Admin;
    return { admin, calls: () => calls };
  };

  it('asks again when kafkajs trips over a topic just created (a TypeError), and answers', async () => {
    const glitch = () =>
      new TypeError("Cannot destructure property 'partitions' of 'low.pop(...)' as it is undefined.");
    const { admin, calls } = adminFailing([glitch(), glitch()]);
    expect(await topicOffsets(admin, 't')).toEqual(offsets);
    expect(calls()).toBe(3);
  });

  it('throws any other failure at once', async () => {
    const { admin, calls } = adminFailing([new Error('This server does not host this topic-partition')]);
    await expect(topicOffsets(admin, 't')).rejects.toThrow(/does not host/);
    expect(calls()).toBe(1);
  });
});
