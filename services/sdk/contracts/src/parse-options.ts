// One set of avsc options for every parse of a Puente schema, so logical types, unions and
// record objects behave the same in tooling, the codec and tests.
import avro from 'avsc';

import { enumIndicesOf, internalsOf, writeAvscString, type Tap, type TapReader } from './avsc-internals.js';
import { logicalTypes } from './logical-types.js';

export function forSchemaOptions(registry: Record<string, avro.Type> = {}): Partial<avro.ForSchemaOptions> {
  return {
    registry,
    logicalTypes,
    // Without this avsc silently falls back to the underlying type on a bad decimal.
    assertLogicalTypes: true,
    wrapUnions: 'auto',
    // Decoded records are plain data objects, without avsc's per-record helper methods.
    omitRecordMethods: true,
    typeHook: (schema, opts) => {
      const s = schema as { readonly type?: unknown; readonly logicalType?: unknown };
      if (typeof s === 'object' && s !== null && s.type === 'array') return new BoundedArrayType(schema, opts);
      if (typeof s === 'object' && s !== null && s.type === 'record' && !s.logicalType) {
        return annotatedRecord(schema, opts);
      }
      // Plain strings only: a logical type over a string (uuid …) keeps avsc's own handling.
      const plainString =
        schema === 'string' || (typeof s === 'object' && s !== null && s.type === 'string' && !s.logicalType);
      return plainString ? new AsciiFastStringType() : undefined;
    },
  };
}

/** The `puente.*` attributes of each annotated record type's fields, by field name (see fieldAnnotationsOf). */
const fieldAnnotations = new WeakMap<avro.Type, ReadonlyMap<string, Readonly<Record<string, unknown>>>>();

/**
 * avsc keeps no custom attribute of a record field (its Field copies name, type, aliases, doc,
 * order and default), so a record whose fields carry `puente.*` attributes (e.g.
 * `puente.domesticOnly`) is built here, as avsc would build it, and its fields' attributes are
 * kept beside the type. Undefined (avsc builds the record) when no field has one.
 */
function annotatedRecord(schema: avro.Schema, opts: unknown): avro.Type | undefined {
  const fields = (schema as { readonly fields?: unknown }).fields;
  if (!Array.isArray(fields)) return undefined;
  const annotations = new Map<string, Readonly<Record<string, unknown>>>();
  for (const field of fields as unknown[]) {
    if (typeof field !== 'object' || field === null) continue;
    const entries = Object.entries(field).filter(([key]) => key.startsWith('puente.'));
    const name = (field as { readonly name?: unknown }).name;
    if (entries.length > 0 && typeof name === 'string')
      annotations.set(name, Object.freeze(Object.fromEntries(entries)));
  }
  if (annotations.size === 0) return undefined;
  const type = new avro.types.RecordType(schema, opts);
  fieldAnnotations.set(type, annotations);
  return type;
}

/** The `puente.*` attributes the schema gives a record's field (`{ 'puente.domesticOnly': true }`), or none. */
export function fieldAnnotationsOf(record: avro.Type, field: string): Readonly<Record<string, unknown>> {
  return fieldAnnotations.get(record)?.get(field) ?? NO_ANNOTATIONS;
}

const NO_ANNOTATIONS: Readonly<Record<string, unknown>> = Object.freeze({});

/** Strings up to this many bytes are read byte by byte when ASCII. */
const SHORT_READ = 16;

/**
 * One array per length for the character codes of a short string being read: the string is then
 * made by one String.fromCharCode call, without a temporary per character (appending a
 * character at a time made a new string per character: the largest source of garbage when
 * decoding a manifest).
 */
const charCodes: number[][] = Array.from({ length: SHORT_READ + 1 }, (_, n) => new Array<number>(n).fill(0));

