// Producer lanes with the producer thread stubbed: what goes out together, in which order, and
// how each call is settled.
import kafkajs from 'kafkajs';
import type { ProducedPartition, WireMessage } from '@puente/kafka-client';
import { silentLogger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { prepareRecords } from './produce-records.js';
import { ProducerLanes, type ProduceCall } from './producer-lanes.js';

interface Sent {
  readonly lane: number;
  readonly topics: { topic: string; messages: WireMessage[] }[];
  readonly answer: (partitions: ProducedPartition[]) => void;
  readonly fail: (error: unknown) => void;
}

function lanesWithFakeThread(producers = 2, apart?: (topic: string) => boolean) {
  const sent: Sent[] = [];
  const forgotten: string[] = [];
  const lanes = new ProducerLanes({
    thread: {
      clientId: 'lanes-test',
      brokers: ['127.0.0.1:1'],
      connectionTimeout: 100,
      requestTimeout: 100,
      retry: { retries: 0, initialRetryTime: 10, maxRetryTime: 10 },
      producers,
      logger: silentLogger(),
    },
    logger: silentLogger(),
    running: () => true,
    requestBytes: () => 1_000_000,
    forget: (topic) => forgotten.push(topic),
    ...(apart ? { apart } : {}),
  });
  const thread = {
    send: (lane: number, topics: { topic: string; messages: WireMessage[] }[]) =>
      new Promise<ProducedPartition[]>((answer, fail) => sent.push({ lane, topics, answer, fail })),
  };
  (lanes as unknown as { thread: typeof thread }).thread = thread;
  return { lanes, sent, forgotten };
}

/** A call of records with these keys (all in partition 0 of a one-partition topic). */
function call(topic: string, ...values: string[]): ProduceCall {
  const target = { partitions: 1, batchBytes: 1_000_000, requestBytes: 1_000_000 };
  const records = values.map((value) => ({ key: 'k', value: Buffer.from(value), timestamp: 0 }));
  const { messages, planned } = prepareRecords(topic, records, target, () => 0);
  return { topic, messages, records: planned, batchBytes: target.batchBytes };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));
const valuesOf = (s: Sent | undefined) =>
  s?.topics.flatMap(({ topic, messages }) => messages.map((m) => `${topic}:${m.value?.toString()}`));

