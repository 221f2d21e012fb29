// Records no Puente producer would write, for tests that a consumer sets them aside and goes on:
// bytes that are not Avro, a Confluent frame naming a schema id nobody knows, and an event whose
// `meta.eventId` is not a UUID (built by hand: the codec refuses to encode one).
import { HEADER_SIZE } from '../wire-format.js';

export const NOT_AVRO = Buffer.from('this is not avro at all', 'utf8');

/** Magic byte, a schema id no catalog has, and a body. */
export function unknownSchemaIdRecord(schemaId = 987_654_321): Buffer {
  const bytes = Buffer.alloc(HEADER_SIZE + 4, 2);
  bytes[0] = 0;
  bytes.writeInt32BE(schemaId, 1);
  return bytes;
}

function varint(value: number): Buffer {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

function readVarint(bytes: Buffer, at: number): { value: number; end: number } {
  let value = 0;
  let factor = 1;
  let end = at;
  for (;;) {
    const byte = bytes[end++];
    if (byte === undefined) throw new Error('truncated varint');
    value += (byte & 0x7f) * factor;
    if (byte < 0x80) return { value, end };
    factor *= 128;
  }
}

/**
 * A framed event with its first field — `meta.eventId` on every Puente event topic — replaced by
 * `eventId`, which need not be a UUID. Avro strings are a zigzag length then UTF-8 bytes.
 */
export function withEventId(framed: Buffer, eventId: string): Buffer {
  const { value: zigzag, end } = readVarint(framed, HEADER_SIZE);
  const after = end + zigzag / 2;
  const text = Buffer.from(eventId, 'utf8');
  return Buffer.concat([framed.subarray(0, HEADER_SIZE), varint(text.length * 2), text, framed.subarray(after)]);
}
