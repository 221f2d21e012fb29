import { describe, expect, it } from 'vitest';

import {
  batchBytesAlone,
  planRequest,
  requestBytesAlone,
  type PlannedRecord,
  type RequestPlan,
} from './produce-plan.js';
import { encodePartitionRecords, RECORD_BATCH_OVERHEAD, recordBodyBase, recordSize } from './record-batch.mjs';

interface Message {
  partition: number;
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string | Buffer>;
  timestamp: string;
}

type Call = { topic: string; messages: Message[]; records: PlannedRecord[]; sent: number; batchBytes: number };

function call(topic: string, messages: Message[], batchBytes: number): Call {
  const records = messages.map((m) => ({
    partition: m.partition,
    base: recordBodyBase(m),
    timestamp: Number(m.timestamp),
  }));
  return { topic, messages, records, sent: 0, batchBytes };
}

const T0 = 1_700_000_000_000;
const message = (partition: number, bytes: number, timestamp = T0): Message => ({
  partition,
  key: `key-${partition}`,
  value: Buffer.alloc(bytes, 7),
  headers: { 'puente-schema': 'puente.Case', 'trace-ñ': Buffer.from([1, 2]) },
  timestamp: String(timestamp),
});

/** Plans requests until every call is sent, advancing `sent` as KafkaBus does. */
function drain(calls: Call[], requestBytes: number): RequestPlan[] {
  const plans: RequestPlan[] = [];
  let queue = calls;
  while (queue.length > 0) {
    const plan = planRequest(queue, requestBytes);
    if (plan.slices.length === 0) throw new Error(`stuck at call ${queue[0]?.topic} record ${queue[0]?.sent}`);
    for (const slice of plan.slices) queue[slice.call]!.sent = slice.to;
    // Slices name calls by their place in `calls`, not in what is left of the queue.
    const slices = plan.slices.map((slice) => ({ ...slice, call: calls.indexOf(queue[slice.call]!) }));
    queue = queue.filter((c) => c.sent < c.records.length);
    plans.push({ ...plan, slices });
  }
  return plans;
}

/** The exact bytes record-batch.mjs writes for these messages as one partition's batch. */
function encodedBatchBytes(messages: readonly Message[]): number {
  return (
    encodePartitionRecords({ partition: 0, messages, producerId: 7n, producerEpoch: 0, transactional: false }).length -
    8
  );
}

/** Each request's messages per topic partition, in the order the request carries them. */
function requestBatches(calls: readonly Call[], plan: RequestPlan): Map<string, Message[]> {
  const batches = new Map<string, Message[]>();
  for (const { call: index, from, to } of plan.slices) {
    const c = calls[index]!;
    for (const m of c.messages.slice(from, to)) {
      const at = `${c.topic}\u0000${m.partition}`;
      batches.set(at, [...(batches.get(at) ?? []), m]);
    }
  }
  return batches;
}

describe('record sizes', () => {
  it('add up to exactly the bytes of the batch the encoder writes', () => {
    const messages: Message[] = [
      { partition: 0, key: null, value: null, timestamp: String(T0 + 5) },
      { partition: 0, key: 'ключ', value: Buffer.alloc(300, 1), timestamp: String(T0) },
      {
        partition: 0,
        key: Buffer.from('k'),
        value: Buffer.alloc(20_000),
        headers: { a: 'é', b: Buffer.alloc(200) },
        timestamp: String(T0 + 70_000),
      },
      ...Array.from({ length: 200 }, (_, i) => message(0, i * 3, T0 + i)),
    ];
    // kafkajs's rule: deltas from the least timestamp as a string.
    const first = Number([...messages.map((m) => m.timestamp)].sort()[0]);
    const summed = messages.reduce(
      (sum, m, i) => sum + recordSize(recordBodyBase(m), i, Number(m.timestamp) - first),
      RECORD_BATCH_OVERHEAD,
    );
    expect(summed).toBe(encodedBatchBytes(messages));
  });

  it('refuse a key, value or header of the wrong type, naming it', () => {
    expect(() =>
      recordBodyBase({ key: 'k', value: Buffer.alloc(1), headers: { h: null as unknown as string } }),
    ).toThrow("header 'h' must be a string or a Buffer");
    expect(() => recordBodyBase({ key: 3 as unknown as string, value: null })).toThrow('message key must be');
  });
});

