// KafkaBus's produce requests against a topic whose max.message.bytes is small: group commits
// and single calls far larger in sum than the limit are split into record batches that fit, and
// a record too large alone fails its own call only.
import { randomUUID } from 'node:crypto';

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaBus } from './kafka-bus.js';
import type { BusRecord } from './types.js';
import { testKafkaBrokers } from './testing/index.js';

const brokers = testKafkaBrokers();
const LIMIT = 64 * 1024;

/** What was in the topic, read with a plain kafkajs consumer: each record with its batch's first offset. */
async function readBack(
  topic: string,
  expected: number,
): Promise<{ partition: number; offset: string; value: string; batch: string }[]> {
  const kafka = new Kafka({ brokers: [...brokers], clientId: 'produce-limits-reader', logLevel: logLevel.NOTHING });
  const groupId = `produce-limits.${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const seen: { partition: number; offset: string; value: string; batch: string }[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        // kafkajs's decoded record carries its record batch's context (not in its typings).
        const context = (message as unknown as { batchContext: { firstOffset: string } }).batchContext;
        seen.push({
          partition: batch.partition,
          offset: message.offset,
          value: message.value?.toString('utf8', 0, 20) ?? '',
          batch: `${batch.partition}:${context.firstOffset}`,
        });
      }
      if (seen.length >= expected) done();
      return Promise.resolve();
    },
  });
  await Promise.race([
    all,
    new Promise((_, reject) => setTimeout(() => reject(new Error('read back too slow')), 60_000)),
  ]);
  await consumer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  return seen;
}

/** A record of about `bytes` bytes whose value starts with its label. */
const record = (key: string, label: string, bytes = 1_000): BusRecord => ({
  key,
  value: Buffer.concat([Buffer.from(label.padEnd(20, ' ')), Buffer.alloc(bytes - 20, 0x2e)]),
  headers: { 'puente-test': 'produce-limits' },
});

describe('KafkaBus produce requests within the broker limit', () => {
  const bus = new KafkaBus({ brokers, clientId: 'produce-limits', retries: 1 });
  const topics: string[] = [];
  const newTopic = async (name: string, partitions: number) => {
    const topic = `produce-limits.${name}.${Date.now()}`;
    await bus.admin.ensureTopics([{ topic, partitions, configs: { 'max.message.bytes': String(LIMIT) } }]);
    topics.push(topic);
    return topic;
  };

  beforeAll(() => bus.start());
  afterAll(async () => {
    await bus.admin.deleteTopics(topics).catch(() => undefined);
    await bus.stop();
  });

  it('writes one call of records several times the limit in sum, in several record batches, in order', async () => {
    const topic = await newTopic('one-call', 1);
    const records = Array.from({ length: 400 }, (_, i) => record('k', `one-${i}`));
    const results = await bus.publish(topic, records);
    expect(results.map((r) => r.offset)).toEqual(records.map((_, i) => String(i)));

    const read = await readBack(topic, records.length);
    expect(read.map((r) => r.value.trim())).toEqual(records.map((_, i) => `one-${i}`));
    // About 420 KB at most 64 KiB per record batch: at least seven batches, each of them whole.
    const batches = new Set(read.map((r) => r.batch));
    expect(batches.size).toBeGreaterThanOrEqual(Math.ceil((400 * 1_000) / LIMIT));
  });

  it('writes many concurrent calls several times the limit in sum, each partition in call order', async () => {
    const topic = await newTopic('concurrent', 3);
    const keys = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    // 150 calls of four records each (about 600 KB), all made while the first is in flight.
    const calls = Array.from({ length: 150 }, (_, c) =>
      bus.publish(
        topic,
        Array.from({ length: 4 }, (_, r) => record(keys[(c + r) % keys.length]!, `c${c}-r${r}`)),
      ),
    );
    const results = await Promise.all(calls);
    // Per partition, offsets grow in the order the calls were made and, within a call, its records.
    const last = new Map<number, bigint>();
    for (const result of results.flat()) {
      expect(BigInt(result.offset)).toBeGreaterThan(last.get(result.partition) ?? -1n);
      last.set(result.partition, BigInt(result.offset));
    }

    const read = await readBack(topic, 600);
    // Each record read back is the one its publish call was told it wrote there.
    const labelAt = new Map<string, string>();
    results.forEach((call, c) => call.forEach((r, i) => labelAt.set(`${r.partition}@${r.offset}`, `c${c}-r${i}`)));
    for (const r of read) expect(r.value.trim()).toBe(labelAt.get(`${r.partition}@${r.offset}`));
    expect(read).toHaveLength(600);
    expect(new Set(read.map((r) => r.batch)).size).toBeGreaterThanOrEqual(Math.ceil((600 * 1_000) / LIMIT));
  });

  it('fails only the call with a record too large alone, naming topic, size and limit; the rest are written', async () => {
    const topic = await newTopic('too-large', 1);
    const received: string[] = [];
    const subscription = await bus.subscribe({
      groupId: `produce-limits.${randomUUID()}`,
      topics: [topic],
      fromBeginning: true,
      autoCommit: true,
      handler: (batch) => {
        for (const r of batch.records) received.push(r.value?.toString('utf8', 0, 20).trim() ?? '');
        return Promise.resolve();
      },
    });
    const small = (i: number) => bus.publish(topic, [record('k', `small-${i}`, 30_000)]);
    const calls = [
      small(0),
      small(1),
      // A good record and one too large alone in one call: neither is written.
      bus.publish(topic, [record('k', 'with-huge'), record('k', 'huge', LIMIT + 1)]),
      small(2),
      small(3),
      small(4),
    ];
    const outcomes = await Promise.allSettled(calls);
    const huge = outcomes[2];
    expect(huge).toMatchObject({ status: 'rejected', reason: { code: 'RECORD_TOO_LARGE', retriable: false } });
    const message = (huge as PromiseRejectedResult).reason.message as string;
    expect(message).toContain(`'${topic}'`);
    expect(message).toMatch(/record 1 of 2 .* is \d+ bytes/);
    expect(message).toContain(String(LIMIT));
    for (const [i, outcome] of outcomes.entries()) if (i !== 2) expect(outcome.status).toBe('fulfilled');

    // Written in call order, the refused call's good record not among them; the subscriber goes on.
    const deadline = Date.now() + 30_000;
    while (received.length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual(['small-0', 'small-1', 'small-2', 'small-3', 'small-4']);
    const after = await bus.publish(topic, [record('k', 'after')]);
    expect(after[0]?.offset).toBe('5');
    while (received.length < 6 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.at(-1)).toBe('after');
    await subscription.stop();
  });

  it('reads the limit of each topic: the same record fits a topic with the broker default', async () => {
    const roomy = `produce-limits.default.${Date.now()}`;
    await bus.admin.ensureTopics([{ topic: roomy, partitions: 1 }]);
    topics.push(roomy);
    const tight = await newTopic('tight', 1);
    const big = record('k', 'big', LIMIT + 1);
    await expect(bus.publish(roomy, [big])).resolves.toHaveLength(1);
    await expect(bus.publish(tight, [big])).rejects.toMatchObject({ code: 'RECORD_TOO_LARGE' });
  });
});
