// A publish call's records made ready for the producer thread: stamped, placed in a partition and
// sized, each checked alone against the topic's limits so that one too large fails its own call
// only, never the calls it would be sent with.
import {
  batchBytesAlone,
  recordBodyBase,
  requestBytesAlone,
  type PlannedRecord,
  type WireMessage,
} from '@puente/kafka-client';

import { BusError } from '../errors.js';
import type { KeyPartitioner } from '../partitioner.js';
import type { BusRecord } from '../types.js';
import type { ProduceTarget } from './produce-targets.js';

export interface PreparedRecords {
  readonly messages: WireMessage[];
  /** The same records as produce-plan sizes them. */
  readonly planned: PlannedRecord[];
}

/**
 * The records as they go on the wire. Records without a timestamp are stamped `now`, here rather
 * than when encoded, so their batches can be sized exactly before they are grouped.
 */
export function prepareRecords(
  topic: string,
  records: readonly BusRecord[],
  target: ProduceTarget,
  partitionFor: KeyPartitioner,
  now = Date.now(),
): PreparedRecords {
  const { partitions, batchBytes, requestBytes } = target;
  // We choose partitions ourselves (Kafka's default murmur2 hashing) so every record's offset
  // can be derived from its partition's base offset in the produce response.
  const messages: WireMessage[] = [];
  const planned: PlannedRecord[] = [];
  const what = (index: number) => `record ${index} of ${records.length} for topic '${topic}'`;
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    const timestamp = record.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp)) {
      throw new BusError({
        code: 'INVALID_ARGUMENT',
        message: `${what(index)}: timestamp must be whole milliseconds, got ${String(timestamp)}`,
      });
    }
    const partition = partitionFor(topic, record.key, partitions);
    const message: WireMessage = {
      key: record.key,
      value: record.value,
      partition,
      timestamp: String(timestamp),
      ...(record.headers ? { headers: { ...record.headers } } : {}),
    };
    let base: number;
    try {
      base = recordBodyBase(message);
    } catch (error) {
      throw new BusError({
        code: 'INVALID_ARGUMENT',
        message: `${what(index)}: ${(error as Error).message}`,
        cause: error,
      });
    }
    // Refused here, alone: sent, it would fail every call grouped with it.
    const alone = batchBytesAlone({ base });
    if (alone > batchBytes) {
      throw new BusError({
        code: 'RECORD_TOO_LARGE',
        message: `${what(index)} is ${alone} bytes as a record batch, over the topic's limit of ${batchBytes} bytes (max.message.bytes)`,
      });
    }
    if (requestBytesAlone(topic, { base }) > requestBytes) {
      throw new BusError({
        code: 'RECORD_TOO_LARGE',
        message: `${what(index)} is ${alone} bytes as a record batch, over the ${requestBytes} bytes a produce request may carry (socket.request.max.bytes)`,
      });
    }
    messages.push(message);
    planned.push({ partition, base, timestamp });
  }
  return { messages, planned };
}
