// Which queued records go in KafkaBus's next produce request. Kafka refuses a partition's record
// batch larger than the topic's max.message.bytes and a request larger than the broker's
// socket.request.max.bytes; a refused partition fails the whole kafkajs request, the
// partitions written with it included. So each request takes the longest prefix of the queue
// whose batches and total stay within both limits, sized as record-batch.mjs will encode them.
import { RECORD_BATCH_OVERHEAD, recordSize } from './record-batch.mjs';
import { zigzagVarintLength } from '@puente/contracts/binary';

/** One record as the planner sizes it. */
export interface PlannedRecord {
  readonly partition: number;
  /** recordBodyBase of the record: its bytes apart from its offset and timestamp deltas. */
  readonly base: number;
  /** Milliseconds, as the record will be stamped. */
  readonly timestamp: number;
}

/** A queued publish call: its records in call order, the first `sent` of them already sent. */
export interface PlannedCall {
  readonly topic: string;
  readonly records: readonly PlannedRecord[];
  readonly sent: number;
  /** The topic's max.message.bytes when the call was made: the largest record batch allowed. */
  readonly batchBytes: number;
}

/** Records `from` (inclusive) to `to` (exclusive) of queued call `call` go in the request. */
export interface RequestSlice {
  readonly call: number;
  readonly from: number;
  readonly to: number;
}

export interface RequestPlan {
  readonly slices: readonly RequestSlice[];
  /** Upper bound of each partition's record batch in bytes, by `topic\0partition`. */
  readonly batchBytes: ReadonlyMap<string, number>;
  /** Upper bound of the request's topic data in bytes (what the limit is compared with). */
  readonly requestBytes: number;
}

/** Bytes a request spends per topic (name and partition count) and per partition (number and size). */
const topicOverhead = (topic: string) => 2 + Buffer.byteLength(topic, 'utf8') + 4;
const PARTITION_OVERHEAD = 4 + 4;

/**
 * One partition's batch as it grows. Exact but for each record's timestamp delta, which the
 * encoder takes from the batch's first timestamp (kafkajs's rule: the least as a string) and
 * which is counted here at the width of the batch's whole span of timestamps: at most that
 * wide whichever timestamp comes first, and one byte when all share a millisecond.
 */
class GrowingBatch {
  private readonly bases: number[] = [];
  private min = Infinity;
  private max = -Infinity;
  private deltaWidth = 1;
  bytes = RECORD_BATCH_OVERHEAD;

  /** The batch's bytes with `record` added (nothing changes). */
  sizeWith(record: PlannedRecord): { bytes: number; deltaWidth: number } {
    const span = Math.max(this.max, record.timestamp) - Math.min(this.min, record.timestamp);
    const deltaWidth = zigzagVarintLength(span);
    let bytes = this.bytes;
    if (deltaWidth !== this.deltaWidth) {
      // A wider span widens every record's delta: size them again (a varint has at most 10 widths).
      bytes = RECORD_BATCH_OVERHEAD;
      for (let i = 0; i < this.bases.length; i++) bytes += sizeAt(this.bases[i]!, i, deltaWidth);
    }
    return { bytes: bytes + sizeAt(record.base, this.bases.length, deltaWidth), deltaWidth };
  }

  add(record: PlannedRecord, size: { bytes: number; deltaWidth: number }): void {
    this.bases.push(record.base);
    this.min = Math.min(this.min, record.timestamp);
    this.max = Math.max(this.max, record.timestamp);
    this.deltaWidth = size.deltaWidth;
    this.bytes = size.bytes;
  }
}

/** A record's bytes at offset delta `index` with a timestamp delta of `deltaWidth` varint bytes. */
function sizeAt(base: number, index: number, deltaWidth: number): number {
  // recordSize takes the delta itself: the largest delta of that width stands for all of them.
  return recordSize(base, index, widestDelta(deltaWidth));
}

const widest: number[] = [];
function widestDelta(width: number): number {
  // zig-zag doubles a positive delta: width w holds up to (128^w - 1) / 2.
  return (widest[width] ??= Math.floor((128 ** width - 1) / 2));
}

/** Bytes of the record batch holding `record` alone: what must fit the limit for it to be sent at all. */
export function batchBytesAlone(record: Pick<PlannedRecord, 'base'>): number {
  return RECORD_BATCH_OVERHEAD + recordSize(record.base, 0, 0);
}

/** Bytes of a request carrying only `record`'s batch, counted as planRequest counts them. */
export function requestBytesAlone(topic: string, record: Pick<PlannedRecord, 'base'>): number {
  return topicOverhead(topic) + PARTITION_OVERHEAD + batchBytesAlone(record);
}

/**
 * The next request: the longest prefix of the queued calls' unsent records (in queue order, so
 * each partition's records stay in call order across requests) whose partition batches stay
 * within their calls' `batchBytes` and whose topic data stays within `requestBytes`. It always
 * takes the first unsent record when that record fits alone; an empty plan means it does not.
 */
export function planRequest(calls: readonly PlannedCall[], requestBytes: number): RequestPlan {
  const slices: RequestSlice[] = [];
  const batches = new Map<string, GrowingBatch>();
  const topics = new Set<string>();
  let total = 0;
  for (let c = 0; c < calls.length; c++) {
    const call = calls[c]!;
    let to = call.sent;
    for (; to < call.records.length; to++) {
      const record = call.records[to]!;
      const at = `${call.topic}\u0000${record.partition}`;
      const known = batches.get(at);
      const batch = known ?? new GrowingBatch();
      const size = batch.sizeWith(record);
      const grows =
        size.bytes -
        (known ? batch.bytes : -PARTITION_OVERHEAD) +
        (topics.has(call.topic) ? 0 : topicOverhead(call.topic));
      if (size.bytes > call.batchBytes || total + grows > requestBytes) break;
      batch.add(record, size);
      if (!known) batches.set(at, batch);
      topics.add(call.topic);
      total += grows;
    }
    if (to > call.sent) slices.push({ call: c, from: call.sent, to });
    if (to < call.records.length) break;
  }
  const batchBytes = new Map<string, number>();
  for (const [at, batch] of batches) batchBytes.set(at, batch.bytes);
  return { slices, batchBytes, requestBytes: total };
}
