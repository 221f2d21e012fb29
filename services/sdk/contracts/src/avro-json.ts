// Avro JSON as the Avro specification defines it (what PAYLOAD_FORMAT_AVRO_JSON promises):
// a logical type is its underlying type (timestamp-millis and date are numbers, decimal is
// bytes), bytes are ISO-8859-1 strings (one character per byte), and a non-null union value is
// wrapped as {"<branch>": value}, the branch named by its primitive type or the full name of
// its named type. Standard Avro tooling (Java's JsonEncoder, python's and others') reads and
// writes this form; the friendlier form for people is friendly-json.ts, never sent over gRPC.
import type avro from 'avsc';

import type { FieldError } from './errors.js';
import type { JsonValue } from './friendly-json.js';
import { epochDayOf, isoDateOf, type DecimalType } from './logical-types.js';
import { fieldPath, isPlainObject, shapeOf } from './type-shape.js';
import { describeValue, fieldError, unknownFieldError } from './validate.js';

type FromJson = (json: unknown, path: string, errors: FieldError[]) => unknown;

/**
 * A float or double JSON numbers cannot carry (JSON.stringify would write null), as Apache
 * Avro's Java JsonEncoder writes and its JsonDecoder reads them: the strings "NaN", "Infinity"
 * and "-Infinity".
 */
const NON_FINITE: ReadonlySet<string> = new Set(['NaN', 'Infinity', '-Infinity']);
type ToJson = (value: unknown) => JsonValue;

/** Bytes as the specification's JSON carries them: each byte one character U+0000–U+00FF. */
function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/** The name a union's JSON wraps a branch's value in: its primitive type or its full name. */
export function unionBranchName(type: avro.Type): string {
  const shape = shapeOf(type);
  switch (shape.kind) {
    case 'logical':
      return shape.underlying.typeName;
    case 'record':
    case 'enum':
      return type.name ?? shape.name;
    case 'nullable':
      throw new Error('a union cannot hold a union');
    default:
      return shape.kind === 'primitive' ? shape.name : shape.kind;
  }
}

/**
 * Compiles a reader of Avro JSON into the codec's values (Date, 'YYYY-MM-DD', decimal strings).
 * It converts what it can and reports what the encoding itself gets wrong (an unwrapped union
 * value, a timestamp that is not a whole number, a bytes string with characters beyond U+00FF,
 * an unknown field); what it leaves as is, the validator then names.
 */
export function compileFromAvroJson(type: avro.Type): (json: unknown) => { value: unknown; errors: FieldError[] } {
  const cache = new Map<avro.Type, FromJson>();
  const compile = (t: avro.Type): FromJson => {
    const cached = cache.get(t);
    if (cached) return cached;
    let impl: FromJson = (j) => j;
    cache.set(t, (j, p, e) => impl(j, p, e));
    impl = build(t);
    cache.set(t, impl);
    return impl;
  };
  const build = (t: avro.Type): FromJson => {
    const shape = shapeOf(t);
    switch (shape.kind) {
      case 'logical':
        switch (shape.name) {
          case 'timestamp-millis':
            return (j, p, e) => {
              if (typeof j === 'number' && Number.isSafeInteger(j)) return new Date(j);
              e.push(
                fieldError(p, 'long (timestamp-millis: milliseconds since 1970-01-01T00:00:00Z)', describeValue(j)),
              );
              return j;
            };
          case 'date':
            return (j, p, e) => {
              if (typeof j === 'number' && Number.isSafeInteger(j)) return isoDateOf(j);
              e.push(fieldError(p, 'int (date: days since 1970-01-01)', describeValue(j)));
              return j;
            };
          case 'decimal': {
            const decimal = shape.logical as DecimalType;
            const expected = `bytes (${decimal.expected.replace(' string', '')}: two's complement of the unscaled value as an ISO-8859-1 string)`;
            return (j, p, e) => {
              if (typeof j === 'string' && isLatin1(j)) return decimal.fromUnscaledBytes(Buffer.from(j, 'latin1'));
              e.push(fieldError(p, expected, describeValue(j)));
              return j;
            };
          }
          default:
            return (j) => j;
        }
      case 'primitive':
        if (shape.name === 'float' || shape.name === 'double') {
          return (j) => (typeof j === 'string' && NON_FINITE.has(j) ? Number(j) : j);
        }
        if (shape.name !== 'bytes') return (j) => j;
        return (j, p, e) => {
          if (typeof j === 'string' && isLatin1(j)) return Buffer.from(j, 'latin1');
          e.push(fieldError(p, 'bytes (an ISO-8859-1 string)', describeValue(j)));
          return j;
        };
      case 'enum':
        return (j) => j;
      case 'nullable': {
        const inner = compile(shape.inner);
        const branch = unionBranchName(shape.inner);
        const expected = `null or {"${branch}": …} (Avro JSON wraps a union's non-null value)`;
        return (j, p, e) => {
          if (j === null) return null;
          if (isPlainObject(j)) {
            const keys = Object.keys(j);
            if (keys.length === 1 && keys[0] === branch) return inner(j[branch], p, e);
          }
          e.push(fieldError(p, expected, describeValue(j)));
          return j;
        };
      }
      case 'array': {
        const items = compile(shape.items);
        return (j, p, e) => (Array.isArray(j) ? j.map((item: unknown, i) => items(item, `${p}[${i}]`, e)) : j);
      }
      case 'map': {
        const values = compile(shape.values);
        return (j, p, e) => {
          if (!isPlainObject(j)) return j;
          const out: Record<string, unknown> = {};
          for (const [key, item] of Object.entries(j)) out[key] = values(item, `${p}[${JSON.stringify(key)}]`, e);
          return out;
        };
      }
      case 'record': {
        const fields = shape.fields.map((f) => ({ name: f.name, convert: compile(f.type) }));
        const names = new Set(shape.fields.map((f) => f.name));
        return (j, p, e) => {
          if (!isPlainObject(j)) return j;
          const out: Record<string, unknown> = {};
          for (const field of fields) {
            if (!Object.hasOwn(j, field.name)) continue;
            out[field.name] = field.convert(j[field.name], fieldPath(p, field.name), e);
          }
          for (const key of Object.keys(j)) {
            if (!names.has(key)) e.push(unknownFieldError(fieldPath(p, key), shape.name, j[key]));
          }
          return out;
        };
      }
    }
  };
  const root = compile(type);
  return (json) => {
    const errors: FieldError[] = [];
    const value = root(json, '', errors);
    return { value, errors };
  };
}

