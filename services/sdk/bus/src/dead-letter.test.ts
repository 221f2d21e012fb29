import { describe, expect, it } from 'vitest';

import { AvroError } from '@puente/contracts';
import { boundedReason, classifyFailure, createDeadLetters, DEAD_LETTER_HEADERS } from './dead-letter.js';
import { BusError } from './errors.js';
import { MemoryBus } from './memory-bus.js';
import type { ConsumedRecord } from './types.js';

const record = (offset: string, value = 'x'): ConsumedRecord => ({
  topic: 't',
  partition: 0,
  offset,
  key: 'k',
  value: Buffer.from(value),
  headers: {},
  timestamp: 5,
});

describe('classifyFailure', () => {
  it('names the record class of codec failures and leaves transient ones alone', () => {
    expect(classifyFailure(new AvroError({ code: 'MALFORMED', message: 'm' }))).toBe('undecodable');
    expect(classifyFailure(new AvroError({ code: 'UNKNOWN_SCHEMA_ID', message: 'm' }))).toBe('unknown-schema');
    expect(classifyFailure(new AvroError({ code: 'SCHEMA_VALIDATION', message: 'm' }))).toBe('invalid');
    expect(classifyFailure(new AvroError({ code: 'INCOMPATIBLE_SCHEMA', message: 'm' }))).toBe('invalid');
    expect(classifyFailure(new AvroError({ code: 'REGISTRY_UNAVAILABLE', message: 'm', retriable: true }))).toBe(
      undefined,
    );
    expect(classifyFailure(new TypeError('cannot read meta'))).toBe('unevaluable');
  });

  it('never dead-letters a failure of the bus or of Kafka', () => {
    expect(classifyFailure(new BusError({ code: 'UNAVAILABLE', message: 'away', retriable: true }))).toBe(undefined);
    expect(classifyFailure(new BusError({ code: 'UNKNOWN_TOPIC', message: 'no topic' }))).toBe(undefined);
    expect(classifyFailure(Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }))).toBe(undefined);
    expect(classifyFailure(Object.assign(new Error('x'), { retriable: true }))).toBe(undefined);
  });
});

describe('boundedReason', () => {
  it('keeps short reasons and cuts long ones on a character boundary', () => {
    expect(boundedReason('short')).toBe('short');
    const cut = boundedReason('é'.repeat(400), 100);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(100);
    expect(cut.endsWith('...')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
  });
});

describe('createDeadLetters on MemoryBus', () => {
  async function setUp() {
    const bus = new MemoryBus();
    await bus.start();
    await bus.admin.ensureTopics([
      { topic: 't', partitions: 1 },
      { topic: 'dlq.t', partitions: 1 },
    ]);
    return { bus, deadLetters: createDeadLetters({ bus, service: 'unit', now: () => 42 }) };
  }

  it('guard returns the work result, dead-letters a bad record, and rethrows a transient failure', async () => {
    const { bus, deadLetters } = await setUp();
    expect(await deadLetters.guard(record('0'), () => 7)).toBe(7);
    const reason = 'v'.repeat(2_000);
    expect(
      await deadLetters.guard(record('1'), () => {
        throw new AvroError({ code: 'SCHEMA_VALIDATION', message: reason });
      }),
    ).toBeUndefined();
    const transient = new BusError({ code: 'TIMEOUT', message: 'slow', retriable: true });
    await expect(
      deadLetters.guard(record('2'), () => {
        throw transient;
      }),
    ).rejects.toBe(transient);
    const [dlq] = (await bus.admin.listTopics()).filter((t) => t.topic === 'dlq.t');
    expect(dlq?.partitions[0]?.high).toBe('1');
    const letters: ConsumedRecord[] = [];
    const reader = await bus.readFrom({
      topic: 'dlq.t',
      positions: [{ partition: 0, offset: '0' }],
      handler: async (batch) => {
        letters.push(...batch.records);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await reader.stop();
    expect(letters[0]?.timestamp).toBe(42);
    const header = letters[0]?.headers[DEAD_LETTER_HEADERS.reason]?.toString() ?? '';
    expect(Buffer.byteLength(header)).toBeLessThanOrEqual(512);
    expect(header.startsWith('vvv')).toBe(true);
    expect(letters[0]?.headers[DEAD_LETTER_HEADERS.reasonClass]?.toString()).toBe('invalid');
    await bus.stop();
  });

  it('writes one record once however many consumers send it, and again after a failed write', async () => {
    const { bus, deadLetters } = await setUp();
    const bad = new AvroError({ code: 'MALFORMED', message: 'garbage' });
    await Promise.all([deadLetters.send(record('3'), bad), deadLetters.send(record('3'), bad)]);
    await deadLetters.send(record('3'), bad);
    let info = (await bus.admin.listTopics()).find((t) => t.topic === 'dlq.t');
    expect(info?.partitions[0]?.high).toBe('1');
    await bus.admin.deleteTopics(['dlq.t']);
    const failed = await deadLetters.send(record('4'), bad).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(BusError);
    expect((failed as BusError).retriable).toBe(true);
    expect((failed as BusError).message).toContain("cannot dead-letter t[0]@4 to 'dlq.t'");
    await bus.admin.ensureTopics([{ topic: 'dlq.t', partitions: 1 }]);
    await deadLetters.send(record('4'), bad);
    info = (await bus.admin.listTopics()).find((t) => t.topic === 'dlq.t');
    expect(info?.partitions[0]?.high).toBe('1');
    const counted = await deadLetters.counter.get();
    expect(counted.values).toEqual([
      { labels: { topic: 't', service: 'unit', reason_class: 'undecodable' }, value: 2 },
    ]);
    await bus.stop();
  });
  it('fetches the full record once, for every caller of the same record', async () => {
    const { bus, deadLetters } = await setUp();
    let fetched = 0;
    const original = async () => {
      fetched++;
      return { ...record('5'), headers: { ce_id: Buffer.from('kept') } };
    };
    const bad = new AvroError({ code: 'UNKNOWN_SCHEMA_ID', message: 'schema id 9 unknown' });
    await Promise.all([1, 2, 3].map(() => deadLetters.send(record('5'), bad, original)));
    expect(fetched).toBe(1);
    const letters: ConsumedRecord[] = [];
    const reader = await bus.readFrom({
      topic: 'dlq.t',
      positions: [{ partition: 0, offset: '0' }],
      handler: async (batch) => void letters.push(...batch.records),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await reader.stop();
    expect(letters).toHaveLength(1);
    expect(letters[0]?.headers['ce_id']?.toString()).toBe('kept');
    expect(letters[0]?.headers[DEAD_LETTER_HEADERS.reasonClass]?.toString()).toBe('unknown-schema');
    await bus.stop();
  });
});
