// Starts the real local broker, writes and reads through it, then simulates an outage:
// stop, restart on the same dataDir and ports, and check that nothing was lost.
import { Kafka, logLevel, Partitioners, type Consumer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalKafka, type LocalKafka } from './local-broker.js';

const TOPIC = 'kafka-local.smoke.v1';

async function readAll(kafka: Kafka, groupId: string, count: number): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const values: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${values.length}/${count} records in 30 s`)), 30_000);
      consumer
        .run({
          eachMessage: ({ message }) => {
            values.push(message.value?.toString() ?? '');
            if (values.length >= count) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

function client(broker: LocalKafka): Kafka {
  return new Kafka({ clientId: 'kafka-local-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
}

describe('startLocalKafka', () => {
  let broker: LocalKafka | undefined;

  // Whichever handle is last, it shares the data dir with the first.
  afterAll(() => broker?.stop({ removeDataDir: true }));

  it('serves a topic and keeps its records across a stop and restart', async () => {
    broker = await startLocalKafka();
    const { port, controllerPort, dataDir } = broker;
    expect(broker.brokers).toEqual([`127.0.0.1:${port}`]);
    expect(broker.kafkaVersion).toMatch(/^3\.9\.\d+$/);

    const kafka = client(broker);
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true })).toBe(true);
    await admin.disconnect();

    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const sent = ['one', 'two', 'three', 'four', 'five'];
    await producer.send({ topic: TOPIC, acks: -1, messages: sent.map((value, i) => ({ key: `k${i}`, value })) });
    await producer.disconnect();

    expect(await readAll(kafka, 'kafka-local-test.before', sent.length)).toEqual(sent);

    await broker.stop();
    await broker.stop(); // idempotent
    expect((await broker.exited).signal).toBeNull();

    broker = await startLocalKafka({ port, controllerPort, dataDir });
    expect(broker.brokers).toEqual([`127.0.0.1:${port}`]);
    const again = client(broker);
    const admin2 = again.admin();
    await admin2.connect();
    expect(await admin2.listTopics()).toContain(TOPIC);
    // Right after a restart the group coordinator may still be loading its offsets, or not be
    // elected yet (retriable Kafka errors, codes 14-16): ask again until it answers, for at most 30 s.
    // kafkajs's names for COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE and NOT_COORDINATOR:
    const coordinatorNotReady = [
      'GROUP_LOAD_IN_PROGRESS',
      'GROUP_COORDINATOR_NOT_AVAILABLE',
      'NOT_COORDINATOR_FOR_GROUP',
    ];
    const deadline = Date.now() + 30_000;
    let committed;
    for (;;) {
      try {
        committed = await admin2.fetchOffsets({ groupId: 'kafka-local-test.before', topics: [TOPIC] });
        break;
      } catch (error) {
        if (Date.now() > deadline || !coordinatorNotReady.includes((error as { type?: string }).type ?? ''))
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    expect(committed[0]?.partitions[0]?.offset).toBe(String(sent.length));
    await admin2.disconnect();

    expect(await readAll(again, 'kafka-local-test.after', sent.length)).toEqual(sent);
  });
});