describe('ProducerLanes', () => {
  it('sends the calls made while a request is in flight together, in call order, and gives each its offsets', async () => {
    const { lanes, sent } = lanesWithFakeThread();
    const first = lanes.produce(call('t', 'a'));
    const second = lanes.produce(call('t', 'b', 'c'));
    const third = lanes.produce(call('t', 'd'));
    expect(sent.map(valuesOf)).toEqual([['t:a']]);
    sent[0]?.answer([{ topicName: 't', partition: 0, baseOffset: '10' }]);
    expect(await first).toEqual([{ topic: 't', partition: 0, offset: '10' }]);
    await settled();
    expect(sent.map(valuesOf)).toEqual([['t:a'], ['t:b', 't:c', 't:d']]);
    sent[1]?.answer([{ topicName: 't', partition: 0, baseOffset: '11' }]);
    expect((await second).map((r) => r.offset)).toEqual(['11', '12']);
    expect((await third).map((r) => r.offset)).toEqual(['13']);
  });

  it('keeps a topic on one lane and lets different topics be in flight at once', async () => {
    const { lanes, sent } = lanesWithFakeThread(2);
    void lanes.produce(call('x', '1'));
    void lanes.produce(call('y', '1'));
    void lanes.produce(call('x', '2'));
    expect(sent.map((s) => [s.lane, valuesOf(s)])).toEqual([
      [0, ['x:1']],
      [1, ['y:1']],
    ]);
    sent[0]?.answer([{ topicName: 'x', partition: 0, baseOffset: '0' }]);
    await settled();
    expect(sent[2]?.lane).toBe(0);
    expect(valuesOf(sent[2])).toEqual(['x:2']);
  });

  it('keeps the topics set apart on the last lane, and spreads the others over the rest', async () => {
    const { lanes, sent } = lanesWithFakeThread(3, (topic) => topic.startsWith('audit.'));
    for (const topic of ['audit.a', 'x', 'audit.b', 'y', 'z']) void lanes.produce(call(topic, '1'));
    expect(sent.map((s) => [valuesOf(s), s.lane])).toEqual([
      [['audit.a:1'], 2],
      [['x:1'], 0],
      [['y:1'], 1],
    ]);
    // audit.b waits behind audit.a on its own lane; z shares the first lane with x, not audit's.
    sent[0]?.answer([{ topicName: 'audit.a', partition: 0, baseOffset: '0' }]);
    sent[1]?.answer([{ topicName: 'x', partition: 0, baseOffset: '0' }]);
    await settled();
    expect(sent.slice(3).map((s) => [valuesOf(s), s.lane])).toEqual([
      [['audit.b:1'], 2],
      [['z:1'], 0],
    ]);
  });

  it('has one lane for everything with one producer, topics apart or not', () => {
    const { lanes, sent } = lanesWithFakeThread(1, () => true);
    void lanes.produce(call('audit.a', '1'));
    void lanes.produce(call('x', '1'));
    expect(sent.map((s) => s.lane)).toEqual([0]);
  });

  it('fails every call of a refused request as possibly written, and forgets a topic Kafka does not know', async () => {
    const { lanes, sent, forgotten } = lanesWithFakeThread();
    const first = lanes.produce(call('t', 'a'));
    const second = lanes.produce(call('t', 'b'));
    const third = lanes.produce(call('t', 'c'));
    sent[0]?.answer([{ topicName: 't', partition: 0, baseOffset: '0' }]);
    await first;
    await settled();
    const unknown = new (kafkajs as unknown as { KafkaJSProtocolError: new (e: object) => Error }).KafkaJSProtocolError(
      {
        message: 'This server does not host this topic-partition',
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
        code: 3,
        retriable: true,
      },
    );
    sent[1]?.fail(unknown);
    for (const failed of [second, third]) {
      await expect(failed).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC', mayHaveWritten: true });
    }
    expect(forgotten).toEqual(['t', 't']);
  });

  it('fails a call whose partition Kafka did not acknowledge', async () => {
    const { lanes, sent } = lanesWithFakeThread();
    const produced = lanes.produce(call('t', 'a'));
    sent[0]?.answer([]);
    await expect(produced).rejects.toMatchObject({ code: 'INTERNAL', mayHaveWritten: true });
  });

  it('refuses the calls queued behind a request in flight when stopped, and settles the one in flight', async () => {
    const { lanes, sent } = lanesWithFakeThread();
    const inFlight = lanes.produce(call('t', 'a'));
    const queued = lanes.produce(call('t', 'b'));
    lanes.refuseQueued();
    await expect(queued).rejects.toMatchObject({ code: 'STOPPED', mayHaveWritten: false });
    sent[0]?.answer([{ topicName: 't', partition: 0, baseOffset: '4' }]);
    expect(await inFlight).toEqual([{ topic: 't', partition: 0, offset: '4' }]);
    await settled();
    expect(sent).toHaveLength(1);
  });

  it('refuses a call before the producer thread is started', async () => {
    const lanes = new ProducerLanes({
      thread: {
        clientId: 'lanes-test',
        brokers: ['127.0.0.1:1'],
        connectionTimeout: 100,
        requestTimeout: 100,
        retry: { retries: 0, initialRetryTime: 10, maxRetryTime: 10 },
        producers: 1,
        logger: silentLogger(),
      },
      logger: silentLogger(),
      running: () => false,
      requestBytes: () => 1_000_000,
      forget: () => undefined,
    });
    await expect(lanes.produce(call('t', 'a'))).rejects.toMatchObject({ code: 'NOT_STARTED' });
  });
});