/**
 * avsc's string writer measures every string with Buffer.byteLength, and its reader decodes
 * every string with a call into C++; for short strings either call costs more than the work.
 * Most of our strings are short and ASCII (codes, ids, names): those are written byte per
 * character, and read so up to 16 bytes; anything else goes through Buffer's UTF-8. The bytes
 * are the same either way (a test compares them with avsc's).
 */
export class AsciiFastStringType extends avro.types.StringType {
  _read(tap: Tap): string | undefined {
    const n = tap.readLong();
    if (n < 0) {
      tap._invalidate();
      return '';
    }
    const { buf } = tap;
    const pos = tap.pos;
    const end = pos + n;
    tap.pos = end;
    if (end > buf.length) return undefined;
    if (n <= SHORT_READ) {
      const codes = charCodes[n]!;
      for (let i = 0; i < n; i++) {
        const byte = buf[pos + i]!;
        if (byte >= 0x80) return buf.toString('utf8', pos, end);
        codes[i] = byte;
      }
      return String.fromCharCode.apply(null, codes);
    }
    return buf.toString('utf8', pos, end);
  }

  _write(tap: Tap, value: unknown): void {
    if (typeof value === 'string' && value.length <= 64) {
      const n = value.length;
      let i = 0;
      while (i < n && value.charCodeAt(i) < 0x80) i++;
      if (i === n) {
        tap.writeLong(n);
        const { buf } = tap;
        const pos = tap.pos;
        tap.pos = pos + n;
        // Past the end: avsc's convention, the caller sees the overflow and retries bigger.
        if (tap.pos > buf.length) return;
        for (let j = 0; j < n; j++) buf[pos + j] = value.charCodeAt(j);
        return;
      }
    }
    writeAvscString.call(this, tap, value);
  }
}

/**
 * An array whose reader refuses block counts larger than the bytes left. avsc trusts the
 * count, so a corrupt or hostile message claiming 2^32 items makes it loop and allocate until
 * the process dies. Every item of a Puente schema takes at least one byte (schema rules forbid
 * bare null types and empty records), so a larger count can only be garbage.
 */
class BoundedArrayType extends avro.types.ArrayType {
  // avsc binds this same function to resolvers (with `itemsType` set to the item resolver).
  _read(this: { readonly itemsType: TapReader }, tap: Tap): unknown[] {
    const items = this.itemsType;
    let values: unknown[] | undefined;
    let i = 0;
    let n = tap.readLong();
    while (n) {
      if (n < 0) {
        n = -n;
        tap.skipLong();
      }
      if (n > tap.buf.length - tap.pos) {
        tap._invalidate();
        return values ?? [];
      }
      values ??= new Array<unknown>(n);
      while (n--) values[i++] = items._read(tap);
      n = tap.readLong();
    }
    return values ?? [];
  }
}

/**
 * `Type.forSchema` with Puente's options, plus one fix: avsc looks enum symbols up in a plain
 * object, so "toString" or "constructor" pass its checks and are written as symbol 0 (silent
 * corruption of e.g. a classification). Giving that lookup a null prototype closes the hole.
 */
export function parseSchema(schema: avro.Schema, registry: Record<string, avro.Type> = {}): avro.Type {
  const type = avro.Type.forSchema(schema, forSchemaOptions(registry));
  hardenEnums(type, new Set());
  return type;
}

function hardenEnums(type: avro.Type, seen: Set<avro.Type>): void {
  if (seen.has(type)) return;
  seen.add(type);
  const internals = internalsOf(type);
  const indices = enumIndicesOf(type);
  if (indices) Object.setPrototypeOf(indices, null);
  for (const field of internals.fields ?? []) hardenEnums(field.type, seen);
  for (const branch of internals.types ?? []) hardenEnums(branch, seen);
  if (internals.itemsType) hardenEnums(internals.itemsType, seen);
  if (internals.valuesType) hardenEnums(internals.valuesType, seen);
  if (avro.Type.isType(type, 'logical') && internals.underlyingType) hardenEnums(internals.underlyingType, seen);
}
