// fast-check arbitraries driven by Avro types: synthetic events for any schema, whose strings are
// long tokens so a leak of a withheld value can be found by a plain search of output bytes. Tokens
// are random but not guaranteed distinct (fast-check biases and shrinks towards equal uuids).
import fc from 'fast-check';
import type { Type } from 'avsc';

import { internalsOf } from '@puente/contracts/avsc';
import { unwrapNullable } from '../condition.js';

const token = fc.uuid().map((uuid) => `tok${uuid.replace(/-/g, '').slice(0, 20)}`);
const dateOnly = fc
  .date({ min: new Date('1940-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

export function arbitraryFor(type: Type, depth = 0): fc.Arbitrary<unknown> {
  const { type: inner, nullable } = unwrapNullable(type);
  const value = nonNull(inner, depth);
  return nullable ? fc.option(value, { nil: null, freq: 4 }) : value;
}

function nonNull(type: Type, depth: number): fc.Arbitrary<unknown> {
  const t = internalsOf(type);
  switch (t.typeName) {
    case 'record':
      return fc.record(
        Object.fromEntries((t.fields ?? []).map((field) => [field.name, arbitraryFor(field.type, depth + 1)])),
      );
    case 'array':
      return fc.array(t.itemsType ? arbitraryFor(t.itemsType, depth + 1) : fc.constant(null), {
        maxLength: depth > 2 ? 1 : 3,
      });
    case 'enum':
      return fc.constantFrom(...(t.symbols ?? []));
    case 'string':
      return token;
    case 'int':
      return fc.integer({ min: -1_000_000, max: 1_000_000 });
    case 'long':
      return fc.integer({ min: -1_000_000_000, max: 1_000_000_000 });
    case 'float':
    case 'double':
      return fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'bytes':
      return fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes));
    case 'logical:uuid':
      return fc.uuid();
    case 'logical:timestamp-millis':
      return fc.date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2035-01-01T00:00:00Z'),
        noInvalidDate: true,
      });
    case 'logical:date':
      return dateOnly;
    case 'logical:decimal': {
      const scale = t.scale ?? 0;
      const digits = Math.min((t.precision ?? 10) - 1, 12);
      return fc.integer({ min: -(10 ** digits - 1), max: 10 ** digits - 1 }).map((unscaled) => {
        const sign = unscaled < 0 ? '-' : '';
        const text = String(Math.abs(unscaled)).padStart(scale + 1, '0');
        return scale === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -scale)}.${text.slice(-scale)}`;
      });
    }
    default:
      throw new Error(`no arbitrary for Avro type ${t.typeName}`);
  }
}

export interface CandidatePath {
  readonly path: string;
  /** Actions that are valid at this path. */
  readonly actions: readonly string[];
}

/** Every addressable path of a schema with the actions an agreement may legally put there. */
export function candidatePaths(root: Type): CandidatePath[] {
  const out: CandidatePath[] = [];
  const walk = (type: Type, path: string, depth: number) => {
    const { type: inner } = unwrapNullable(type);
    const t = internalsOf(inner);
    if (t.typeName === 'record') {
      if (path) out.push({ path, actions: ['keep', 'drop'] });
      if (depth > 4) return;
      for (const field of t.fields ?? []) walk(field.type, path ? `${path}.${field.name}` : field.name, depth + 1);
      return;
    }
    if (t.typeName === 'array') {
      const items = t.itemsType ? unwrapNullable(t.itemsType).type.typeName : 'null';
      out.push({ path, actions: items === 'record' ? ['keep', 'drop'] : ['keep', 'drop', ...leafActions(items)] });
      if (t.itemsType && items === 'record') walk(t.itemsType, `${path}[*]`, depth + 1);
      return;
    }
    out.push({ path, actions: ['keep', 'drop', ...leafActions(t.typeName)] });
  };
  walk(root, '', 0);
  return out;
}

function leafActions(typeName: string): string[] {
  switch (typeName) {
    case 'string':
      return ['hash', '{ mask: initials }', '{ mask: last4 }', '{ mask: redact }'];
    case 'logical:uuid':
    case 'int':
    case 'long':
      return ['hash', '{ mask: last4 }', '{ mask: redact }'];
    case 'logical:date':
    case 'logical:timestamp-millis':
      return ['hash', '{ generalize: year }', '{ generalize: month }'];
    case 'logical:decimal':
    case 'bytes':
      return ['hash'];
    default:
      return [];
  }
}
