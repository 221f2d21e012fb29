// Avro JSON per the specification: what the encoding itself gets wrong is named by path, and
// the specification's own forms (wrapped unions, numbers for timestamps and dates, ISO-8859-1
// strings for decimal bytes) are what the codec writes.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { createCodec } from './codec.js';
import { AvroError } from './errors.js';
import { parseSchema } from './parse-options.js';
import { compileFromAvroJson, compileToAvroJson } from './avro-json.js';

const type = parseSchema({
  type: 'record',
  name: 'org.example.T',
  fields: [
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'id', type: ['null', { type: 'string', logicalType: 'uuid' }], default: null },
    {
      name: 'inner',
      type: ['null', { type: 'record', name: 'org.example.Inner', fields: [{ name: 'b', type: 'bytes' }] }],
      default: null,
    },
  ],
});
const toJson = compileToAvroJson(type);
const fromJson = compileFromAvroJson(type);

describe('Avro JSON', () => {
  const value = {
    at: new Date(1_764_250_930_250),
    day: '2025-11-27',
    amount: '-12.50',
    note: 'hola',
    id: '123e4567-e89b-12d3-a456-426614174000',
    inner: { b: Buffer.from([0, 0xff, 0x41]) },
  };

  it('writes the specification’s forms and reads them back', () => {
    const json = toJson(value);
    expect(json).toEqual({
      at: 1_764_250_930_250,
      day: 20_419,
      // -1250 unscaled: two's complement 0xfb1e, one character per byte.
      amount: '\u00fb\u001e',
      note: { string: 'hola' },
      id: { string: '123e4567-e89b-12d3-a456-426614174000' },
      inner: { 'org.example.Inner': { b: '\u0000\u00ffA' } },
    });
    expect(fromJson(JSON.parse(JSON.stringify(json)))).toEqual({ value, errors: [] });
    expect(toJson({ ...value, note: null, id: null, inner: null })).toMatchObject({
      note: null,
      id: null,
      inner: null,
    });
  });

  it('names by path what the encoding gets wrong: unwrapped unions, ISO timestamps, wrong branch names, wide characters', () => {
    const { errors } = fromJson({
      at: '2025-11-27T13:42:10.250Z',
      day: '2025-11-27',
      amount: '€12.50',
      note: 'hola',
      id: { uuid: '123e4567-e89b-12d3-a456-426614174000' },
      inner: { 'org.example.Inner': { b: 'Ā' } },
    });
    expect(errors.map((e) => e.path)).toEqual(['at', 'day', 'amount', 'note', 'id', 'inner.b']);
    expect(errors.find((e) => e.path === 'note')?.message).toContain('{"string": …}');
    expect(errors.find((e) => e.path === 'id')?.message).toContain('{"string": …}');
  });

  it('the codec refuses friendly JSON as Avro JSON, naming each field', () => {
    const codec = createCodec();
    const topic = 'us.risk-assessments.v1';
    const friendly = (
      JSON.parse(
        readFileSync(
          new URL('../../../../schemas/examples/risk-assessments/us-shipment-expedited.json', import.meta.url),
          'utf8',
        ),
      ) as { value: Record<string, any> }
    ).value;
    const spec = codec.toAvroJson(topic, codec.fromFriendlyJson(topic, friendly));
    expect(() => codec.fromAvroJson(topic, spec)).not.toThrow();
    let refused: unknown;
    try {
      codec.fromAvroJson(topic, friendly);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AvroError);
    expect((refused as AvroError).fieldErrors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['meta.occurredAt', 'meta.correlationId']),
    );
  });
});
