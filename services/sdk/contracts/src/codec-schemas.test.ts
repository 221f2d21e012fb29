// The codec's schema store: entries per id (catalog or taught), topic entries, resolvers, and
// the refusals for unknown, unparsable, conflicting and incompatible schemas.
import { describe, expect, it } from 'vitest';
import { createCodecSchemas, validatorOf } from './codec-schemas.js';
import { PARCELS, PARCELS_V1, PARCELS_V2, parcelsV1Text, tinyCatalog, UNRELATED } from './codec-testing.js';

describe('codec schemas', () => {
  it('builds one entry per id and one per topic, the topic on its subject’s latest version', () => {
    const schemas = createCodecSchemas(tinyCatalog());
    const v1 = schemas.entry(PARCELS_V1);
    expect(v1.id).toBe(PARCELS_V1);
    expect(schemas.entry(PARCELS_V1)).toBe(v1);
    expect(schemas.known(PARCELS_V1)).toBe(v1);
    const topic = schemas.topic(PARCELS);
    expect(topic).toMatchObject({ topic: PARCELS, subject: `${PARCELS}-value`, keyField: 'parcelId' });
    expect(topic.schema).toBe(schemas.entry(PARCELS_V2));
    expect(schemas.topic(PARCELS)).toBe(topic);
    expect(() => schemas.topic('nope.v1')).toThrow(expect.objectContaining({ code: 'UNKNOWN_TOPIC' }));
  });

  it('knows nothing of an id outside the catalog until taught; require names it', () => {
    const schemas = createCodecSchemas(tinyCatalog());
    expect(schemas.known(500)).toBeUndefined();
    expect(() => schemas.require(500)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SCHEMA_ID', message: 'schema id 500 is not known to this codec' }),
    );
    expect(() => schemas.entry(500)).toThrow(expect.objectContaining({ code: 'UNKNOWN_SCHEMA_ID' }));
    schemas.add(500, parcelsV1Text);
    expect(schemas.require(500).type.name).toBe('test.Parcel');
  });

  it('accepts a text again for its own id and refuses another text for a known id', () => {
    const schemas = createCodecSchemas(tinyCatalog());
    schemas.add(PARCELS_V1, parcelsV1Text);
    schemas.add(500, '"string"');
    schemas.add(500, '"string"');
    for (const id of [PARCELS_V2, 500]) {
      expect(() => schemas.add(id, parcelsV1Text)).toThrow(
        expect.objectContaining({
          code: 'REGISTRY_CONFLICT',
          message: `schema id ${id} is already known with a different schema`,
        }),
      );
    }
  });

  it('refuses a taught text that does not parse when it is first used', () => {
    const schemas = createCodecSchemas(tinyCatalog());
    schemas.add(501, '{"type":"record","name":"Broken"}');
    expect(() => schemas.entry(501)).toThrow(
      expect.objectContaining({
        code: 'INVALID_SCHEMA',
        message: expect.stringContaining('schema id 501 does not parse'),
      }),
    );
  });

  it('caches a resolver per reader and writer, and refuses incompatible pairs every time', () => {
    const schemas = createCodecSchemas(tinyCatalog());
    const v1 = schemas.entry(PARCELS_V1);
    const v2 = schemas.entry(PARCELS_V2);
    const resolver = schemas.resolver(v2, v1);
    expect(schemas.resolver(v2, v1)).toBe(resolver);
    expect(schemas.resolver(v1, v2)).not.toBe(resolver);
    const other = schemas.entry(UNRELATED);
    for (let i = 0; i < 2; i += 1) {
      expect(() => schemas.resolver(v2, other)).toThrow(
        expect.objectContaining({
          code: 'INCOMPATIBLE_SCHEMA',
          message: expect.stringContaining(
            `data written with schema id ${UNRELATED} cannot be read as schema id ${PARCELS_V2}`,
          ),
        }),
      );
    }
  });

  it('compiles an entry’s validator once', () => {
    const entry = createCodecSchemas(tinyCatalog()).entry(PARCELS_V1);
    const validate = validatorOf(entry);
    expect(validatorOf(entry)).toBe(validate);
    expect(validate({ parcelId: 'P1', weightKg: 2 })).toEqual([]);
    expect(validate({ parcelId: 'P1' }).map((e) => e.path)).toEqual(['weightKg']);
  });
});
