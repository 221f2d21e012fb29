// One partition's part of a Kafka Produce request (v3 and later), encoded in a single pass into
// one buffer of its exact size: the partition, the RecordBatch (magic 2, uncompressed) and its
// records. kafkajs builds the same bytes through an Encoder per record and per header, copying
// each value five times on the way and checksumming in JavaScript a byte at a time, which made
// the producer thread the gateway's second-largest CPU cost. The checksum here is CRC-32C from
// @node-rs/crc32 (native, SIMD). Plain JavaScript so the producer thread loads it as it is.
import { createRequire } from 'node:module';

import { crc32c } from '@node-rs/crc32';

import { writeZigzagVarint as writeVarint, zigzagVarintLength } from '@puente/contracts/varint';

// kafkajs's non-retriable error for a malformed varlong, so a corrupt batch fails as kafkajs fails it.
// Loaded as `unknown`, then cast: typescript-eslint does not read a JSDoc cast of an `any`
// (typescript-eslint/typescript-eslint#4824).
/** @type {unknown} */
const kafkajsErrors = createRequire(import.meta.url)('kafkajs/src/errors.js');
const { KafkaJSInvalidLongError } = /** @type {{ KafkaJSInvalidLongError: new (message: string) => Error }} */ (
  kafkajsErrors
);

/**
 * One message of a partition as kafkajs's produce request hands it over. The fields are
 * checked as kafkajs would check them: a wrong type is a TypeError naming it.
 * @typedef {{
 *   readonly key?: unknown;
 *   readonly value?: unknown;
 *   readonly headers?: Readonly<Record<string, unknown>>;
 *   readonly timestamp?: string | number | null;
 * }} PartitionMessage
 */

/**
 * The arguments kafkajs's Produce v3 request gives its partition encoder (with our patch), plus
 * `now`: the time of messages without a timestamp (ms), Date.now() when omitted.
 * @typedef {{
 *   readonly partition: number;
 *   readonly messages: readonly PartitionMessage[];
 *   readonly firstSequence?: number;
 *   readonly producerId: bigint | number | string | { toString(): string };
 *   readonly producerEpoch: number;
 *   readonly transactional: boolean;
 *   readonly now?: number;
 * }} PartitionRecordsInput
 */

/**
 * A message as KafkaBus sizes it (recordBodyBase): key and header values strings or bytes.
 * @typedef {{
 *   readonly key: string | Uint8Array | null;
 *   readonly value: Uint8Array | null;
 *   readonly headers?: Readonly<Record<string, string | Uint8Array>> | undefined;
 * }} SizedMessage
 */

/**
 * kafkajs's batch context for the records of one batch.
 * @typedef {{
 *   readonly firstOffset: string;
 *   readonly firstTimestamp: string;
 *   readonly magicByte?: number;
 *   readonly isControlBatch?: boolean;
 *   readonly timestampType?: number;
 *   readonly maxTimestamp?: string;
 * }} RecordBatchContext
 */

/**
 * kafkajs's decoder over the bytes of one record: where it starts, moved past it once decoded.
 * @typedef {{ buffer: Buffer; offset: number }} RecordDecoderInput
 */

/**
 * One decoded record: exactly what kafkajs's record decoder returns. A header seen more than
 * once collects its values in an array.
 * @typedef {{
 *   magicByte: number | undefined;
 *   attributes: number;
 *   timestamp: string;
 *   offset: string;
 *   key: Buffer | null;
 *   value: Buffer | null;
 *   headers: Record<string, Buffer | null | (Buffer | null)[]>;
 *   isControlRecord: boolean;
 *   batchContext: RecordBatchContext;
 * }} DecodedRecord
 */

/**
 * A key, value or header value as kafkajs writes it: null (absent) for a missing key or value,
 * a Buffer as it is, a string as UTF-8. Anything else kafkajs refuses, with a TypeError from
 * sizing it; so do we, naming what is wrong.
 */
/**
 * @param {unknown} value
 * @param {string} what
 * @param {boolean} nullable
 * @returns {Buffer | null}
 */
function asBytes(value, what, nullable) {
  if (nullable && (value === null || value === undefined)) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new TypeError(`${what} must be a string or a Buffer${nullable ? ' (or null)' : ''}, not ${typeof value}`);
}

