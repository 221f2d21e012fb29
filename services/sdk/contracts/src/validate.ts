// The path-naming validator: walks a value against an avsc type and reports every bad field
// as `goods[3].hsCode: expected string, got null`. It is the slow, thorough path; the codec
// runs it on values read from JSON and once avsc's fast writer has already refused a value.
import type avro from 'avsc';
import type { FieldError } from './errors.js';
import { expectedOf, fieldPath, isPlainObject, shapeOf } from './type-shape.js';

export interface ValidateOptions {
  /** Also report properties the schema does not define (Avro itself ignores them). */
  readonly rejectUnknownFields?: boolean;
}

type Check = (value: unknown, path: string, errors: FieldError[]) => void;

/**
 * Short description of a value for messages. String contents are never echoed (they are
 * often personal data and messages end up in logs), except enum candidates, which are codes.
 */
export function describeValue(value: unknown, echoString = false): string {
  if (value === undefined) return 'undefined (missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    if (echoString) return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    return `string (${value.length} chars)`;
  }
  if (typeof value === 'number') return `number ${value}`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (typeof value === 'bigint') return 'bigint';
  if (Array.isArray(value)) return `array (${value.length} items)`;
  if (Buffer.isBuffer(value)) return `bytes (${value.length})`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid Date' : 'Date';
  return typeof value === 'object' ? 'object' : typeof value;
}

export function fieldError(path: string, expected: string, got: string, reason?: string): FieldError {
  const where = path || '(value)';
  const message = `${where}: expected ${expected}, got ${got}${reason === undefined ? '' : `: ${reason}`}`;
  return reason === undefined ? { path, expected, got, message } : { path, expected, got, reason, message };
}

export function unknownFieldError(path: string, recordName: string, value: unknown): FieldError {
  const expected = `no such field (record ${recordName} does not define it)`;
  return {
    path,
    expected,
    got: describeValue(value),
    message: `${path}: unknown field: record ${recordName} does not define it`,
  };
}

/** Compiles a validator for `type`; the returned function lists every bad path (empty = valid). */
export function compileValidator(type: avro.Type, options: ValidateOptions = {}): (value: unknown) => FieldError[] {
  const cache = new Map<avro.Type, Check>();
  const compile = (t: avro.Type): Check => {
    const cached = cache.get(t);
    if (cached) return cached;
    // Placeholder first, so a (forbidden, but harmless) recursive type cannot loop forever.
    let impl: Check = () => undefined;
    cache.set(t, (v, p, e) => impl(v, p, e));
    impl = build(t);
    cache.set(t, impl);
    return impl;
  };

  const build = (t: avro.Type): Check => {
    const shape = shapeOf(t);
    const expected = expectedOf(t);
    switch (shape.kind) {
      case 'primitive':
        return primitiveCheck(shape.name, expected);
      case 'logical': {
        const { logical } = shape;
        return (v, p, e) => {
          const reason = logical.problemWith(v);
          if (reason !== undefined) e.push(fieldError(p, expected, describeValue(v), reason));
        };
      }
      case 'enum': {
        const symbols = new Set(shape.symbols);
        return (v, p, e) => {
          if (typeof v !== 'string' || !symbols.has(v)) e.push(fieldError(p, expected, describeValue(v, true)));
        };
      }
      case 'array': {
        const items = compile(shape.items);
        return (v, p, e) => {
          if (!Array.isArray(v)) {
            e.push(fieldError(p, expected, describeValue(v)));
            return;
          }
          for (let i = 0; i < v.length; i += 1) items(v[i], `${p}[${i}]`, e);
        };
      }
      case 'map': {
        const values = compile(shape.values);
        return (v, p, e) => {
          if (!isPlainObject(v)) {
            e.push(fieldError(p, expected, describeValue(v)));
            return;
          }
          for (const [key, item] of Object.entries(v)) values(item, `${p}[${JSON.stringify(key)}]`, e);
        };
      }
      case 'nullable': {
        const inner = compile(shape.inner);
        return (v, p, e) => {
          if (v === null) return;
          const own: FieldError[] = [];
          inner(v, p, own);
          // A wrong kind of value at this very path reads better as "expected null or X".
          for (const err of own) e.push(err.path === p ? fieldError(p, expected, err.got, err.reason) : err);
        };
      }
      case 'record': {
        const fields = shape.fields.map((f) => ({ ...f, check: compile(f.type) }));
        const names = new Set(shape.fields.map((f) => f.name));
        const { rejectUnknownFields = false } = options;
        return (v, p, e) => {
          if (!isPlainObject(v)) {
            e.push(fieldError(p, expected, describeValue(v)));
            return;
          }
          for (const field of fields) {
            const value = v[field.name];
            if (value === undefined && field.hasDefault) continue;
            field.check(value, fieldPath(p, field.name), e);
          }
          if (rejectUnknownFields) {
            for (const key of Object.keys(v)) {
              if (!names.has(key)) e.push(unknownFieldError(fieldPath(p, key), shape.name, v[key]));
            }
          }
        };
      }
    }
  };

  const root = compile(type);
  return (value) => {
    const errors: FieldError[] = [];
    root(value, '', errors);
    return errors;
  };
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** A lone surrogate has no UTF-8 form: written, it would silently become U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function primitiveCheck(name: string, expected: string): Check {
  const test = primitiveTests[name] ?? (() => false);
  if (name === 'string') {
    return (v, p, e) => {
      if (!test(v)) e.push(fieldError(p, expected, describeValue(v)));
      else if (LONE_SURROGATE.test(v as string)) {
        e.push(fieldError(p, expected, describeValue(v), 'not valid Unicode (a lone surrogate has no UTF-8 form)'));
      }
    };
  }
  return (v, p, e) => {
    if (!test(v)) e.push(fieldError(p, expected, describeValue(v)));
  };
}

const primitiveTests: Readonly<Record<string, (v: unknown) => boolean>> = {
  null: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  int: (v) => typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX,
  long: (v) => typeof v === 'number' && Number.isSafeInteger(v),
  float: (v) => typeof v === 'number',
  double: (v) => typeof v === 'number',
  bytes: (v) => Buffer.isBuffer(v),
  string: (v) => typeof v === 'string',
};
