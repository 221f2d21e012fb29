// Decoding: the writer's schema id from the header, the body read as the topic's current schema
// (writer→reader resolution), and a MALFORMED verdict unless the body ends where the bytes do.
import { AvroError, messageOf } from './errors.js';
import type { AvroCodec, DecodedMessage, DecodeOptions, TopicValueOf } from './codec-types.js';
import type { CodecSchemas, SchemaEntry } from './codec-schemas.js';
import type { SchemaRegistry } from './registry.js';
import { HEADER_SIZE, readSchemaId } from './wire-format.js';

/** The bytes as a Buffer over the same memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** MALFORMED for a body that ended at `offset`: before the bytes do (negative offset) or after. */
export function badLength(buf: Buffer, offset: number, id: number): AvroError {
  if (offset < 0) {
    return new AvroError({
      code: 'MALFORMED',
      message: `Avro body truncated: ${buf.length} bytes end before a schema id ${id} value does`,
    });
  }
  return new AvroError({
    code: 'MALFORMED',
    message: `${buf.length - offset} unexpected trailing byte(s) after a schema id ${id} value`,
  });
}

// The hot path: plain property reads and one result object, no spreads or closures per call.
export function decodeFramed<T extends string>(
  schemas: CodecSchemas,
  buf: Buffer,
  writer: SchemaEntry,
  options?: DecodeOptions<T>,
): DecodedMessage<TopicValueOf<T>> {
  const target = options?.topic === undefined ? undefined : schemas.topic(options.topic);
  const reader = target === undefined ? writer : target.schema;
  const resolver = reader === writer ? undefined : schemas.resolver(reader, writer);
  let result: { value: unknown; offset: number };
  try {
    result = reader.type.decode(buf, HEADER_SIZE, resolver);
  } catch (err) {
    throw new AvroError({
      code: 'MALFORMED',
      message: `Avro body does not match schema id ${writer.id}: ${messageOf(err)}`,
      cause: err,
    });
  }
  if (result.offset !== buf.length) throw badLength(buf, result.offset, writer.id);
  const value = result.value as TopicValueOf<T>;
  if (target === undefined) return { value, schemaId: writer.id, readerSchemaId: reader.id };
  return { value, schemaId: writer.id, readerSchemaId: reader.id, topic: target.topic, subject: target.subject };
}

export function createDecoding(
  schemas: CodecSchemas,
  registry: SchemaRegistry,
): Pick<AvroCodec, 'decode' | 'decodeAsync'> {
  return {
    decode(bytes, options) {
      const buf = asBuffer(bytes);
      const writerId = readSchemaId(buf);
      const writer = schemas.known(writerId);
      if (!writer) {
        throw new AvroError({
          code: 'UNKNOWN_SCHEMA_ID',
          message: `schema id ${writerId} is not in the catalog; decodeAsync can fetch it from the registry`,
        });
      }
      return decodeFramed(schemas, buf, writer, options);
    },
    async decodeAsync(bytes, options) {
      const buf = asBuffer(bytes);
      const writerId = readSchemaId(buf);
      let writer = schemas.known(writerId);
      if (!writer) {
        schemas.add(writerId, await registry.getSchemaById(writerId));
        writer = schemas.entry(writerId);
      }
      return decodeFramed(schemas, buf, writer, options);
    },
  };
}
