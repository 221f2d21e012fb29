// Encoding: a value validated and framed (Confluent header, then the Avro body), written into one
// scratch buffer reused by every encode and copied out at its exact length.
import { AvroError } from './errors.js';
import type { AvroCodec } from './codec-types.js';
import { validatorOf, type CodecSchemas, type SchemaEntry } from './codec-schemas.js';
import { validationError } from './validation-error.js';
import { HEADER_SIZE, writeHeader } from './wire-format.js';

export const INITIAL_SCRATCH = 16 * 1024;
export const MAX_RETAINED_SCRATCH = 1024 * 1024;

/** Frames `value` as `entry`'s schema; `what` (a topic or `schema id N`) opens any error message. */
export type Frame = (entry: SchemaEntry, value: unknown, what: string) => Buffer;

export interface Encoding extends Pick<AvroCodec, 'encode' | 'encodeWithSchemaId'> {
  readonly frame: Frame;
}

/**
 * Why `value` cannot be encoded as `entry`: avsc's writer stops at the first bad value, the
 * validator names all of them. avsc's own error is dropped on purpose: its message quotes the raw
 * value (often personal data).
 */
export function encodeRefusal(entry: SchemaEntry, value: unknown, what: string): AvroError {
  const errors = validatorOf(entry)(value);
  if (errors.length === 0) {
    return new AvroError({ code: 'SCHEMA_VALIDATION', message: `${what}: value cannot be encoded as this schema` });
  }
  return validationError(what, errors);
}

export function createEncoding(schemas: CodecSchemas): Encoding {
  let scratch = Buffer.allocUnsafe(INITIAL_SCRATCH);

  // The hot path: one avsc write (two when the scratch grows), one copy out, no closures per call.
  function frame(entry: SchemaEntry, value: unknown, what: string): Buffer {
    let end: number;
    try {
      end = entry.type.encode(value, scratch, HEADER_SIZE);
      while (end < 0) {
        // avsc reports how many bytes were missing as a negative number.
        scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
        end = entry.type.encode(value, scratch, HEADER_SIZE);
      }
    } catch {
      throw encodeRefusal(entry, value, what);
    }
    const out = Buffer.allocUnsafe(end);
    scratch.copy(out, HEADER_SIZE, HEADER_SIZE, end);
    writeHeader(out, entry.id);
    // One huge message must not pin a huge scratch buffer for the life of the process.
    if (scratch.length > MAX_RETAINED_SCRATCH) scratch = Buffer.allocUnsafe(INITIAL_SCRATCH);
    return out;
  }

  return {
    frame,
    encode(topic, value) {
      return frame(schemas.topic(topic).schema, value, topic);
    },
    encodeWithSchemaId(schemaId, value) {
      return frame(schemas.require(schemaId), value, `schema id ${schemaId}`);
    },
  };
}
