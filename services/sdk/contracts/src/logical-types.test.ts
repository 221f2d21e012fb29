import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { epochDayOf, isoDateOf, parseDecimal } from './logical-types.js';
import { parseSchema } from './parse-options.js';

const decimalType = (precision: number, scale: number) =>
  parseSchema({ type: 'bytes', logicalType: 'decimal', precision, scale } as never);

/** Reference encoding: minimal big-endian two's complement via BigInt. */
function reference(unscaled: bigint): string {
  let size = 1;
  while (unscaled >= 1n << BigInt(8 * size - 1) || unscaled < -(1n << BigInt(8 * size - 1))) size += 1;
  const unsigned = unscaled < 0n ? (1n << BigInt(8 * size)) + unscaled : unscaled;
  return unsigned.toString(16).padStart(size * 2, '0');
}

function asDecimalString(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text =
    scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

describe('decimal', () => {
  const money = decimalType(16, 2);

  it.each([
    ['1.23', '7b'],
    ['-0.01', 'ff'],
    ['1.28', '0080'],
    ['-1.28', '80'],
    ['-1.29', 'ff7f'],
    ['0', '00'],
    ['12500', '1312d0'],
  ])('writes %s as two’s complement 0x%s', (text, hex) => {
    // bytes = zig-zag length varint, then the unscaled value big-endian.
    const body = money.toBuffer(text);
    expect(body.subarray(1).toString('hex')).toBe(hex);
    expect(body[0]).toBe((hex.length / 2) * 2);
  });

  it('reads back with exactly `scale` fraction digits', () => {
    expect(money.fromBuffer(money.toBuffer('12500'))).toBe('12500.00');
    expect(money.fromBuffer(money.toBuffer('0.5'))).toBe('0.50');
    expect(money.fromBuffer(money.toBuffer('-0.05'))).toBe('-0.05');
    expect(money.fromBuffer(money.toBuffer('-0'))).toBe('0.00');
    expect(decimalType(5, 0).fromBuffer(decimalType(5, 0).toBuffer('-42'))).toBe('-42');
  });

  it('round-trips any value within precision, wide ones through the BigInt path', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 38 }),
        fc.integer({ min: 0, max: 38 }),
        fc.bigInt(),
        (precision, rawScale, raw) => {
          const scale = rawScale % (precision + 1);
          const limit = 10n ** BigInt(precision);
          const unscaled = raw % limit;
          const type = decimalType(precision, scale);
          const text = asDecimalString(unscaled, scale);
          const body = type.toBuffer(text);
          expect(body.subarray(body.length - reference(unscaled).length / 2).toString('hex')).toBe(reference(unscaled));
          expect(type.fromBuffer(body)).toBe(text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    [12500.5, 'not a string'],
    ['12.345', 'more than 2 fraction digits'],
    ['12345678901234567', 'more than 16 significant digits'],
    ['1.', 'not a plain decimal'],
    ['.5', 'not a plain decimal'],
    ['1e5', 'not a plain decimal'],
    ['--1', 'not a plain decimal'],
    [' 1', 'not a plain decimal'],
    ['', 'not a plain decimal'],
    ['1.2.3', 'not a plain decimal'],
  ])('rejects %j (%s) and never rounds', (value, reason) => {
    expect(() => money.toBuffer(value)).toThrow();
    expect(money.isValid(value)).toBe(false);
    const parsed = typeof value === 'string' ? parseDecimal(value, 16, 2) : { problem: 'not a string' };
    expect(typeof parsed === 'object' ? parsed.problem : 'accepted').toContain(reason);
  });

  it('counts leading zeros out of the precision', () => {
    expect(decimalType(3, 2).isValid('0.05')).toBe(true);
    expect(decimalType(3, 2).isValid('000.99')).toBe(true);
    expect(decimalType(3, 2).isValid('10.00')).toBe(false);
  });

  it('refuses schemas whose precision or scale make no sense', () => {
    expect(() => decimalType(0, 0)).toThrow('precision');
    expect(() => decimalType(4, 5)).toThrow('scale');
    expect(() => parseSchema({ type: 'string', logicalType: 'decimal', precision: 4 } as never)).toThrow('bytes');
  });

  it('reads bytes written without the logical type, and refuses a different scale', () => {
    const plain = parseSchema('bytes');
    expect(money.fromBuffer(plain.toBuffer(Buffer.from([0x30, 0x39])), money.createResolver(plain))).toBe('123.45');
    expect(() => money.createResolver(decimalType(16, 3))).toThrow();
    expect(money.fromBuffer(decimalType(12, 2).toBuffer('99.99'), money.createResolver(decimalType(12, 2)))).toBe(
      '99.99',
    );
  });
});

