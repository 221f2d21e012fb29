import avro from 'avsc';
import { describe, expect, it } from 'vitest';

import { fieldAnnotationsOf, parseSchema } from './parse-options.js';

const schema = {
  type: 'record',
  name: 'Strings',
  namespace: 'test',
  fields: [
    { name: 'a', type: 'string' },
    { name: 'b', type: { type: 'string' } },
    { name: 'c', type: ['null', 'string'] },
    { name: 'd', type: { type: 'array', items: 'string' } },
  ],
} as const;

const samples = [
  '',
  'ABC-123',
  // Every length around the short-string read (up to 16 bytes), different text each time, so a
  // reused buffer of character codes would show.
  ...Array.from({ length: 19 }, (_, n) => 'ABCDEFGHIJKLMNOPQRS'.slice(0, n)),
  ...Array.from({ length: 19 }, (_, n) => 'zyxwvutsrqponmlkjih'.slice(0, n)),
  'fifteen bytes ñ',
  'sixteen bytes ñ!',
  'ñ',
  'x'.repeat(64),
  'x'.repeat(65),
  'y'.repeat(300),
  'Ciudad Juárez',
  'Nuevo León — 日本 🚚',
  'tab\tand\u0000nul',
  '\u007f',
  '\u0080',
];

describe('string reading and writing', () => {
  it('writes the same bytes as avsc’s own writer and reads them back, for ASCII, non-ASCII, short and long strings', () => {
    const ours = parseSchema(schema as unknown as avro.Schema);
    const stock = avro.Type.forSchema(schema as unknown as avro.Schema, { wrapUnions: 'auto' });
    for (const text of samples) {
      const value = { a: text, b: text, c: text, d: [text, text] };
      const bytes = ours.toBuffer(value);
      expect(bytes.equals(stock.toBuffer(value)), JSON.stringify(text)).toBe(true);
      expect(ours.fromBuffer(bytes)).toEqual(value);
      expect(stock.fromBuffer(bytes)).toEqual(value);
      // Cut short anywhere, it is refused rather than read as something else.
      expect(() => ours.fromBuffer(bytes.subarray(0, bytes.length - 1))).toThrow();
    }
  });

  it('refuses a negative string length', () => {
    const ours = parseSchema({ type: 'record', name: 'One', fields: [{ name: 'a', type: 'string' }] });
    expect(() => ours.fromBuffer(Buffer.from([0x01]))).toThrow();
  });

  it('reports running out of room as avsc does, so the caller retries with a larger buffer', () => {
    const ours = parseSchema(schema as unknown as avro.Schema);
    const value = { a: 'ABCDEFGHIJ', b: 'short', c: null, d: ['x'.repeat(40)] };
    const small = Buffer.alloc(8);
    const end = ours.encode(value, small);
    expect(end).toBeLessThan(0);
    const big = Buffer.alloc(8 - end);
    expect(ours.encode(value, big)).toBe(big.length);
    expect(big.equals(ours.toBuffer(value))).toBe(true);
  });

  it('still refuses a value that is not a string', () => {
    const ours = parseSchema(schema as unknown as avro.Schema);
    expect(() => ours.toBuffer({ a: 42, b: 'x', c: null, d: [] })).toThrow();
  });
});

describe('field annotations', () => {
  it('keeps the puente.* attributes of record fields, which avsc itself drops, nested and by reference', () => {
    const annotated = parseSchema({
      type: 'record',
      name: 'Outer',
      namespace: 'test',
      fields: [
        { name: 'plain', type: 'string' },
        { name: 'notes', type: ['null', 'string'], default: null, 'puente.domesticOnly': true, other: 1 },
        {
          name: 'inner',
          type: {
            type: 'record',
            name: 'Inner',
            fields: [{ name: 'secret', type: 'string', 'puente.domesticOnly': true }],
          },
        },
        { name: 'again', type: 'Inner' },
      ],
    } as unknown as avro.Schema);
    const fields = (annotated as avro.types.RecordType).fields;
    expect(fieldAnnotationsOf(annotated, 'notes')).toEqual({ 'puente.domesticOnly': true });
    expect(fieldAnnotationsOf(annotated, 'plain')).toEqual({});
    expect(fieldAnnotationsOf(fields[2]!.type, 'secret')).toEqual({ 'puente.domesticOnly': true });
    expect(fields[3]!.type).toBe(fields[2]!.type);
    // Built as avsc builds it: the same bytes and schema.
    const value = { plain: 'a', notes: 'n', inner: { secret: 's' }, again: { secret: 't' } };
    expect(annotated.fromBuffer(annotated.toBuffer(value))).toEqual(value);
    expect(fieldAnnotationsOf(parseSchema('string'), 'x')).toEqual({});
  });
});