/** Header names repeat on every record: their UTF-8 bytes are made once (a bounded cache). */
/** @type {Map<string, Buffer>} */
const headerNames = new Map();
/**
 * @param {string} name
 * @returns {Buffer}
 */
function headerName(name) {
  let bytes = headerNames.get(name);
  if (bytes === undefined) {
    bytes = Buffer.from(name, 'utf8');
    if (headerNames.size < 1024) headerNames.set(name, bytes);
  }
  return bytes;
}

/** kafkajs's header shape, flattened name, value, name, value…: an array value repeats its name. */
/**
 * @param {unknown} headers
 * @returns {(Buffer | null)[]}
 */
function headerList(headers) {
  /** @type {(Buffer | null)[]} */
  const list = [];
  if (headers === undefined) return list;
  if (headers === null || typeof headers !== 'object') throw new TypeError('message headers must be an object');
  for (const name of Object.keys(headers)) {
    const value = /** @type {Record<string, unknown>} */ (headers)[name];
    const what = `header '${name}'`;
    if (Array.isArray(value)) for (const item of value) list.push(headerName(name), asBytes(item, what, false));
    else list.push(headerName(name), asBytes(value, what, false));
  }
  return list;
}

/** A timestamp as kafkajs's arithmetic reads it; it must come out a whole number of ms. */
/**
 * @param {string | number} value
 * @returns {number}
 */
function millis(value) {
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || (typeof value === 'string' && !/^\s*-?\d+\s*$/.test(value)))
    throw new TypeError(`message timestamp must be whole milliseconds, not '${value}'`);
  return ms;
}

// RecordBatch header, from FirstOffset to the record count (DefaultRecordBatch.java):
// FirstOffset i64, Length i32, PartitionLeaderEpoch i32, Magic i8, CRC u32, Attributes i16,
// LastOffsetDelta i32, FirstTimestamp i64, MaxTimestamp i64, ProducerId i64, ProducerEpoch i16,
// FirstSequence i32, record count i32. The CRC covers everything from Attributes on.
const BATCH_HEADER = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
const CRC_FROM = 8 + 4 + 4 + 1 + 4;
const TRANSACTIONAL = 0x10;

/**
 * Bytes of a RecordBatch before its records, FirstOffset and Length included: Kafka compares
 * the whole batch (its `sizeInBytes`) with `max.message.bytes`.
 */
export const RECORD_BATCH_OVERHEAD = BATCH_HEADER;

/** UTF-8 bytes of a key or header value as the encoder will write it; null is absent. */
/**
 * @param {unknown} value
 * @param {string} what
 * @param {boolean} nullable
 * @returns {number}
 */
function byteLength(value, what, nullable) {
  if (nullable && value === null) return -1;
  if (typeof value === 'string') {
    for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return Buffer.byteLength(value, 'utf8');
    return value.length;
  }
  if (value instanceof Uint8Array) return value.length;
  throw new TypeError(`${what} must be a string or a Buffer${nullable ? ' (or null)' : ''}, not ${typeof value}`);
}

const lengthAndBytes = (/** @type {number} */ n) => (n < 0 ? 1 : zigzagVarintLength(n) + n);

/**
 * The bytes of one record's body that do not depend on where it sits in a batch: attributes,
 * key, value and headers, everything but its timestamp and offset deltas. A message as KafkaBus
 * hands it over (key and header values strings or Buffers); anything else is a TypeError naming it.
 *
 * @param {SizedMessage} message
 * @returns {number}
 */
export function recordBodyBase(message) {
  let size = 1 + lengthAndBytes(byteLength(message.key, 'message key', true));
  size += lengthAndBytes(byteLength(message.value, 'message value', true));
  let count = 0;
  const headers = message.headers;
  if (headers !== undefined && (headers === null || typeof headers !== 'object'))
    throw new TypeError('message headers must be an object');
  for (const name in headers) {
    size += lengthAndBytes(byteLength(name, 'header name', false));
    size += lengthAndBytes(byteLength(headers[name], `header '${name}'`, false));
    count++;
  }
  return size + zigzagVarintLength(count);
}

