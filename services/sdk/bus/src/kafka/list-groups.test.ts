import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { committedLag, listGroups } from './list-groups.js';

describe('committedLag', () => {
  it('lists only committed partitions of topics still there, lag never below zero, sorted', () => {
    const lag = committedLag(
      [
        { topic: 'b', partitions: [{ partition: 0, offset: '3' }] },
        {
          topic: 'a',
          partitions: [
            { partition: 1, offset: '12' },
            { partition: 0, offset: '-1' },
            { partition: 2, offset: '4' },
          ],
        },
        { topic: 'gone', partitions: [{ partition: 0, offset: '1' }] },
      ],
      new Map([
        ['a', [0, 1, 2].map((partition) => ({ partition, low: '0', high: '10' }))],
        ['b', [{ partition: 0, low: '2', high: '9' }]],
      ]),
    );
    expect(lag).toEqual([
      { topic: 'a', partition: 1, committed: '12', high: '10', lag: '0' },
      { topic: 'a', partition: 2, committed: '4', high: '10', lag: '6' },
      { topic: 'b', partition: 0, committed: '3', high: '9', lag: '6' },
    ]);
  });
});

describe('listGroups', () => {
  it('asks readers for nothing, leaves out groups without commits and describes the rest', async () => {
    const fetched: string[] = [];
    const commits: Record<string, { topic: string; partitions: { partition: number; offset: string }[] }[]> = {
      screening: [{ topic: 't', partitions: [{ partition: 0, offset: '2' }] }],
      idle: [{ topic: 't', partitions: [{ partition: 0, offset: '-1' }] }],
      empty: [],
    };
    const admin = {
      listGroups: async () => ({
        groups: ['screening', 'puente.reader.gw.1', 'idle', 'empty'].map((groupId) => ({ groupId, protocolType: '' })),
      }),
      fetchOffsets: async ({ groupId }: { groupId: string }) => {
        fetched.push(groupId);
        return commits[groupId] ?? [];
      },
      listTopics: async () => ['t'],
      describeGroups: async (ids: string[]) => ({
        groups: ids.map((groupId) => ({ groupId, state: 'Stable', members: [{}, {}] })),
      }),
    } as unknown as Admin;
    const groups = await listGroups(admin, async () => [{ partition: 0, low: '0', high: '5' }]);
    expect(fetched.sort()).toEqual(['empty', 'idle', 'screening']);
    expect(groups).toEqual([
      {
        groupId: 'screening',
        state: 'Stable',
        members: 2,
        partitions: [{ topic: 't', partition: 0, committed: '2', high: '5', lag: '3' }],
      },
    ]);
  });

  it('asks only for the accepted topics, and for every topic when one of them has gone since it was listed', async () => {
    const asked: (readonly string[] | undefined)[] = [];
    const admin = {
      listGroups: async () => ({ groups: [{ groupId: 'risk', protocolType: '' }] }),
      fetchOffsets: async ({ topics }: { groupId: string; topics?: string[] }) => {
        asked.push(topics);
        if (topics?.includes('us.gone')) throw new Error('This server does not host this topic-partition');
        return [
          { topic: 'us.kept', partitions: [{ partition: 0, offset: '1' }] },
          { topic: 'mx.other', partitions: [{ partition: 0, offset: '1' }] },
        ];
      },
      listTopics: async () => ['us.kept', 'us.gone', 'mx.other'],
      describeGroups: async (ids: string[]) => ({
        groups: ids.map((groupId) => ({ groupId, state: 'Stable', members: [] })),
      }),
    } as unknown as Admin;
    const groups = await listGroups(admin, async () => [{ partition: 0, low: '0', high: '3' }], {
      topics: (topic) => topic.startsWith('us.'),
    });
    expect(asked).toEqual([['us.gone', 'us.kept'], undefined]);
    expect(groups.map((g) => g.partitions.map((p) => p.topic))).toEqual([['us.kept']]);
  });
});
