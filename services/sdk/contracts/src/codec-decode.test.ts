// Decoding: Buffers over the caller's memory, writer→reader resolution by topic, and MALFORMED
// for bodies that end before or after the bytes do.
import { describe, expect, it } from 'vitest';
import { asBuffer, badLength, createDecoding, decodeFramed } from './codec-decode.js';
import { createCodecSchemas } from './codec-schemas.js';
import { createEncoding } from './codec-encode.js';
import { PARCELS, PARCELS_V1, PARCELS_V2, tinyCatalog, UNRELATED } from './codec-testing.js';
import type { SchemaRegistry } from './registry.js';

function setUp() {
  const schemas = createCodecSchemas(tinyCatalog());
  return { schemas, encoding: createEncoding(schemas) };
}

describe('codec decoding', () => {
  it('views a Uint8Array slice as a Buffer without copying it', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const view = backing.subarray(2, 5);
    const buf = asBuffer(view);
    expect([...buf]).toEqual([1, 2, 3]);
    backing[3] = 42;
    expect(buf[1]).toBe(42);
    const already = Buffer.from([1]);
    expect(asBuffer(already)).toBe(already);
  });

  it('says whether a body stopped short or left bytes behind', () => {
    const buf = Buffer.alloc(12);
    expect(badLength(buf, -1, 7)).toMatchObject({
      code: 'MALFORMED',
      message: 'Avro body truncated: 12 bytes end before a schema id 7 value does',
    });
    expect(badLength(buf, 9, 7)).toMatchObject({
      code: 'MALFORMED',
      message: '3 unexpected trailing byte(s) after a schema id 7 value',
    });
  });

  it('reads as the writer without a topic, and as the topic’s current schema with one', () => {
    const { schemas, encoding } = setUp();
    const v1 = schemas.entry(PARCELS_V1);
    const framed = encoding.frame(v1, { parcelId: 'P', weightKg: 3 }, 'parcels');
    const plain = decodeFramed(schemas, framed, v1);
    expect(plain).toEqual({ value: { parcelId: 'P', weightKg: 3 }, schemaId: PARCELS_V1, readerSchemaId: PARCELS_V1 });
    expect(Object.keys(plain)).toEqual(['value', 'schemaId', 'readerSchemaId']);
    expect(decodeFramed(schemas, framed, v1, { topic: PARCELS })).toEqual({
      value: { parcelId: 'P', weightKg: 3, note: null },
      schemaId: PARCELS_V1,
      readerSchemaId: PARCELS_V2,
      topic: PARCELS,
      subject: `${PARCELS}-value`,
    });
  });

  it('refuses a body that does not fit its writer, and bytes around a valid one', () => {
    const { schemas, encoding } = setUp();
    const v1 = schemas.entry(PARCELS_V1);
    const framed = encoding.frame(v1, { parcelId: 'P', weightKg: 3 }, 'parcels');
    expect(() => decodeFramed(schemas, Buffer.concat([framed, Buffer.from([0])]), v1)).toThrow(
      `1 unexpected trailing byte(s) after a schema id ${PARCELS_V1} value`,
    );
    expect(() => decodeFramed(schemas, framed.subarray(0, framed.length - 2), v1)).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
    const other = encoding.frame(schemas.entry(UNRELATED), { n: 1 }, 'other');
    expect(() => decodeFramed(schemas, other, schemas.entry(UNRELATED), { topic: PARCELS })).toThrow(
      expect.objectContaining({ code: 'INCOMPATIBLE_SCHEMA' }),
    );
  });

  it('decode refuses an id it does not know; decodeAsync asks the registry once and remembers', async () => {
    const writer = createCodecSchemas(tinyCatalog());
    writer.add(600, '"string"');
    const framed = createEncoding(writer).encodeWithSchemaId(600, 'hello');
    const asked: number[] = [];
    const registry = {
      getSchemaById: (id: number) => {
        asked.push(id);
        return Promise.resolve('"string"');
      },
    } as unknown as SchemaRegistry;
    const schemas = createCodecSchemas(tinyCatalog());
    const decoding = createDecoding(schemas, registry);
    expect(() => decoding.decode(framed)).toThrow(
      'schema id 600 is not in the catalog; decodeAsync can fetch it from the registry',
    );
    expect((await decoding.decodeAsync(framed)).value).toBe('hello');
    expect((await decoding.decodeAsync(framed)).value).toBe('hello');
    expect(decoding.decode(framed).schemaId).toBe(600);
    expect(asked).toEqual([600]);
  });
});
