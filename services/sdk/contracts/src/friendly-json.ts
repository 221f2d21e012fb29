// Friendly JSON ↔ codec values. The friendly form is what examples, the gateway's JSON
// payloads and operators use: timestamps as ISO-8601 strings, dates 'YYYY-MM-DD', decimals as
// strings, nullable fields as null or the bare value (no Avro-JSON union wrappers), bytes base64.
import type avro from 'avsc';
import type { FieldError } from './errors.js';
import { fieldPath, isPlainObject, shapeOf } from './type-shape.js';
import { describeValue, fieldError, unknownFieldError } from './validate.js';

/** JSON-compatible value (what `toJson` returns and `fromJson` accepts). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const TIMESTAMP_EXPECTED = 'ISO-8601 timestamp string with a zone, e.g. "2025-11-27T14:05:00Z"';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type FromJson = (json: unknown, path: string, errors: FieldError[]) => unknown;
type ToJson = (value: unknown) => JsonValue;

/**
 * Compiles a converter from friendly JSON to the codec's value. It converts what it can,
 * leaves anything it cannot convert as is (the validator then names it), and reports
 * properties the schema does not define and unparseable timestamps itself.
 */
export function compileFromJson(type: avro.Type): (json: unknown) => { value: unknown; errors: FieldError[] } {
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
        if (shape.name !== 'timestamp-millis') return (j) => j;
        return (j, p, e) => {
          if (typeof j !== 'string' || !ISO_TIMESTAMP.test(j) || Number.isNaN(Date.parse(j))) {
            e.push(fieldError(p, TIMESTAMP_EXPECTED, describeValue(j)));
            return j;
          }
          return new Date(j);
        };
      case 'primitive':
        if (shape.name !== 'bytes') return (j) => j;
        return (j) => (typeof j === 'string' && BASE64.test(j) ? Buffer.from(j, 'base64') : j);
      case 'enum':
        return (j) => j;
      case 'nullable': {
        const inner = compile(shape.inner);
        return (j, p, e) => (j === null ? null : inner(j, p, e));
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

/** Compiles a converter from a codec value to friendly JSON (fields in schema order). */
export function compileToJson(type: avro.Type): (value: unknown) => JsonValue {
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
        return shape.name === 'timestamp-millis'
          ? (v) => (v instanceof Date ? v.toISOString() : (v as JsonValue))
          : (v) => v as JsonValue;
      case 'primitive':
        return shape.name === 'bytes'
          ? (v) => (Buffer.isBuffer(v) ? v.toString('base64') : (v as JsonValue))
          : (v) => v as JsonValue;
      case 'enum':
        return (v) => v as JsonValue;
      case 'nullable': {
        const inner = compile(shape.inner);
        return (v) => (v === null || v === undefined ? null : inner(v));
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
        const fields = shape.fields.map((f) => ({ name: f.name, convert: compile(f.type) }));
        return (v) => {
          if (!isPlainObject(v)) return v as JsonValue;
          const out: Record<string, JsonValue> = {};
          for (const field of fields) {
            const item = v[field.name];
            if (item !== undefined) out[field.name] = field.convert(item);
          }
          return out;
        };
      }
    }
  };
  return compile(type);
}
