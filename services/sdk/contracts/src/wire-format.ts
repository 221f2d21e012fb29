// Confluent's wire format: magic byte 0, the schema id as a 4-byte big-endian int, then the
// Avro binary body. Any Confluent-compatible deserializer (Kafka UI, Connect, ksqlDB) reads it.
import { AvroError } from './errors.js';

export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

/** Schema id of a framed message; throws MALFORMED for anything that is not one. */
export function readSchemaId(buf: Uint8Array): number {
  if (buf.length < HEADER_SIZE) {
    throw new AvroError({
      code: 'MALFORMED',
      message: `message too short for the Confluent wire format: ${buf.length} byte(s), need at least ${HEADER_SIZE}`,
    });
  }
  if (buf[0] !== MAGIC_BYTE) {
    throw new AvroError({
      code: 'MALFORMED',
      message: `unknown magic byte ${String(buf[0])}: not a Confluent-framed Avro message (expected ${MAGIC_BYTE})`,
    });
  }
  const id = ((buf[1] ?? 0) << 24) | ((buf[2] ?? 0) << 16) | ((buf[3] ?? 0) << 8) | (buf[4] ?? 0);
  if (id <= 0) throw new AvroError({ code: 'MALFORMED', message: `invalid schema id ${id} in message header` });
  return id;
}

export function writeHeader(buf: Buffer, schemaId: number): void {
  buf[0] = MAGIC_BYTE;
  buf.writeInt32BE(schemaId, 1);
}
