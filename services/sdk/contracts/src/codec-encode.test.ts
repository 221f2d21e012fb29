// Encoding: exact-length frames independent of the reused scratch buffer, at any size, and the
// refusal that names every bad field without quoting avsc.
import { describe, expect, it } from 'vitest';
import { parseSchemaText } from './catalog.js';
import { createCodecSchemas, type SchemaEntry } from './codec-schemas.js';
import { createEncoding, encodeRefusal, INITIAL_SCRATCH, MAX_RETAINED_SCRATCH } from './codec-encode.js';
import { PARCELS, PARCELS_V1, PARCELS_V2, tinyCatalog } from './codec-testing.js';

function setUp() {
  const schemas = createCodecSchemas(tinyCatalog());
  return { schemas, encoding: createEncoding(schemas) };
}

describe('codec encoding', () => {
  it('frames a topic value with its current schema id and the exact body', () => {
    const { schemas, encoding } = setUp();
    const value = { parcelId: 'P-1', weightKg: 1.5, note: null };
    const framed = encoding.encode(PARCELS, value);
    expect(framed[0]).toBe(0);
    expect(framed.readInt32BE(1)).toBe(PARCELS_V2);
    expect(framed.subarray(5)).toEqual(schemas.entry(PARCELS_V2).type.toBuffer(value));
    expect(framed.length).toBe(5 + schemas.entry(PARCELS_V2).type.toBuffer(value).length);
  });

  it('returns frames that later encodes never overwrite, from tiny to beyond the retained scratch', () => {
    const { schemas, encoding } = setUp();
    const v1 = schemas.entry(PARCELS_V1);
    const sizes = [1, INITIAL_SCRATCH + 10, 3, MAX_RETAINED_SCRATCH * 2, 7, INITIAL_SCRATCH * 3, 2];
    const values = sizes.map((n, i) => ({ parcelId: String(i).repeat(n), weightKg: i }));
    const frames = values.map((value) => encoding.frame(v1, value, 'parcels'));
    frames.forEach((framed, i) => {
      expect(framed.readInt32BE(1)).toBe(PARCELS_V1);
      expect(v1.type.fromBuffer(framed.subarray(5))).toEqual(values[i]);
    });
  });

  it('frames with a known schema id and refuses an unknown one', () => {
    const { encoding } = setUp();
    expect(encoding.encodeWithSchemaId(PARCELS_V1, { parcelId: 'P', weightKg: 0 }).readInt32BE(1)).toBe(PARCELS_V1);
    expect(() => encoding.encodeWithSchemaId(999, {})).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SCHEMA_ID', message: 'schema id 999 is not known to this codec' }),
    );
  });

  it('names every bad field, never avsc’s message with the value in it', () => {
    const { encoding } = setUp();
    const err = (() => {
      try {
        encoding.encode(PARCELS, { parcelId: 'secret-person-name', weightKg: 'heavy', note: 7 });
      } catch (e) {
        return e as Error & { fieldErrors: { path: string }[] };
      }
      throw new Error('encode accepted a bad value');
    })();
    expect(err.fieldErrors.map((e) => e.path)).toEqual(['weightKg', 'note']);
    expect(err.message).toMatch(/^parcels\.v1: 2 invalid field\(s\): /);
    expect(err.message).not.toContain('secret-person-name');
  });

  it('says the value cannot be encoded when the validator finds nothing to name', () => {
    const entry: SchemaEntry = { id: 1, type: parseSchemaText('"string"'), validate: () => [] };
    expect(encodeRefusal(entry, 5, 'schema id 1')).toMatchObject({
      code: 'SCHEMA_VALIDATION',
      message: 'schema id 1: value cannot be encoded as this schema',
      fieldErrors: [],
    });
  });
});
