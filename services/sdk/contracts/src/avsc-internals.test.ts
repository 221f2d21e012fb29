import { readFileSync } from 'node:fs';

import avro from 'avsc';
import { describe, expect, it } from 'vitest';

import { checkAvscInternals, EXPECTED_AVSC_VERSION, missingMembers, type AvscModule } from './avsc-internals.js';

/** Turns one type avsc made into a doctored copy of it (avsc freezes its types, so never in place). */
type Doctor = (type: avro.Type, schema: avro.Schema) => avro.Type;

/** A copy of the avsc module whose `forSchema` hands back `doctor`'s copy of each type it makes. */
function doctored(doctor: Doctor, types: Partial<AvscModule['types']> = {}): AvscModule {
  return {
    Type: { forSchema: (schema, opts) => doctor(avro.Type.forSchema(schema, opts), schema) },
    types: { ...avro.types, ...types },
  };
}

/** An unfrozen copy of `target` (same prototype, same own members) with `changes` applied. */
function copyWith<T extends object>(target: T, changes: Record<string, unknown>): T {
  const copy = Object.create(Object.getPrototypeOf(target) as object) as T;
  const members = { ...Object.getOwnPropertyDescriptors(target), ...Object.getOwnPropertyDescriptors(changes) };
  // Unfrozen: the copy's members stay writable and configurable (the original's do not).
  for (const [key, descriptor] of Object.entries(members)) {
    Object.defineProperty(copy, key, {
      ...descriptor,
      configurable: true,
      ...('value' in descriptor ? { writable: true } : {}),
    });
  }
  return copy;
}

const isRecord = (type: avro.Type): type is avro.types.RecordType => type.typeName === 'record';

/** For records: a copy whose field `name` has a type with `changes` applied. */
const onField =
  (name: string, changes: Record<string, unknown>): Doctor =>
  (type) =>
    isRecord(type)
      ? copyWith(type, {
          fields: type.fields.map((field) =>
            field.name === name ? copyWith(field, { type: copyWith(field.type, changes) }) : field,
          ),
        })
      : type;

/** For records: a copy with `changes` applied. */
const onRecord =
  (changes: Record<string, unknown>): Doctor =>
  (type) =>
    isRecord(type) ? copyWith(type, changes) : type;

function messageOf(mod: AvscModule): string {
  try {
    checkAvscInternals(mod, '9.9.9');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return 'no error';
}

class WithoutPrototypeWrite extends avro.types.StringType {}
Object.defineProperty(WithoutPrototypeWrite.prototype, '_write', { value: undefined });

/** A record whose writer hands its fields a Tap without writeFixed. */
const tapWithoutWriteFixed: Doctor = (type) => {
  if (!isRecord(type)) return type;
  const write = Reflect.get(type, '_write') as (tap: object, value: unknown) => void;
  const hide = (tap: object) =>
    new Proxy(tap, { get: (target, key) => (key === 'writeFixed' ? undefined : Reflect.get(target, key)) });
  return copyWith(type, { _write: (tap: object, value: unknown) => write(hide(tap), value) });
};

const cases: readonly { readonly name: string; readonly mod: AvscModule; readonly member: string }[] = [
  {
    name: 'a string type without _skip',
    mod: doctored((type, schema) => (schema === 'string' ? copyWith(type, { _skip: undefined }) : type)),
    member: "a string type's _skip",
  },
  {
    name: 'a string type without _write',
    mod: doctored((type, schema) => (schema === 'string' ? copyWith(type, { _write: undefined }) : type)),
    member: "a string type's _write",
  },
  {
    name: 'StringType.prototype without _write',
    mod: doctored((type) => type, { StringType: WithoutPrototypeWrite }),
    member: 'StringType.prototype._write',
  },
  {
    name: 'records without fields',
    mod: doctored(onRecord({ fields: undefined })),
    member: "a record type's fields (name, type)",
  },
  {
    name: 'fields without doc',
    mod: doctored((type) =>
      isRecord(type) ? copyWith(type, { fields: type.fields.map((f) => copyWith(f, { doc: undefined })) }) : type,
    ),
    member: "a record field's doc",
  },
  {
    name: 'an enum without _indices',
    mod: doctored(onField('e', { _indices: undefined })),
    member: "an enum type's _indices",
  },
  {
    name: 'an array without itemsType',
    mod: doctored(onField('a', { itemsType: undefined })),
    member: "an array type's itemsType",
  },
  {
    name: 'a map without valuesType',
    mod: doctored(onField('m', { valuesType: undefined })),
    member: "a map type's valuesType",
  },
  {
    name: 'a union without types',
    mod: doctored(onField('u', { types: undefined })),
    member: "a union type's types",
  },
  {
    name: 'a logical type without underlyingType',
    mod: doctored(onField('l', { underlyingType: undefined })),
    member: "a logical type's underlyingType",
  },
  {
    name: 'types without _attrs',
    mod: doctored(onRecord({ _attrs: undefined })),
    member: "a type's _attrs",
  },
  {
    name: "a record reader that no longer calls its fields' _read",
    mod: doctored(onRecord({ _read: () => ({}) })),
    member: "a record reader calling a string type's own _read",
  },
  {
    name: "a record writer that no longer calls its fields' _write",
    mod: doctored(onRecord({ _write: () => undefined })),
    member: "a record writer calling a logical type's own _write",
  },
  {
    name: 'a Tap without writeFixed',
    mod: doctored(tapWithoutWriteFixed),
    member: 'Tap#writeFixed',
  },
];

describe('the avsc internals check', () => {
  it.each(cases)('names the missing member: $name', ({ mod, member }) => {
    expect(missingMembers(mod)).toContain(member);
    const message = messageOf(mod);
    expect(message).toContain('avsc 9.9.9 does not have what Puente relies on (');
    expect(message).toContain(member);
    expect(message).toContain(`install avsc ${EXPECTED_AVSC_VERSION}, the version pinned in`);
    expect(message).toContain('services/sdk/contracts/package.json');
    // One sentence: no line break, no full stop before the final one.
    expect(message).not.toContain('\n');
    expect(message.endsWith('.')).toBe(true);
    expect(message.slice(0, -1)).not.toMatch(/\.\s/);
  });

  it('passes the installed avsc (and the doctored copies above left it untouched)', () => {
    expect(missingMembers(avro)).toEqual([]);
    expect(() => checkAvscInternals(avro, EXPECTED_AVSC_VERSION)).not.toThrow();
  });

  it('expects the avsc version package.json pins', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      readonly dependencies: Record<string, string>;
    };
    expect(manifest.dependencies['avsc']).toBe(EXPECTED_AVSC_VERSION);
  });
});