describe('date', () => {
  const type = parseSchema({ type: 'int', logicalType: 'date' } as never);

  it('agrees with Date.UTC on every day from year 0001 to 9999', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }),
        (d) => {
          const iso = d.toISOString().slice(0, 10);
          const day = Math.floor(d.getTime() / 86_400_000);
          expect(epochDayOf(iso)).toBe(day);
          expect(isoDateOf(day)).toBe(iso);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('is a calendar date: the same string whatever the time zone', () => {
    expect(type.fromBuffer(type.toBuffer('1984-03-12'))).toBe('1984-03-12');
    expect(type.toBuffer('1970-01-02')).toEqual(Buffer.from([2]));
  });

  it.each([
    '2025-02-29',
    '1900-02-29',
    '2025-13-01',
    '2025-04-31',
    '2025-4-01',
    '20250401',
    '2025-04-00',
    'abcd-ef-gh',
  ])('rejects %s', (text) => {
    expect(epochDayOf(text)).toBeUndefined();
    expect(type.isValid(text)).toBe(false);
  });

  it('accepts leap days of leap years', () => {
    expect(type.isValid('2024-02-29')).toBe(true);
    expect(type.isValid('2000-02-29')).toBe(true);
  });
});

describe('timestamp-millis and uuid', () => {
  const ts = parseSchema({ type: 'long', logicalType: 'timestamp-millis' } as never);
  const uuid = parseSchema({ type: 'string', logicalType: 'uuid' } as never);

  it('maps timestamps to Date and back at millisecond precision', () => {
    const when = new Date('2025-11-27T13:42:10.250Z');
    const back = ts.fromBuffer(ts.toBuffer(when)) as Date;
    expect(back).toBeInstanceOf(Date);
    expect(back.toISOString()).toBe('2025-11-27T13:42:10.250Z');
    expect(ts.isValid(new Date('nope'))).toBe(false);
    expect(ts.isValid(when.getTime())).toBe(false);
    expect(() => ts.toBuffer('2025-11-27T13:42:10Z')).toThrow();
  });

  it('reads plain longs written before the logical type was added', () => {
    const long = parseSchema('long');
    expect((ts.fromBuffer(long.toBuffer(86_400_000), ts.createResolver(long)) as Date).toISOString()).toBe(
      '1970-01-02T00:00:00.000Z',
    );
  });

  it('accepts only 8-4-4-4-12 hex uuids', () => {
    expect(uuid.fromBuffer(uuid.toBuffer('0b6f2a4e-8c1d-4f5a-9e37-2d41c8a7b905'))).toBe(
      '0b6f2a4e-8c1d-4f5a-9e37-2d41c8a7b905',
    );
    for (const bad of ['0b6f2a4e8c1d4f5a9e372d41c8a7b905', 'not-a-uuid', '0b6f2a4e-8c1d-4f5a-9e37-2d41c8a7b90g', 42]) {
      expect(uuid.isValid(bad)).toBe(false);
      expect(() => uuid.toBuffer(bad)).toThrow();
    }
  });

  it('refuses a logical type on the wrong underlying type instead of silently ignoring it', () => {
    expect(() => parseSchema({ type: 'int', logicalType: 'timestamp-millis' } as never)).toThrow('long');
    expect(() => parseSchema({ type: 'long', logicalType: 'uuid' } as never)).toThrow('string');
  });
});
