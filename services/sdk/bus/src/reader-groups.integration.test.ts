// Readers and topics on a real broker, as an operator sees them: a reader's consumer group is
// gone once it stops (or, for one a dead process left behind, once the next bus starts reading),
// and a topic ensureTopics created answers requests to its leaders as soon as the call returns.
import { randomUUID } from 'node:crypto';

import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaBus } from './kafka-bus.js';
import { waitFor } from '@puente/runtime/testing';
import { testKafkaBrokers } from './testing/index.js';

const brokers = testKafkaBrokers();
const kafka = new Kafka({ brokers, clientId: 'reader-groups-test', logLevel: logLevel.NOTHING });
const admin = kafka.admin();

const groupsStartingWith = async (prefix: string) =>
  (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));

describe('reader groups', () => {
  const topic = `reader-groups.${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await admin.connect();
    const bus = new KafkaBus({ brokers });
    await bus.start();
    await bus.admin.ensureTopics([{ topic, partitions: 2 }]);
    await bus.publish(topic, [
      { key: 'a', value: Buffer.from('one') },
      { key: 'b', value: Buffer.from('two') },
    ]);
    await bus.stop();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  it('leave no consumer group behind, whether stopped one by one or by the bus', async () => {
    const clientId = `readers-${randomUUID().slice(0, 8)}`;
    const prefix = `puente.reader.${clientId}.`;
    for (let round = 0; round < 3; round++) {
      const bus = new KafkaBus({ brokers, clientId });
      await bus.start();
      let records = 0;
      const read = () =>
        bus.readFrom({
          topic,
          positions: [
            { partition: 0, offset: '0' },
            { partition: 1, offset: '0' },
          ],
          handler: async (batch) => {
            records += batch.records.length;
          },
        });
      const first = await read();
      await read(); // left for bus.stop() to end
      await waitFor(() => records >= 4, 30_000, 'both readers to read both records');
      expect(await groupsStartingWith(prefix)).toHaveLength(2);
      await first.stop();
      await bus.stop();
    }
    expect(await groupsStartingWith(prefix)).toEqual([]);
  });

  it('deletes what a dead process left behind, and never a live reader’s group', async () => {
    const clientId = `orphans-${randomUUID().slice(0, 8)}`;
    // A reader group whose process died: its member gone, the group Empty, as after a SIGKILL
    // once the session has expired.
    const orphan = `puente.reader.${clientId}.${randomUUID()}`;
    const consumer = kafka.consumer({ groupId: orphan });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({ eachMessage: async () => undefined });
    await waitFor(async () => (await groupsStartingWith(orphan)).length === 1, 30_000, 'the orphan group to exist');
    await consumer.disconnect();

    const living = new KafkaBus({ brokers, clientId: `${clientId}-living` });
    await living.start();
    let livingRecords = 0;
    await living.readFrom({
      topic,
      positions: [{ partition: 0, offset: '0' }],
      handler: async (batch) => {
        livingRecords += batch.records.length;
      },
    });
    await waitFor(() => livingRecords > 0, 30_000, 'the living reader to read');
    const livingGroups = await groupsStartingWith(`puente.reader.${clientId}-living.`);
    expect(livingGroups).toHaveLength(1);

    const next = new KafkaBus({ brokers, clientId });
    await next.start();
    const reader = await next.readFrom({ topic, positions: [{ partition: 1, offset: '0' }], handler: async () => {} });
    expect(await groupsStartingWith(orphan)).toEqual([]);
    expect(await groupsStartingWith(`puente.reader.${clientId}-living.`)).toEqual(livingGroups);

    // The living reader still reads after the sweep.
    const before = livingRecords;
    await living.publish(topic, [{ key: 'a', value: Buffer.from('three') }]);
    // Keys a and b land on different partitions of two; publish to both so partition 0 gets one.
    await living.publish(topic, [{ key: 'b', value: Buffer.from('four') }]);
    await waitFor(() => livingRecords > before, 30_000, 'the living reader to read on after the sweep');

    await reader.stop();
    await Promise.all([next.stop(), living.stop()]);
    expect(await groupsStartingWith(`puente.reader.${clientId}`)).toEqual([]);
  });
});

describe('ensureTopics', () => {
  it('returns only once every partition of the new topics is served by its leader', async () => {
    const bus = new KafkaBus({ brokers });
    await bus.start();
    const topics = Array.from({ length: 4 }, (_, i) => `leaders.${randomUUID().slice(0, 8)}.${i}`);
    expect(await bus.admin.ensureTopics(topics.map((t) => ({ topic: t, partitions: 8 })))).toEqual(topics);
    // A ListOffsets to every partition's leader, straight away: before the wait, a fresh topic
    // answered this with "not the leader for that topic-partition".
    const infos = (await bus.admin.listTopics()).filter((info) => topics.includes(info.topic));
    expect(infos.map((info) => info.partitions.length)).toEqual([8, 8, 8, 8]);
    await bus.admin.deleteTopics(topics);
    await bus.stop();
  });
});
