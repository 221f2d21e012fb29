// A record as kafkajs hands it to a consumer, as the Bus port hands it on.
import type { KafkaMessage } from 'kafkajs';

import type { ConsumedRecord } from '../types.js';

export function toConsumedRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value,
    headers: toBufferHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}

/** Header values as buffers; of a header sent more than once, the last value. */
export function toBufferHeaders(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): Record<string, Buffer> {
  const result: Record<string, Buffer> = {};
  for (const name in headers) {
    const value = headers[name];
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    if (single !== undefined) result[name] = typeof single === 'string' ? Buffer.from(single) : single;
  }
  return result;
}