/**
 * The exact bytes one record takes in a batch (its length prefix included), from its
 * recordBodyBase and its offset and timestamp deltas: what encodePartitionRecords writes.
 * @param {number} base
 * @param {number} offsetDelta
 * @param {number} timestampDelta
 * @returns {number}
 */
export function recordSize(base, offsetDelta, timestampDelta) {
  const body = base + zigzagVarintLength(timestampDelta) + zigzagVarintLength(offsetDelta);
  return zigzagVarintLength(body) + body;
}

/**
 * Encodes `Partition i32, RecordSet (i32 size + RecordBatch)` for kafkajs's produce request, the
 * bytes kafkajs would write for the same arguments, and refusing with a TypeError what kafkajs
 * cannot encode either (a number as a key, a null header value, a timestamp that is no number).
 *
 * @param {PartitionRecordsInput} input
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
  // kafkajs's own rule, quirks included: the batch's first and max timestamps are the least and
  // greatest of the messages' timestamps ordered as strings, and a message whose timestamp is
  // falsy (absent, 0 or '') is stamped `now`.
  /** @type {(string | number)[]} */
  const stamps = [];
  for (const message of messages) if (message.timestamp != null) stamps.push(message.timestamp);
  stamps.sort();
  // Both read only when there are stamps.
  const first = stamps.length === 0 ? now : millis(/** @type {string | number} */ (stamps[0]));
  const max = stamps.length === 0 ? now : millis(/** @type {string | number} */ (stamps[stamps.length - 1]));

  // First pass: every record's fields and sizes; the second writes them where they go.
  const count = messages.length;
  // Arrays of the messages' length, filled in order below; so indexing them up to `count` finds
  // an element, as the casts where they are read say.
  const keys = /** @type {(Buffer | null)[]} */ (new Array(count));
  const values = /** @type {(Buffer | null)[]} */ (new Array(count));
  const headers = /** @type {(Buffer | null)[][]} */ (new Array(count));
  const deltas = /** @type {number[]} */ (new Array(count));
  const bodies = /** @type {number[]} */ (new Array(count));
  let recordsSize = 0;
  for (let i = 0; i < count; i++) {
    const message = /** @type {PartitionMessage} */ (messages[i]);
    const key = asBytes(message.key, 'message key', true);
    const value = asBytes(message.value, 'message value', true);
    const list = headerList(message.headers);
    const delta = millis(message.timestamp || now) - first;
    let body = 1 + zigzagVarintLength(delta) + zigzagVarintLength(i);
    body += key === null ? 1 : zigzagVarintLength(key.length) + key.length;
    body += value === null ? 1 : zigzagVarintLength(value.length) + value.length;
    body += zigzagVarintLength(list.length / 2);
    for (const bytes of list) body += bytes === null ? 1 : zigzagVarintLength(bytes.length) + bytes.length;
    keys[i] = key;
    values[i] = value;
    headers[i] = list;
    deltas[i] = delta;
    bodies[i] = body;
    recordsSize += zigzagVarintLength(body) + body;
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
    at = writeVarint(out, at, /** @type {number} */ (bodies[i]));
    out[at++] = 0; // record attributes
    at = writeVarint(out, at, /** @type {number} */ (deltas[i]));
    at = writeVarint(out, at, i);
    for (const bytes of /** @type {(Buffer | null)[]} */ ([keys[i], values[i]])) {
      if (bytes === null) at = writeVarint(out, at, -1);
      else {
        at = writeVarint(out, at, bytes.length);
        out.set(bytes, at);
        at += bytes.length;
      }
    }
    const list = /** @type {(Buffer | null)[]} */ (headers[i]);
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

// ---------------------------------------------------------------------------------------------
// Decoding: one record of a fetched batch, to exactly what kafkajs's record decoder returns,
// reading the bytes in place. kafkajs builds the offset and timestamp through 64-bit Long
// objects (several per varint byte) and the headers object by spreading it once per header.

const LOG_APPEND_TIME = 1;
const SAFE = Number.MAX_SAFE_INTEGER;
let at = 0;

/**
 * A zig-zag varint (32-bit, as kafkajs reads it) at `at`. Past the end of `buf` a byte reads as
 * undefined, which ends the varint as 0 bits, exactly as kafkajs's Decoder reads it; the casts
 * below keep that.
 * @param {Buffer} buf
 * @returns {number}
 */
function readVarint(buf) {
  let result = 0;
  let shift = 0;
  /** @type {number} */
  let byte;
  do {
    byte = /** @type {number} */ (buf[at++]);
    result += (byte & 0x7f) << shift;
    shift += 7;
  } while (byte >= 0x80);
  return (result >>> 1) ^ -(result & 1);
}

/**
 * A zig-zag varlong at `at`, as a number when it is safe and a bigint when not. Like kafkajs:
 * at most 10 bytes, and no wrapping to 64 bits.
 * @param {Buffer} buf
 * @returns {number | bigint}
 */
function readVarlong(buf) {
  const start = at;
  let result = 0;
  let scale = 1;
  /** @type {number} */
  let byte;
  do {
    if (at - start === 10) throw new KafkaJSInvalidLongError('Invalid Long, must contain 9 bytes or less');
    byte = /** @type {number} */ (buf[at++]);
    result += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte >= 0x80);
  if (result <= SAFE) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  at = start;
  let big = 0n;
  let bits = 0n;
  do {
    byte = /** @type {number} */ (buf[at++]);
    big += BigInt(byte & 0x7f) << bits;
    bits += 7n;
  } while (byte >= 0x80);
  return (big >> 1n) ^ -(big & 1n);
}

/**
 * @param {Buffer} buf
 * @returns {Buffer | null}
 */
function readBytes(buf) {
  const length = readVarint(buf);
  if (length === -1) return null;
  const bytes = buf.slice(at, at + length);
  at += length;
  return bytes;
}

/**
 * `base` (a decimal string, as kafkajs passes it) plus `delta`, as a decimal string.
 * @param {string} base
 * @param {number | bigint} delta
 * @returns {string}
 */
function addToDecimal(base, delta) {
  const n = Number(base);
  if (typeof delta === 'number' && Math.abs(n) <= SAFE) {
    const sum = n + delta;
    if (Math.abs(sum) <= SAFE) return String(sum);
  }
  return (BigInt(base) + BigInt(delta)).toString();
}

/**
 * Decodes one record from kafkajs's decoder over its bytes, given kafkajs's batch context.
 *
 * @param {RecordDecoderInput} decoder
 * @param {RecordBatchContext} [batchContext] kafkajs's own default, `{}`, when omitted (kafkajs
 *   always passes one)
 * @returns {DecodedRecord}
 */
export function decodeRecord(decoder, batchContext = /** @type {RecordBatchContext} */ ({})) {
  const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const buf = decoder.buffer;
  at = decoder.offset;
  const attributes = buf.readInt8(at++);
  const timestampDelta = readVarlong(buf);
  const timestamp =
    timestampType === LOG_APPEND_TIME && maxTimestamp ? maxTimestamp : addToDecimal(firstTimestamp, timestampDelta);
  const offset = addToDecimal(firstOffset, readVarint(buf));
  const key = readBytes(buf);
  const value = readBytes(buf);
  /** @type {DecodedRecord['headers']} */
  const headers = {};
  const count = readVarint(buf);
  // kafkajs makes `new Array(count)`: a count below -1 (corrupt) throws there.
  if (count < -1) throw new RangeError('Invalid array length');
  for (let i = 0; i < count; i++) {
    const name = readBytes(buf);
    // A null name indexes as 'null' below, as it does in kafkajs: hence the casts to string.
    const headerName = name === null ? null : name.toString('utf8');
    const headerValue = readBytes(buf);
    // kafkajs's reduce, step for step: a name seen before (looked up through the prototype,
    // as kafkajs does) collects its values in an array; `__proto__` is an own property.
    const existing = headers[/** @type {string} */ (headerName)];
    const next =
      existing === undefined
        ? headerValue
        : Array.isArray(existing)
          ? existing.concat([headerValue])
          : [existing, headerValue];
    if (headerName === '__proto__') {
      Object.defineProperty(headers, headerName, { value: next, writable: true, enumerable: true, configurable: true });
    } else headers[/** @type {string} */ (headerName)] = next;
  }
  decoder.offset = at;
  return {
    magicByte,
    attributes,
    timestamp,
    offset,
    key,
    value,
    headers,
    isControlRecord: isControlBatch,
    batchContext,
  };
}
