// NaN and the infinities are valid Avro floats and doubles, but JSON numbers cannot carry them
// (JSON.stringify writes null, which no Avro JSON reader takes for a double). Apache Avro's Java
// JsonEncoder writes them as the strings "NaN", "Infinity" and "-Infinity" and its JsonDecoder
// reads those back; so do we (avro-json.java-interop.test.ts holds us to Java on them).
import { describe, expect, it } from 'vitest';

import { compileFromAvroJson, compileToAvroJson } from './avro-json.js';
import { parseSchema } from './parse-options.js';

const type = parseSchema({
  type: 'record',
  name: 'org.example.Measure',
  fields: [
    { name: 'd', type: 'double' },
    { name: 'f', type: 'float' },
    { name: 'maybe', type: ['null', 'double'], default: null },
    { name: 'many', type: { type: 'array', items: 'double' } },
  ],
});
const toJson = compileToAvroJson(type);
const fromJson = compileFromAvroJson(type);

describe('Avro JSON of non-finite floats and doubles', () => {
  const value = {
    d: Number.NaN,
    f: Number.POSITIVE_INFINITY,
    maybe: Number.NEGATIVE_INFINITY,
    many: [1.5, Number.NaN],
  };

  it('writes them as the strings Java writes, so the JSON text keeps them', () => {
    const text = JSON.stringify(toJson(value));
    expect(JSON.parse(text)).toEqual({
      d: 'NaN',
      f: 'Infinity',
      maybe: { double: '-Infinity' },
      many: [1.5, 'NaN'],
    });
  });

  it('reads them back into the same Avro binary', () => {
    const read = fromJson(JSON.parse(JSON.stringify(toJson(value))));
    expect(read.errors).toEqual([]);
    expect(type.toBuffer(read.value).equals(type.toBuffer(value))).toBe(true);
  });

  it('leaves finite numbers as numbers and takes no other string for a double', () => {
    expect(toJson({ d: -2.5, f: 0.25, maybe: 1e21, many: [] })).toEqual({
      d: -2.5,
      f: 0.25,
      maybe: { double: 1e21 },
      many: [],
    });
    const read = fromJson({ d: 'nan', f: 'Inf', maybe: null, many: ['1.5'] });
    expect(type.isValid(read.value)).toBe(false);
    expect(read.value).toEqual({ d: 'nan', f: 'Inf', maybe: null, many: ['1.5'] });
  });
});
