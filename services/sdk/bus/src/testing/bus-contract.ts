// The Bus contract: one suite of assertions that every Bus implementation must pass, run against
// MemoryBus in the unit project and against a real Kafka broker in the integration project.
import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AvroError } from '@puente/contracts';
import { waitFor } from '@puente/runtime/testing';
import { createDeadLetters, DEAD_LETTER_HEADERS, deadLetterTopicOf } from '../dead-letter.js';
import { BusError } from '../errors.js';
import type { Bus, ConsumedRecord, RecordBatch, Subscription, TopicPartition } from '../types.js';

export interface BusContractOptions {
  /** Builds a started bus; called once for the suite. */
  readonly makeBus: () => Promise<Bus>;
  /** How long membership changes may take to settle (a real group rebalance takes seconds). */
  readonly settleTimeoutMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeBusContract(name: string, options: BusContractOptions): void {
  describe(`Bus contract: ${name}`, () => {
    let bus: Bus;
    const subscriptions: Subscription[] = [];
    const unique = (label: string) => `contract.${label}.${randomUUID().slice(0, 8)}`;
    const track = (subscription: Subscription) => {
      subscriptions.push(subscription);
      return subscription;
    };
    const sameTp = (a: TopicPartition, b: TopicPartition) => a.topic === b.topic && a.partition === b.partition;
    const settle = options.settleTimeoutMs;

    beforeAll(async () => {
      bus = await options.makeBus();
    });

    afterAll(async () => {
      await Promise.allSettled(subscriptions.map((subscription) => subscription.stop()));
      await bus.stop();
    });

    it('publishes 10,000 keyed records over 3 partitions and consumes them all, in order per key', async () => {
      const topic = unique('ordering');
      await bus.admin.ensureTopics([{ topic, partitions: 3 }]);
      const keys = Array.from({ length: 50 }, (_, i) => `case-${i}`);
      const total = 10_000;
      const published = [];
      for (let start = 0; start < total; start += 1_000) {
        const records = Array.from({ length: 1_000 }, (_, i) => {
          const n = start + i;
          const key = keys[n % keys.length] ?? 'none';
          return { key, value: Buffer.from(JSON.stringify({ key, seq: Math.floor(n / keys.length) })) };
        });
        published.push(...(await bus.publish(topic, records)));
      }
      expect(published).toHaveLength(total);
      expect(new Set(published.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));

      const received: ConsumedRecord[] = [];
      track(
        await bus.subscribe({
          groupId: unique('g'),
          topics: [topic],
          fromBeginning: true,
          handler: async (batch) => {
            received.push(...batch.records);
          },
        }),
      );
      await waitFor(() => received.length >= total, 60_000, `${total} records`);
      await sleep(200);
      expect(received).toHaveLength(total);

      const lastSeq = new Map<string, number>();
      const partitionOfKey = new Map<string, number>();
      for (const record of received) {
        const { key, seq } = JSON.parse(record.value?.toString() ?? '{}') as { key: string; seq: number };
        expect(record.key).toBe(key);
        expect(seq).toBe((lastSeq.get(key) ?? -1) + 1);
        lastSeq.set(key, seq);
        expect(partitionOfKey.get(key) ?? record.partition).toBe(record.partition);
        partitionOfKey.set(key, record.partition);
      }
      expect(lastSeq.size).toBe(keys.length);
      // Offsets the publisher was told are exactly where the consumer found each record.
      const where = new Map(received.map((r) => [`${r.partition}:${r.offset}`, r.key]));
      for (let n = 0; n < total; n += 997) {
        const result = published[n];
        expect(where.get(`${result?.partition}:${result?.offset}`)).toBe(keys[n % keys.length]);
      }
    });

    it('resumes a group exactly after its last committed offsets: no loss, no redelivery', async () => {
      const topic = unique('resume');
      const groupId = unique('g');
      await bus.admin.ensureTopics([{ topic, partitions: 3 }]);
      const records = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 30}`, value: Buffer.from(`v${i}`) }));
      await bus.publish(topic, records);

      // First member: processes everything but commits only the first half of each partition.
      const seen: ConsumedRecord[] = [];
      const first = await bus.subscribe({
        groupId,
        topics: [topic],
        fromBeginning: true,
        handler: async (batch) => {
          seen.push(...batch.records);
        },
      });
      await waitFor(() => seen.length >= 300, 30_000, 'first member to see every record');
      const committedUpTo = new Map<number, number>();
      for (const partition of [0, 1, 2]) {
        const offsets = seen.filter((r) => r.partition === partition).map((r) => Number(r.offset));
        committedUpTo.set(partition, Math.floor(offsets.length / 2));
      }
      await first.commit(
        [...committedUpTo].map(([partition, offset]) => ({ topic, partition, offset: String(offset) })),
      );
      await first.stop();

      const described = await bus.admin.describeGroup(groupId, [topic]);
      expect(described.partitions.map((p) => p.committed)).toEqual([0, 1, 2].map((p) => String(committedUpTo.get(p))));

      const second: ConsumedRecord[] = [];
      track(
        await bus.subscribe({
          groupId,
          topics: [topic],
          fromBeginning: true,
          handler: async (batch) => {
            second.push(...batch.records);
          },
        }),
      );
      const expected = seen.filter((r) => Number(r.offset) >= (committedUpTo.get(r.partition) ?? 0));
      await waitFor(() => second.length >= expected.length, 30_000, 'second member to catch up');
      await sleep(300);
      const ids = (list: ConsumedRecord[]) => list.map((r) => `${r.partition}:${r.offset}`).sort();
      expect(ids(second)).toEqual(ids(expected));
    });

    it('splits partitions between two members and hands them over when one leaves', async () => {
      const topic = unique('split');
      const groupId = unique('g');
      await bus.admin.ensureTopics([{ topic, partitions: 4 }]);
      const byMember = { a: [] as ConsumedRecord[], b: [] as ConsumedRecord[] };
      const member = (name: 'a' | 'b') =>
        bus.subscribe({
          groupId,
          topics: [topic],
          fromBeginning: true,
          autoCommit: true,
          handler: async (batch) => {
            byMember[name].push(...batch.records);
          },
        });
      const a = track(await member('a'));
      await waitFor(() => a.assignments().length === 4, settle, 'the first member to own all partitions');
      const b = track(await member('b'));
      await waitFor(
        () => a.assignments().length === 2 && b.assignments().length === 2,
        settle,
        'two members to split 4 partitions',
      );
      const ownedByA = a.assignments();
      const ownedByB = b.assignments();
      expect(ownedByA.some((tp) => ownedByB.some((other) => sameTp(tp, other)))).toBe(false);

      const batch1 = Array.from({ length: 200 }, (_, i) => ({ key: `key-${i}`, value: Buffer.from(`one-${i}`) }));
      await bus.publish(topic, batch1);
      await waitFor(() => byMember.a.length + byMember.b.length >= 200, 30_000, 'both members to consume');
      expect(byMember.a.every((r) => ownedByA.some((tp) => tp.partition === r.partition))).toBe(true);
      expect(byMember.b.every((r) => ownedByB.some((tp) => tp.partition === r.partition))).toBe(true);
      expect(byMember.a.length).toBeGreaterThan(0);
      expect(byMember.b.length).toBeGreaterThan(0);

      await b.stop();
      await waitFor(() => a.assignments().length === 4, settle, 'the remaining member to take over');
      const before = byMember.a.length;
      const batch2 = Array.from({ length: 200 }, (_, i) => ({ key: `key-${i}`, value: Buffer.from(`two-${i}`) }));
      await bus.publish(topic, batch2);
      await waitFor(
        () => byMember.a.filter((r) => r.value?.toString().startsWith('two-')).length >= 200,
        30_000,
        'takeover',
      );
      const taken = byMember.a.slice(before).filter((r) => ownedByB.some((tp) => tp.partition === r.partition));
      expect(taken.length).toBeGreaterThan(0);
      // Records b committed before leaving are not redelivered to a.
      const oneAgain = byMember.a.slice(before).filter((r) => r.value?.toString().startsWith('one-'));
      expect(oneAgain).toEqual([]);
    });

    it('pauses and resumes delivery', async () => {
      const topic = unique('pause');
      await bus.admin.ensureTopics([{ topic, partitions: 1 }]);
      const received: ConsumedRecord[] = [];
      const subscription = track(
        await bus.subscribe({
          groupId: unique('g'),
          topics: [topic],
          fromBeginning: true,
          handler: async (batch) => {
            received.push(...batch.records);
          },
        }),
      );
      await waitFor(() => subscription.assignments().length === 1, settle, 'assignment');
      await bus.publish(topic, [{ key: 'a', value: Buffer.from('before') }]);
      await waitFor(() => received.length === 1, 30_000, 'the first record');
      subscription.pause();
      await bus.publish(topic, [{ key: 'a', value: Buffer.from('while-paused') }]);
      await sleep(1_500);
      expect(received).toHaveLength(1);
      subscription.resume();
      await waitFor(() => received.length === 2, 30_000, 'the record published while paused');
      expect(received[1]?.value?.toString()).toBe('while-paused');
    });

    it('never creates topics: publishing to a missing topic fails naming it', async () => {
      const topic = unique('missing');
      const error = await bus.publish(topic, [{ key: 'k', value: Buffer.from('x') }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BusError);
      expect((error as BusError).code).toBe('UNKNOWN_TOPIC');
      expect((error as BusError).message).toContain(topic);
      const subscribeError = await bus
        .subscribe({ groupId: unique('g'), topics: [topic], handler: async () => {} })
        .catch((e: unknown) => e);
      expect((subscribeError as BusError).code).toBe('UNKNOWN_TOPIC');
      const topics = await bus.admin.listTopics();
      expect(topics.map((t) => t.topic)).not.toContain(topic);
    });

    it('gives concurrent publishes to several topics the offsets of their own records, large ones too', async () => {
      const topics = [unique('concurrent-a'), unique('concurrent-b')];
      await bus.admin.ensureTopics(topics.map((topic) => ({ topic, partitions: 3 })));
      // 60 calls in flight at once, small and large (one of ~1.5 MiB, too large to share a produce
      // request with others), interleaved over two topics and the same keys.
      const calls = Array.from({ length: 60 }, (_, c) => {
        const topic = topics[c % 2]!;
        const count = c === 7 ? 1_500 : 1 + (c % 9) * 7;
        const size = c === 7 ? 1_000 : 10 + (c % 5) * 100;
        const records = Array.from({ length: count }, (_, i) => ({
          key: `k${(c + i) % 17}`,
          value: Buffer.from(`${c}/${i}/`.padEnd(size, 'x')),
        }));
        return { topic, records, results: bus.publish(topic, records) };
      });
      const expected = new Map<string, string>();
      for (const call of calls) {
        const results = await call.results;
        expect(results).toHaveLength(call.records.length);
        results.forEach((result, i) => {
          expect(result.topic).toBe(call.topic);
          const at = `${result.topic}/${result.partition}/${result.offset}`;
          expect(expected.has(at)).toBe(false);
          expected.set(at, call.records[i]!.value.toString());
        });
      }
      const seen = new Map<string, string>();
      const readers = await Promise.all(
        topics.map((topic) =>
          bus.readFrom({
            topic,
            positions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })),
            handler: async (batch) => {
              for (const record of batch.records)
                seen.set(`${record.topic}/${record.partition}/${record.offset}`, record.value?.toString() ?? '');
            },
          }),
        ),
      );
      await waitFor(() => seen.size >= expected.size, 60_000, `${expected.size} records read back`);
      await Promise.all(readers.map((reader) => reader.stop()));
      expect(seen.size).toBe(expected.size);
      for (const [at, value] of expected) expect(seen.get(at), at).toBe(value);
    });

    it('reads chosen partitions from explicit offsets outside any group, and pauses', async () => {
      const topic = unique('read-from');
      await bus.admin.ensureTopics([{ topic, partitions: 2 }]);
      const published = await bus.publish(
        topic,
        Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`r${i}`) })),
      );
      const onZero = published.filter((r) => r.partition === 0);
      const start = onZero[5];
      if (!start) throw new Error('fixture: too few records on partition 0');
      const received: ConsumedRecord[] = [];
      const reader = await bus.readFrom({
        topic,
        positions: [{ partition: 0, offset: start.offset }],
        handler: async (batch) => {
          received.push(...batch.records);
        },
      });
      await waitFor(() => received.length >= onZero.length - 5, 30_000, 'the reader to catch up');
      await sleep(200);
      expect(received.map((r) => `${r.partition}:${r.offset}`)).toEqual(
        onZero.slice(5).map((r) => `${r.partition}:${r.offset}`),
      );
      reader.pause();
      await sleep(300);
      const more = await bus.publish(topic, [{ key: 'k0', value: Buffer.from('late') }]);
      await sleep(1_000);
      const late = more[0]?.partition === 0;
      expect(received.length).toBe(onZero.length - 5);
      reader.resume();
      if (late) await waitFor(() => received.length === onZero.length - 4, 30_000, 'the late record');
      await reader.stop();
    });

    it('reads several topics with one reader, each from its own positions, and pauses them all', async () => {
      const [first, second] = [unique('read-many'), unique('read-many')] as const;
      await bus.admin.ensureTopics([
        { topic: first, partitions: 2 },
        { topic: second, partitions: 1 },
      ]);
      const many = (prefix: string, count: number) =>
        Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`${prefix}${i}`) }));
      const publishedFirst = await bus.publish(first, many('a', 30));
      const onFirst = publishedFirst.filter((r) => r.partition === 1);
      const onFirstZero = publishedFirst.filter((r) => r.partition === 0);
      const onSecond = await bus.publish(second, many('b', 6));
      const from = onFirst[2];
      const fromZero = onFirstZero.at(-1);
      if (!from || !fromZero) throw new Error('fixture: too few records on a partition');
      const received: string[] = [];
      const reader = await bus.readFrom({
        topics: [
          { topic: first, positions: [{ partition: 1, offset: from.offset }] },
          { topic: second, positions: [{ partition: 0, offset: '4' }] },
          // The same topic again, another partition: read from its own position too.
          { topic: first, positions: [{ partition: 0, offset: fromZero.offset }] },
        ],
        handler: async (batch) => {
          for (const record of batch.records) received.push(`${record.topic}:${record.partition}:${record.offset}`);
        },
      });
      const expected = [
        ...onFirst.slice(2).map((r) => `${first}:1:${r.offset}`),
        ...onSecond.slice(4).map((r) => `${second}:0:${r.offset}`),
        `${first}:0:${fromZero.offset}`,
      ];
      await waitFor(() => received.length >= expected.length, 30_000, 'the reader to catch up on both topics');
      await sleep(200);
      expect([...received].sort()).toEqual([...expected].sort());
      reader.pause();
      await sleep(300);
      const late = [...(await bus.publish(second, many('late', 1))), ...(await bus.publish(first, many('late', 8)))];
      await sleep(1_000);
      expect(received).toHaveLength(expected.length);
      reader.resume();
      // Both topics resume, every partition read on each.
      const lateAt = late.map((r) => `${r.topic}:${r.partition}:${r.offset}`);
      await waitFor(() => lateAt.every((at) => received.includes(at)), 30_000, 'the late records on both topics');
      await reader.stop();
      await expect(bus.readFrom({ topics: [], handler: async () => undefined })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      const zeros = received.filter((at) => at.startsWith(`${first}:0:`)).map((at) => Number(at.split(':')[2]));
      expect(Math.min(...zeros)).toBe(Number(fromZero.offset));
    });

    it('carries keys, headers and timestamps; lists offsets and group lag', async () => {
      const topic = unique('admin');
      const groupId = unique('g');
      expect(await bus.admin.ensureTopics([{ topic, partitions: 2, retentionMs: 3_600_000 }])).toEqual([topic]);
      expect(await bus.admin.ensureTopics([{ topic, partitions: 2 }])).toEqual([]);
      const timestamp = Date.now() - 60_000;
      const results = await bus.publish(topic, [
        {
          key: 'MX-CASE-1',
          value: Buffer.from('one'),
          headers: { ce_type: 'org.puente.test', bin: Buffer.from([0, 255]) },
          timestamp,
        },
        { key: null, value: null },
      ]);
      const info = (await bus.admin.listTopics()).find((t) => t.topic === topic);
      expect(info?.partitions.map((p) => p.partition)).toEqual([0, 1]);
      const total = info?.partitions.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
      expect(total).toBe(2);

      const received: ConsumedRecord[] = [];
      const subscription = track(
        await bus.subscribe({
          groupId,
          topics: [topic],
          fromBeginning: true,
          handler: async (batch) => {
            received.push(...batch.records);
          },
        }),
      );
      await waitFor(() => received.length === 2, 30_000, 'both records');
      const keyed = received.find((r) => r.key === 'MX-CASE-1');
      expect(keyed?.value?.toString()).toBe('one');
      expect(keyed?.headers['ce_type']?.toString()).toBe('org.puente.test');
      expect([...(keyed?.headers['bin'] ?? [])]).toEqual([0, 255]);
      expect(keyed?.timestamp).toBe(timestamp);
      expect(keyed?.partition).toBe(results[0]?.partition);
      const tombstone = received.find((r) => r.key === null);
      expect(tombstone?.value).toBeNull();

      const lagBefore = await bus.admin.describeGroup(groupId, [topic]);
      expect(lagBefore.partitions.reduce((sum, p) => sum + Number(p.lag), 0)).toBe(2);
      const committed = received.map((r) => ({ topic, partition: r.partition, offset: String(Number(r.offset) + 1) }));
      await subscription.commit(committed);
      const lagAfter = await bus.admin.describeGroup(groupId, [topic]);
      expect(lagAfter.partitions.reduce((sum, p) => sum + Number(p.lag), 0)).toBe(0);
      expect(lagAfter.members).toBe(1);
    });
    it('lists the groups holding commits, each on exactly the partitions it committed, and no other', async () => {
      const [wide, narrow] = [unique('groups-wide'), unique('groups-narrow')] as const;
      await bus.admin.ensureTopics([
        { topic: wide, partitions: 3 },
        { topic: narrow, partitions: 1 },
      ]);
      const onWide = await bus.publish(
        wide,
        Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`w${i}`) })),
      );
      await bus.publish(
        narrow,
        Array.from({ length: 5 }, (_, i) => ({ key: 'k', value: Buffer.from(`n${i}`) })),
      );
      const [committing, idle] = [unique('g-commits'), unique('g-idle')] as const;
      const seen: ConsumedRecord[] = [];
      const member = track(
        await bus.subscribe({
          groupId: committing,
          topics: [wide, narrow],
          fromBeginning: true,
          handler: async (batch) => {
            seen.push(...batch.records);
          },
        }),
      );
      const idleSeen: ConsumedRecord[] = [];
      const idleMember = track(
        await bus.subscribe({
          groupId: idle,
          topics: [narrow],
          fromBeginning: true,
          handler: async (batch) => {
            idleSeen.push(...batch.records);
          },
        }),
      );
      await waitFor(() => seen.length >= 17 && idleSeen.length >= 5, 30_000, 'both groups to read every record');
      // One partition of the wide topic and the narrow topic's only one; nothing by the idle group.
      const wideHigh = (partition: number) => onWide.filter((r) => r.partition === partition).length;
      const busiest = [0, 1, 2].reduce((best, p) => (wideHigh(p) > wideHigh(best) ? p : best), 0);
      await member.commit([
        { topic: wide, partition: busiest, offset: '1' },
        { topic: narrow, partition: 0, offset: '5' },
      ]);

      const listed = await bus.admin.listGroups();
      const ids = listed.map((g) => g.groupId);
      expect(ids).toEqual([...ids].sort());
      expect(ids).toContain(committing);
      expect(ids).not.toContain(idle);
      expect(listed.every((g) => g.partitions.length > 0 && g.partitions.every((p) => p.committed !== null))).toBe(
        true,
      );
      const group = listed.find((g) => g.groupId === committing);
      expect(group).toEqual({
        groupId: committing,
        state: 'Stable',
        members: 1,
        partitions: [
          {
            topic: wide,
            partition: busiest,
            committed: '1',
            high: String(wideHigh(busiest)),
            lag: String(wideHigh(busiest) - 1),
          },
          { topic: narrow, partition: 0, committed: '5', high: '5', lag: '0' },
        ].sort((a, b) => a.topic.localeCompare(b.topic)),
      });

      // A topic filter reads and lists only the accepted topics' partitions; a group left with none is left out.
      const narrowOnly = await bus.admin.listGroups({ topics: (topic) => topic === narrow });
      expect(narrowOnly.find((g) => g.groupId === committing)?.partitions).toEqual([
        { topic: narrow, partition: 0, committed: '5', high: '5', lag: '0' },
      ]);
      expect(narrowOnly.every((g) => g.partitions.every((p) => p.topic === narrow))).toBe(true);
      expect(await bus.admin.listGroups({ topics: () => false })).toEqual([]);

      // A group whose members left keeps its commits: listed, empty.
      await member.stop();
      await idleMember.stop();
      await bus.publish(narrow, [{ key: 'k', value: Buffer.from('late') }]);
      const after = (await bus.admin.listGroups()).find((g) => g.groupId === committing);
      expect(after).toMatchObject({ state: 'Empty', members: 0 });
      expect(after?.partitions.find((p) => p.topic === narrow)).toMatchObject({ committed: '5', high: '6', lag: '1' });
    });

    it('dead-letters a bad record with its reason and moves on; a transient failure or a failed dead-letter write commits nothing', async () => {
      const topic = unique('dlq-source');
      const groupId = unique('g');
      await bus.admin.ensureTopics([{ topic, partitions: 1 }]);
      const deadLetters = createDeadLetters({ bus, service: 'contract' });
      await bus.publish(topic, [
        { key: 'k', value: Buffer.from('good-1') },
        { key: 'k', value: Buffer.from('bad'), headers: { ce_type: 'org.puente.test' }, timestamp: 1_000 },
        { key: 'k', value: Buffer.from('transient') },
        { key: 'k', value: Buffer.from('good-2') },
      ]);
      const handled: string[] = [];
      let transientLeft = 1;
      const batches: RecordBatch[] = [];
      // The handler commits through the subscription, which exists once subscribe resolves.
      const handle: { subscription?: Subscription } = {};
      handle.subscription = track(
        await bus.subscribe({
          groupId,
          topics: [topic],
          fromBeginning: true,
          handler: async (batch) => {
            batches.push(batch);
            for (const record of batch.records) {
              await deadLetters.guard(record, () => {
                const text = record.value?.toString();
                if (text === 'bad')
                  throw new AvroError({ code: 'MALFORMED', message: 'not Avro: bad magic byte 0x62' });
                if (text === 'transient' && transientLeft-- > 0) {
                  throw new BusError({ code: 'UNAVAILABLE', message: 'broker away', retriable: true });
                }
                handled.push(`${text}@${record.offset}`);
              });
            }
            const last = batch.records.at(-1);
            if (last) {
              await handle.subscription?.commit([
                { topic, partition: batch.partition, offset: String(Number(last.offset) + 1) },
              ]);
            }
          },
        }),
      );
      // No dead-letter topic yet: the bad record's write fails, so nothing is committed past it.
      await waitFor(() => batches.length >= 2, 30_000, 'a redelivery after the failed dead-letter write');
      expect(handled.every((h) => h.startsWith('good-1@'))).toBe(true);
      expect((await bus.admin.describeGroup(groupId, [topic])).partitions[0]?.committed ?? null).toBeNull();
      expect(await deadLetters.counter.get()).toMatchObject({ values: [] });

      await bus.admin.ensureTopics([{ topic: deadLetterTopicOf(topic), partitions: 1 }]);
      await waitFor(() => handled.some((h) => h.startsWith('good-2@')), 30_000, 'the record after the bad one');
      expect(handled.filter((h) => !h.startsWith('good-1@'))).toEqual(['transient@2', 'good-2@3']);
      await waitFor(
        async () => (await bus.admin.describeGroup(groupId, [topic])).partitions[0]?.committed === '4',
        30_000,
        'a commit past every record',
      );

      const dead: ConsumedRecord[] = [];
      const reader = await bus.readFrom({
        topic: deadLetterTopicOf(topic),
        positions: [{ partition: 0, offset: '0' }],
        handler: async (batch) => {
          dead.push(...batch.records);
        },
      });
      await waitFor(() => dead.length >= 1, 30_000, 'the dead letter');
      await reader.stop();
      expect(dead).toHaveLength(1); // written once, though the bad record was handled several times
      const [letter] = dead;
      expect(letter?.key).toBe('k');
      expect(letter?.value?.toString()).toBe('bad');
      const header = (name: string) => letter?.headers[name]?.toString();
      expect(header('ce_type')).toBe('org.puente.test');
      expect(header(DEAD_LETTER_HEADERS.reason)).toBe('not Avro: bad magic byte 0x62');
      expect(header(DEAD_LETTER_HEADERS.reasonClass)).toBe('undecodable');
      expect(header(DEAD_LETTER_HEADERS.sourceTopic)).toBe(topic);
      expect(header(DEAD_LETTER_HEADERS.sourcePartition)).toBe('0');
      expect(header(DEAD_LETTER_HEADERS.sourceOffset)).toBe('1');
      expect(header(DEAD_LETTER_HEADERS.sourceTimestamp)).toBe('1000');
      expect(header(DEAD_LETTER_HEADERS.service)).toBe('contract');
      const counted = await deadLetters.counter.get();
      expect(counted.values).toEqual([
        { labels: { topic, service: 'contract', reason_class: 'undecodable' }, value: 1 },
      ]);
    });

    it('describes a topic: partitions with offsets and replicas, retention and its own configuration', async () => {
      const topic = unique('described');
      await bus.admin.ensureTopics([{ topic, partitions: 2, retentionMs: 3_600_000, cleanupPolicy: 'compact' }]);
      await bus.publish(topic, [{ key: 'k', value: Buffer.from('v') }]);
      const described = await bus.admin.describeTopic(topic);
      expect(described.partitions.map((p) => p.partition)).toEqual([0, 1]);
      expect(described.partitions.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)).toBe(1);
      for (const p of described.partitions) {
        expect(p.leader).toBeGreaterThanOrEqual(0);
        expect(p.replicas).toContain(p.leader);
        expect(p.inSyncReplicas).toContain(p.leader);
      }
      expect(described.retentionMs).toBe(3_600_000);
      expect(described.cleanupPolicy).toBe('compact');
      expect(described.config).toMatchObject({ 'retention.ms': '3600000', 'cleanup.policy': 'compact' });
      const missing = await bus.admin.describeTopic(unique('missing')).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(BusError);
      expect((missing as BusError).code).toBe('UNKNOWN_TOPIC');
    });
  });
}
