import { batchBytesAlone, recordBodyBase } from '@puente/kafka-client';
import { describe, expect, it } from 'vitest';

import { createKeyPartitioner } from '../partitioner.js';
import { prepareRecords } from './produce-records.js';

const roomy = { partitions: 4, batchBytes: 1_000_000, requestBytes: 10_000_000 };
const partitionFor = createKeyPartitioner();

describe('prepareRecords', () => {
  it('stamps records without a timestamp, keeps the others, and places keys as the partitioner does', () => {
    const { messages, planned } = prepareRecords(
      't',
      [
        { key: 'a', value: Buffer.from('1') },
        { key: 'b', value: Buffer.from('2'), timestamp: 5, headers: { h: 'v' } },
      ],
      roomy,
      partitionFor,
      1_000,
    );
    expect(messages.map((m) => [m.key, m.timestamp, m.partition])).toEqual([
      ['a', '1000', partitionFor('t', 'a', 4)],
      ['b', '5', partitionFor('t', 'b', 4)],
    ]);
    expect(messages[0]).not.toHaveProperty('headers');
    expect(messages[1]?.headers).toEqual({ h: 'v' });
    expect(planned).toEqual(
      messages.map((m) => ({ partition: m.partition, base: recordBodyBase(m), timestamp: Number(m.timestamp) })),
    );
  });

  it('refuses a timestamp that is not whole milliseconds, naming the record', () => {
    expect(() =>
      prepareRecords(
        't',
        [
          { key: 'a', value: null },
          { key: 'b', value: null, timestamp: 1.5 },
        ],
        roomy,
        partitionFor,
      ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('record 1 of 2') }));
  });

  it("refuses a record whose batch alone is over the topic's max.message.bytes", () => {
    const value = Buffer.alloc(1_000);
    const alone = batchBytesAlone({ base: recordBodyBase({ key: 'k', value }) });
    const tight = { ...roomy, batchBytes: alone - 1 };
    expect(() => prepareRecords('t', [{ key: 'k', value, timestamp: 0 }], tight, partitionFor)).toThrow(
      expect.objectContaining({ code: 'RECORD_TOO_LARGE', message: expect.stringContaining('max.message.bytes') }),
    );
    expect(
      prepareRecords('t', [{ key: 'k', value, timestamp: 0 }], { ...tight, batchBytes: alone }, partitionFor),
    ).toHaveProperty('messages.length', 1);
  });

  it('refuses a record that does not fit a produce request alone', () => {
    const tight = { ...roomy, requestBytes: 500 };
    expect(() => prepareRecords('t', [{ key: 'k', value: Buffer.alloc(1_000) }], tight, partitionFor)).toThrow(
      expect.objectContaining({
        code: 'RECORD_TOO_LARGE',
        message: expect.stringContaining('socket.request.max.bytes'),
      }),
    );
  });
});
