import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { createKeyPartitioner, murmur2 } from './partitioner.js';

const metadataOf = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));

describe('key partitioner', () => {
  it("matches the Java client's murmur2 on known keys", () => {
    // Values from Apache Kafka's UtilsTest.testMurmur2.
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(key), key).toBe(hash);
  });

  it("puts every key, ASCII or not, where kafkajs's default partitioner does", () => {
    const ours = createKeyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 })),
        fc.integer({ min: 1, max: 64 }),
        (key, count) => {
          const expected = theirs({ topic: 't', partitionMetadata: metadataOf(count), message: { key, value: null } });
          expect(ours('t', key, count)).toBe(expected);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('spreads keyless records over the partitions', () => {
    const partitionFor = createKeyPartitioner();
    const seen = new Set(Array.from({ length: 30 }, () => partitionFor('t', null, 3)));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