/**
 * Compiles a writer of Avro JSON from a valid codec value: every field in schema order (a
 * missing one as its default), unions wrapped, logical types as their underlying type.
 */
export function compileToAvroJson(type: avro.Type): (value: unknown) => JsonValue {
  const cache = new Map<avro.Type, ToJson>();
  const compile = (t: avro.Type): ToJson => {
    const cached = cache.get(t);
    if (cached) return cached;
    let impl: ToJson = (v) => v as JsonValue;
    cache.set(t, (v) => impl(v));
    impl = build(t);
    cache.set(t, impl);
    return impl;
  };
  const build = (t: avro.Type): ToJson => {
    const shape = shapeOf(t);
    switch (shape.kind) {
      case 'logical':
        switch (shape.name) {
          case 'timestamp-millis':
            return (v) => (v instanceof Date ? v.getTime() : (v as JsonValue));
          case 'date':
            return (v) => (typeof v === 'string' ? (epochDayOf(v) ?? v) : (v as JsonValue));
          case 'decimal': {
            const decimal = shape.logical as DecimalType;
            return (v) =>
              typeof v === 'string' ? (decimal.toUnscaledBytes(v)?.toString('latin1') ?? v) : (v as JsonValue);
          }
          default:
            return (v) => v as JsonValue;
        }
      case 'primitive':
        if (shape.name === 'float' || shape.name === 'double') {
          return (v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : (v as JsonValue));
        }
        return shape.name === 'bytes'
          ? (v) => (Buffer.isBuffer(v) ? v.toString('latin1') : (v as JsonValue))
          : (v) => v as JsonValue;
      case 'enum':
        return (v) => v as JsonValue;
      case 'nullable': {
        const inner = compile(shape.inner);
        const branch = unionBranchName(shape.inner);
        return (v) => (v === null || v === undefined ? null : { [branch]: inner(v) });
      }
      case 'array': {
        const items = compile(shape.items);
        return (v) => (Array.isArray(v) ? v.map(items) : (v as JsonValue));
      }
      case 'map': {
        const values = compile(shape.values);
        return (v) => {
          if (!isPlainObject(v)) return v as JsonValue;
          const out: Record<string, JsonValue> = {};
          for (const [key, item] of Object.entries(v)) out[key] = values(item);
          return out;
        };
      }
      case 'record': {
        const fields = (t as avro.types.RecordType).fields.map((f) => ({
          name: f.name,
          convert: compile(f.type),
          fallback: (): unknown => f.defaultValue(),
        }));
        return (v) => {
          if (!isPlainObject(v)) return v as JsonValue;
          const out: Record<string, JsonValue> = {};
          for (const field of fields) {
            const item = v[field.name];
            out[field.name] = field.convert(item === undefined ? field.fallback() : item);
          }
          return out;
        };
      }
    }
  };
  return compile(type);
}
