import { fileURLToPath } from 'node:url';

import { MemoryBus } from '@puente/bus';
import { createCodec, readExamples } from '@puente/contracts';
import { withEventId } from '@puente/contracts/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { createTopicTails, decodeEntry, type TopicTails } from './topic-tail.js';

const TOPIC = 'tail.test';
const OTHER = 'tail.other';

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('topic tail', () => {
  let bus: MemoryBus;
  let tails: TopicTails | undefined;
  afterEach(async () => {
    await tails?.stop();
    await bus.stop();
  });

  it('serves the records published after it started, by offset, and forgets the oldest past its capacity', async () => {
    bus = new MemoryBus({ maxBatchSize: 7 });
    await bus.start();
    await bus.admin.ensureTopics([
      { topic: TOPIC, partitions: 2 },
      { topic: OTHER, partitions: 1 },
    ]);
    // Published before the tail starts: not in it.
    await bus.publish(TOPIC, [{ key: 'early', value: Buffer.from('early'), timestamp: 1 }]);
    tails = createTopicTails({ bus, codec: createCodec(), capacityPerPartition: 40 });
    await tails.start([TOPIC, OTHER]);
    const tail = tails.tails.get(TOPIC)!;
    const before = [0, 1].map((p) => tail.range(p));
    expect(before.map((r) => r.end - r.start)).toEqual([0, 0]);
    let notified = 0;
    tail.onRecords(() => notified++);

    const published = await bus.publish(
      TOPIC,
      Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 9}`, value: Buffer.from(`v${i}`), timestamp: 1_000 + i })),
    );
    const onZero = published.filter((r) => r.partition === 0);
    await until(() => tail.range(0).end === Number(onZero.at(-1)!.offset) + 1);
    expect(notified).toBeGreaterThan(0);

    const range = tail.range(0);
    // At most the capacity is kept, at least three quarters of it (eviction goes in quarters).
    expect(range.end - range.start).toBeLessThanOrEqual(40);
    expect(range.end - range.start).toBeGreaterThanOrEqual(30);
    for (let offset = range.start; offset < range.end; offset++) {
      const index = published.findIndex((r) => r.partition === 0 && Number(r.offset) === offset);
      const entry = tail.entry(0, offset)!;
      expect(entry.record).toMatchObject({
        topic: TOPIC,
        partition: 0,
        offset: String(offset),
        key: `k${index % 9}`,
        timestamp: 1_000 + index,
      });
      expect(entry.record.value?.toString()).toBe(`v${index}`);
    }
    expect(tail.entry(0, range.end)).toBeUndefined();

    // The same reader fills the other topic's tail, and only its listeners hear of it.
    const other = tails.tails.get(OTHER)!;
    const heardBefore = notified;
    await bus.publish(OTHER, [{ key: 'o', value: Buffer.from('other'), timestamp: 7 }]);
    await until(() => other.range(0).end === 1);
    expect(other.entry(0, 0)?.record).toMatchObject({
      topic: OTHER,
      partition: 0,
      offset: '0',
      key: 'o',
      timestamp: 7,
    });
    expect(other.entry(0, 0)?.record.value?.toString()).toBe('other');
    expect(tail.range(0)).toEqual(range);
    expect(notified).toBe(heardBefore);
  });
});

describe('decodeEntry', () => {
  const codec = createCodec();
  const topic = 'us.cargo-manifests.v1';
  const example = readExamples(fileURLToPath(new URL('../../../../schemas/examples', import.meta.url))).find(
    (e) => e.file === 'cargo-manifests/us-northbound-laredo.json',
  );
  const valid = codec.encode(topic, codec.fromFriendlyJson(topic, example?.value));
  const entry = (value: Buffer) => ({
    record: { topic, partition: 0, offset: '0', key: 'k', value, headers: {}, timestamp: 0 },
  });

  it('decodes a valid record', () => {
    expect(decodeEntry(codec, entry(valid))).toMatchObject({ value: { manifestId: expect.any(String) as string } });
  });

  it('refuses a record whose logical types break the schema, though Avro reads it (a uuid that is not one)', () => {
    const bad = withEventId(valid, 'not-a-uuid');
    expect(codec.decode(bad, { topic }).value).toMatchObject({ meta: { eventId: 'not-a-uuid' } });
    const decoded = decodeEntry(codec, entry(bad));
    expect(decoded).toMatchObject({ error: expect.stringContaining('meta.eventId') as string });
    expect('value' in decoded).toBe(false);
  });
});
