// One partition's part of a Kafka Produce request (v3 and later), encoded in a single pass into
// one buffer of its exact size: the partition, the RecordBatch (magic 2, uncompressed) and its
// records. kafkajs builds the same bytes through an Encoder per record and per header, copying
// each value five times on the way and checksumming in JavaScript a byte at a time, which made
// the producer thread the gateway's second-largest CPU cost. The checksum here is CRC-32C from
// @node-rs/crc32 (native, SIMD). Plain JavaScript so the producer thread loads it as it is.
import { crc32c } from '@node-rs/crc32';

/** Bytes of a zig-zag varint (Kafka's varint and varlong) for a safe integer. */
function varintLength(value) {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let length = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    length++;
  }
  return length;
}

/** Writes a zig-zag varint at `at`; returns the offset after it. */
function writeVarint(out, at, value) {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  while (zigzag >= 128) {
    out[at++] = (zigzag % 128) | 128;
    zigzag = Math.floor(zigzag / 128);
  }
  out[at++] = zigzag;
  return at;
}

/** What kafkajs writes for a key, value or header value: Buffers as they are, anything else as its string. */
function asBytes(value) {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
}

/** Header names repeat on every record: their UTF-8 bytes are made once (a bounded cache). */
const headerNames = new Map();
function headerName(name) {
  let bytes = headerNames.get(name);
  if (bytes === undefined) {
    bytes = Buffer.from(name, 'utf8');
    if (headerNames.size < 1024) headerNames.set(name, bytes);
  }
  return bytes;
}

/** kafkajs's header shape, flattened name, value, name, value…: an array value repeats its name. */
function headerList(headers) {
  const list = [];
  if (!headers) return list;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (Array.isArray(value)) for (const item of value) list.push(headerName(name), asBytes(item));
    else list.push(headerName(name), asBytes(value));
  }
  return list;
}

// RecordBatch header, from FirstOffset to the record count (DefaultRecordBatch.java):
// FirstOffset i64, Length i32, PartitionLeaderEpoch i32, Magic i8, CRC u32, Attributes i16,
// LastOffsetDelta i32, FirstTimestamp i64, MaxTimestamp i64, ProducerId i64, ProducerEpoch i16,
// FirstSequence i32, record count i32. The CRC covers everything from Attributes on.
const BATCH_HEADER = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
const CRC_FROM = 8 + 4 + 4 + 1 + 4;
const TRANSACTIONAL = 0x10;

/**
 * Encodes `Partition i32, RecordSet (i32 size + RecordBatch)` for kafkajs's produce request, the
 * bytes kafkajs would write for the same arguments. Timestamps are kafkajs's: the batch's first
 * and max timestamps come from the messages that have one (`now` if none does), and a message
 * without one is stamped `now`.
 *
 * @param {{ partition: number; messages: readonly { key?: unknown; value?: unknown; headers?: Record<string, unknown>; timestamp?: string | number }[]; firstSequence?: number; producerId: bigint | number | string | { toString(): string }; producerEpoch: number; transactional: boolean; now?: number }} input
 * @returns {Buffer}
 */
export function encodePartitionRecords({
  partition,
  messages,
  firstSequence = 0,
  producerId,
  producerEpoch,
  transactional,
  now = Date.now(),
}) {
  let first = Infinity;
  let max = -Infinity;
  for (const message of messages) {
    if (message.timestamp === null || message.timestamp === undefined) continue;
    const timestamp = Number(message.timestamp);
    if (timestamp < first) first = timestamp;
    if (timestamp > max) max = timestamp;
  }
  if (first === Infinity) first = max = now;

  // First pass: every record's fields and sizes; the second writes them where they go.
  const count = messages.length;
  const keys = new Array(count);
  const values = new Array(count);
  const headers = new Array(count);
  const deltas = new Array(count);
  const bodies = new Array(count);
  let recordsSize = 0;
  for (let i = 0; i < count; i++) {
    const message = messages[i];
    const key = asBytes(message.key);
    const value = asBytes(message.value);
    const list = headerList(message.headers);
    const timestamp = message.timestamp === null || message.timestamp === undefined ? now : Number(message.timestamp);
    const delta = timestamp - first;
    let body = 1 + varintLength(delta) + varintLength(i);
    body += key === null ? 1 : varintLength(key.length) + key.length;
    body += value === null ? 1 : varintLength(value.length) + value.length;
    body += varintLength(list.length / 2);
    for (const bytes of list) body += bytes === null ? 1 : varintLength(bytes.length) + bytes.length;
    keys[i] = key;
    values[i] = value;
    headers[i] = list;
    deltas[i] = delta;
    bodies[i] = body;
    recordsSize += varintLength(body) + body;
  }

  const batchSize = BATCH_HEADER + recordsSize;
  const out = Buffer.allocUnsafe(8 + batchSize);
  out.writeInt32BE(partition, 0);
  out.writeInt32BE(batchSize, 4);
  let at = 8;
  out.writeBigInt64BE(0n, at); // FirstOffset: the broker assigns offsets
  out.writeInt32BE(batchSize - 12, at + 8); // Length: what follows it
  out.writeInt32BE(0, at + 12); // PartitionLeaderEpoch
  out.writeInt8(2, at + 16); // Magic
  // CRC at at + 17, written last.
  out.writeInt16BE(transactional ? TRANSACTIONAL : 0, at + 21);
  out.writeInt32BE(count - 1, at + 23);
  out.writeBigInt64BE(BigInt(first), at + 27);
  out.writeBigInt64BE(BigInt(max), at + 35);
  out.writeBigInt64BE(BigInt.asIntN(64, BigInt(String(producerId))), at + 43);
  out.writeInt16BE(producerEpoch, at + 51);
  out.writeInt32BE(firstSequence, at + 53);
  out.writeInt32BE(count, at + 57);
  at += BATCH_HEADER;
  for (let i = 0; i < count; i++) {
    at = writeVarint(out, at, bodies[i]);
    out[at++] = 0; // record attributes
    at = writeVarint(out, at, deltas[i]);
    at = writeVarint(out, at, i);
    for (const bytes of [keys[i], values[i]]) {
      if (bytes === null) at = writeVarint(out, at, -1);
      else {
        at = writeVarint(out, at, bytes.length);
        out.set(bytes, at);
        at += bytes.length;
      }
    }
    const list = headers[i];
    at = writeVarint(out, at, list.length / 2);
    for (const bytes of list) {
      if (bytes === null) at = writeVarint(out, at, -1);
      else {
        at = writeVarint(out, at, bytes.length);
        out.set(bytes, at);
        at += bytes.length;
      }
    }
  }
  if (at !== out.length) throw new Error(`record batch: wrote ${at} of ${out.length} bytes`);
  out.writeUInt32BE(crc32c(out.subarray(8 + CRC_FROM)), 8 + 17);
  return out;
}
