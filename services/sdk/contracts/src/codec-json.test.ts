// JSON in and out of the codec: conversion problems win over the validator's view of the same
// path, and Avro JSON of an older schema version is read as the topic's current schema.
import { describe, expect, it } from 'vitest';
import { parseSchemaText } from './catalog.js';
import { checked, createJsonConversions } from './codec-json.js';
import { createCodecSchemas, type SchemaEntry } from './codec-schemas.js';
import { createEncoding } from './codec-encode.js';
import { PARCELS, PARCELS_V1, tinyCatalog } from './codec-testing.js';
import type { FieldError } from './errors.js';

const problem = (path: string, message = `${path}: bad`): FieldError => ({ path, expected: 'x', got: 'y', message });

function setUp() {
  const schemas = createCodecSchemas(tinyCatalog());
  return createJsonConversions(schemas, createEncoding(schemas).frame);
}

describe('checked JSON reads', () => {
  it('drops the validator’s errors at and under a path the conversion already reported', () => {
    const validatorSays = ['a', 'a.b', 'a[0]', 'ab', 'c'].map((p) => problem(p, `${p}: from the validator`));
    const entry: SchemaEntry = { id: 1, type: parseSchemaText('"string"'), validate: () => validatorSays };
    let thrown: (Error & { fieldErrors: FieldError[] }) | undefined;
    try {
      checked('t', entry, { value: {}, errors: [problem('a', 'a: from the conversion')] });
    } catch (err) {
      thrown = err as Error & { fieldErrors: FieldError[] };
    }
    expect(thrown?.fieldErrors.map((e) => e.message)).toEqual([
      'a: from the conversion',
      'ab: from the validator',
      'c: from the validator',
    ]);
  });

  it('returns the value itself when neither finds anything', () => {
    const entry: SchemaEntry = { id: 1, type: parseSchemaText('"string"'), validate: () => [] };
    const value = { any: 'thing' };
    expect(checked('t', entry, { value, errors: [] })).toBe(value);
  });
});

describe('codec JSON conversions', () => {
  it('reads Avro JSON of an older version of the topic’s schema as the current one', () => {
    const json = setUp();
    expect(json.fromAvroJson(PARCELS, { parcelId: 'P', weightKg: 2 }, { schemaId: PARCELS_V1 })).toEqual({
      parcelId: 'P',
      weightKg: 2,
      note: null,
    });
    expect(json.fromAvroJson(PARCELS, { parcelId: 'P', weightKg: 2, note: { string: 'n' } })).toEqual({
      parcelId: 'P',
      weightKg: 2,
      note: 'n',
    });
    expect(() => json.fromAvroJson(PARCELS, { parcelId: 'P' }, { schemaId: PARCELS_V1 })).toThrow(
      expect.objectContaining({ code: 'SCHEMA_VALIDATION', message: expect.stringMatching(/^parcels\.v1: 1 invalid/) }),
    );
    expect(() => json.fromAvroJson(PARCELS, {}, { schemaId: 999 })).toThrow('schema id 999 is not known to this codec');
  });

  it('writes Avro JSON and friendly JSON, and reads friendly JSON back', () => {
    const json = setUp();
    const value = { parcelId: 'P', weightKg: 2, note: 'n' };
    expect(json.toAvroJson(PARCELS, value)).toEqual({ parcelId: 'P', weightKg: 2, note: { string: 'n' } });
    expect(json.toAvroJsonWithSchemaId(PARCELS_V1, { parcelId: 'P', weightKg: 2 })).toEqual({
      parcelId: 'P',
      weightKg: 2,
    });
    expect(() => json.toAvroJsonWithSchemaId(999, {})).toThrow(expect.objectContaining({ code: 'UNKNOWN_SCHEMA_ID' }));
    expect(json.toFriendlyJson(PARCELS, value)).toEqual(value);
    expect(json.fromFriendlyJson(PARCELS, value)).toEqual(value);
    expect(() => json.fromFriendlyJson(PARCELS, { ...value, extra: 1 })).toThrow(
      expect.objectContaining({ code: 'SCHEMA_VALIDATION' }),
    );
  });
});
