import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { toBufferHeaders, toConsumedRecord } from './records.js';

const message = (fields: Partial<KafkaMessage>): KafkaMessage =>
  ({ key: null, value: null, timestamp: '0', attributes: 0, offset: '0', size: 0, ...fields }) as KafkaMessage;

describe('toConsumedRecord', () => {
  it('carries topic, partition and offset, decodes the key as UTF-8 and the timestamp as a number', () => {
    const value = Buffer.from([0, 1, 2]);
    const record = toConsumedRecord(
      't',
      3,
      message({ key: Buffer.from('clé'), value, offset: '42', timestamp: '1700000000123' }),
    );
    expect(record).toEqual({
      topic: 't',
      partition: 3,
      offset: '42',
      key: 'clé',
      value,
      headers: {},
      timestamp: 1_700_000_000_123,
    });
    expect(record.value).toBe(value);
  });

  it('keeps a missing key and a tombstone as null', () => {
    const record = toConsumedRecord('t', 0, message({ key: null, value: null }));
    expect(record.key).toBeNull();
    expect(record.value).toBeNull();
  });
});

describe('toBufferHeaders', () => {
  it('turns string values into buffers, passes buffers through and keeps the last of repeated headers', () => {
    const raw = Buffer.from([0xff, 0x00]);
    const headers = toBufferHeaders({ a: 'text', b: raw, c: ['first', Buffer.from('last')], d: undefined, e: [] });
    expect(Object.keys(headers).sort()).toEqual(['a', 'b', 'c']);
    expect(headers['a']?.toString('utf8')).toBe('text');
    expect(headers['b']).toBe(raw);
    expect(headers['c']?.toString('utf8')).toBe('last');
  });

  it('makes no headers of none', () => {
    expect(toBufferHeaders(undefined)).toEqual({});
  });
});