describe('planRequest', () => {
  it('plans nothing for an empty queue or calls with nothing left to send', () => {
    expect(planRequest([], 1_000_000).slices).toEqual([]);
    const done = call('t', [message(0, 10)], 1_000_000);
    done.sent = 1;
    expect(planRequest([done], 1_000_000).slices).toEqual([]);
  });

  it('takes records whose batch is exactly at the limit in one request, and splits one byte under it', () => {
    const messages = Array.from({ length: 50 }, () => message(0, 1_000));
    const exact = encodedBatchBytes(messages);
    const atLimit = planRequest([call('t', messages, exact)], 10_000_000);
    expect(atLimit.slices).toEqual([{ call: 0, from: 0, to: 50 }]);
    expect(atLimit.batchBytes.get('t\u00000')).toBe(exact);

    const under = drain([call('t', messages, exact - 1)], 10_000_000);
    expect(under.map((plan) => plan.slices)).toEqual([[{ call: 0, from: 0, to: 49 }], [{ call: 0, from: 49, to: 50 }]]);
  });

  it('plans nothing when the first record alone is over the limit, and says what alone means', () => {
    const huge = message(0, 5_000);
    const alone = batchBytesAlone({ base: recordBodyBase(huge) });
    expect(alone).toBe(encodedBatchBytes([huge]));
    expect(planRequest([call('t', [huge], alone - 1)], 10_000_000).slices).toEqual([]);
    expect(planRequest([call('t', [huge], alone)], 10_000_000).slices).toEqual([{ call: 0, from: 0, to: 1 }]);
    const request = requestBytesAlone('t', { base: recordBodyBase(huge) });
    expect(planRequest([call('t', [huge], alone)], request - 1).slices).toEqual([]);
    expect(planRequest([call('t', [huge], alone)], request).slices).toEqual([{ call: 0, from: 0, to: 1 }]);
  });

  it('splits one call many times the limit into requests whose every batch fits, in call order', () => {
    const limit = 64 * 1024;
    const messages = Array.from({ length: 600 }, (_, i) => message(i % 3, 500 + (i % 7) * 100, T0 + i * 37));
    const calls = [call('t', messages, limit)];
    const plans = drain(calls, 10_000_000);
    // About 330 KiB in three partitions: at least two requests' worth for each.
    expect(plans.length).toBeGreaterThanOrEqual(2);
    const sent: Message[] = [];
    for (const plan of plans) {
      for (const [at, batch] of requestBatches(calls, plan)) {
        const encoded = encodedBatchBytes(batch);
        expect(encoded).toBeLessThanOrEqual(limit);
        // The plan's size is an upper bound of what the encoder writes.
        expect(plan.batchBytes.get(at)).toBeGreaterThanOrEqual(encoded);
      }
      for (const slice of plan.slices) sent.push(...messages.slice(slice.from, slice.to));
    }
    expect(sent).toEqual(messages);
  });

  it('fills batches to within a record of the limit (timestamps in one millisecond are sized exactly)', () => {
    const limit = 64 * 1024;
    const messages = Array.from({ length: 300 }, () => message(0, 1_000));
    const calls = [call('t', messages, limit)];
    const plans = drain(calls, 10_000_000);
    for (const plan of plans.slice(0, -1)) {
      const batch = requestBatches(calls, plan).get('t\u00000')!;
      expect(plan.batchBytes.get('t\u00000')).toBe(encodedBatchBytes(batch));
      expect(encodedBatchBytes([...batch, message(0, 1_000)])).toBeGreaterThan(limit);
    }
  });

  it('counts a widening span of timestamps for the records already in the batch', () => {
    // One-byte deltas for the first records; then an earlier record becomes the batch's first
    // timestamp, and every delta before it is ten billion milliseconds wide.
    const near = Array.from({ length: 100 }, (_, i) => message(0, 100, T0 + (i % 10)));
    const early = message(0, 100, T0 - 10_000_000_000);
    const messages = [...near, early];
    const encoded = encodedBatchBytes(messages);
    expect(encoded).toBeGreaterThan(
      encodedBatchBytes(near) + batchBytesAlone({ base: recordBodyBase(early) }) - RECORD_BATCH_OVERHEAD,
    );
    const bound = planRequest([call('t', messages, 1_000_000)], 10_000_000).batchBytes.get('t\u00000')!;
    expect(bound).toBeGreaterThanOrEqual(encoded);
    // Only the early record's own delta (0) is counted wider than it is.
    expect(bound - encoded).toBeLessThan(10);
    // With the near records alone (a span of 9 ms) the size is exact.
    expect(planRequest([call('t', near, 1_000_000)], 10_000_000).batchBytes.get('t\u00000')).toBe(
      encodedBatchBytes(near),
    );
  });

  it('groups many calls, cutting one short and going on from there in the next request', () => {
    const limit = 20_000;
    const calls = Array.from({ length: 10 }, () => call('t', [message(0, 3_000), message(1, 3_000)], limit));
    const plans = drain(calls, 10_000_000);
    // Ten calls of 3 KB per partition: about six fit a partition's 20 KB batch.
    expect(plans[0]!.slices.length).toBeGreaterThan(1);
    const cut = plans[0]!.slices.at(-1)!;
    expect(cut.to - cut.from).toBeLessThanOrEqual(2);
    const order = plans.flatMap((plan) => plan.slices.map((s) => [s.call, s.from, s.to]));
    // Every record once, in queue order.
    const flat = order.flatMap(([c, from, to]) => Array.from({ length: to! - from! }, (_, i) => `${c}:${from! + i}`));
    expect(flat).toEqual(calls.flatMap((_, c) => [`${c}:0`, `${c}:1`]));
  });

  it('keeps the whole request within the request limit across topics and partitions', () => {
    const calls = ['a', 'b', 'c'].flatMap((topic) =>
      Array.from({ length: 4 }, (_, p) => call(topic, [message(p, 10_000), message(p, 10_000)], 1_000_000)),
    );
    const requestBytes = 100_000;
    const plans = drain(calls, requestBytes);
    expect(plans.length).toBeGreaterThanOrEqual(3);
    for (const plan of plans) {
      expect(plan.requestBytes).toBeLessThanOrEqual(requestBytes);
      // What the request's topic data really takes: per topic its name and count, per partition its batch.
      const batches = requestBatches(calls, plan);
      const topics = new Set([...batches.keys()].map((at) => at.split('\u0000')[0]!));
      let real = 0;
      for (const topic of topics) real += 2 + topic.length + 4;
      for (const batch of batches.values()) real += 8 + encodedBatchBytes(batch);
      expect(real).toBeLessThanOrEqual(plan.requestBytes);
    }
  });
});
