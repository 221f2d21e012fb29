// Avro logical types mapped to the TypeScript values the generated types promise:
// uuid → string, timestamp-millis → Date, date → 'YYYY-MM-DD', decimal → exact decimal string.
// avsc 5 ships none of these as we need them (and no decimal at all), so they are registered
// explicitly wherever a schema is parsed. Each overrides avsc's read/write hooks to work on the
// tap directly: the generic path allocates an intermediate value per field, which cost the
// codec a third of its encode throughput on decimal-heavy manifests.
import avro from 'avsc';

import type { Tap } from './avsc-internals.js';

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * What the validator needs from a logical type: a description of the accepted TypeScript
 * value and, for a bad value, a short reason.
 */
export interface PuenteLogicalType {
  readonly expected: string;
  /** `undefined` when `value` is acceptable, else a short reason. */
  problemWith(value: unknown): string | undefined;
}

/** avsc reads a logical type's own writer value already converted; keep it as is. */
const identity = (value: unknown): unknown => value;

function requireUnderlying(schema: avro.Schema, logical: string, underlying: string): void {
  const type = (schema as { readonly type?: unknown }).type;
  if (type !== underlying) throw new Error(`${logical} must be on "${underlying}" (got ${JSON.stringify(type)})`);
}

function invalid(type: PuenteLogicalType, value: unknown): Error {
  return new Error(`invalid ${type.expected}: ${type.problemWith(value) ?? 'rejected'}`);
}

export class UuidType extends avro.types.LogicalType implements PuenteLogicalType {
  readonly expected = 'uuid string';

  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    requireUnderlying(schema, 'uuid', 'string');
  }

  problemWith(value: unknown): string | undefined {
    if (typeof value !== 'string') return 'not a string';
    return UUID_PATTERN.test(value) ? undefined : 'not in 8-4-4-4-12 hex form';
  }

  _read(tap: Tap): unknown {
    return tap.readString();
  }

  _write(tap: Tap, value: unknown): void {
    if (typeof value !== 'string' || !UUID_PATTERN.test(value)) throw invalid(this, value);
    tap.writeString(value);
  }

  protected override _fromValue(value: unknown): unknown {
    return value;
  }

  // Returning undefined is avsc's signal for "invalid" in its checker.
  protected override _toValue(value: unknown): unknown {
    return typeof value === 'string' && UUID_PATTERN.test(value) ? value : undefined;
  }

  protected override _resolve(writer: avro.Type): unknown {
    return writer.typeName === 'logical:uuid' || writer.typeName === 'string' ? identity : undefined;
  }
}

export class TimestampMillisType extends avro.types.LogicalType implements PuenteLogicalType {
  readonly expected = 'Date (timestamp-millis)';

  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    requireUnderlying(schema, 'timestamp-millis', 'long');
  }

  problemWith(value: unknown): string | undefined {
    if (!(value instanceof Date)) return 'not a Date';
    return Number.isNaN(value.getTime()) ? 'an invalid Date' : undefined;
  }

  _read(tap: Tap): unknown {
    return new Date(tap.readLong());
  }

  _write(tap: Tap, value: unknown): void {
    const ms = value instanceof Date ? value.getTime() : Number.NaN;
    if (Number.isNaN(ms)) throw invalid(this, value);
    tap.writeLong(ms);
  }

  protected override _fromValue(value: unknown): unknown {
    return new Date(value as number);
  }

  protected override _toValue(value: unknown): unknown {
    const ms = value instanceof Date ? value.getTime() : Number.NaN;
    return Number.isNaN(ms) ? undefined : ms;
  }

  protected override _resolve(writer: avro.Type): unknown {
    if (writer.typeName === 'logical:timestamp-millis') return identity;
    return writer.typeName === 'long' || writer.typeName === 'int' ? this._fromValue.bind(this) : undefined;
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitsAt(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i += 1) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Days since 1970-01-01 of a valid 'YYYY-MM-DD' (years 0000–9999), else undefined (e.g. 2025-02-30). */
export function epochDayOf(text: string): number | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0))) return undefined;
  // Howard Hinnant's days_from_civil: exact integer arithmetic, no Date or time zone involved.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** 'YYYY-MM-DD' of a day count since 1970-01-01 (inverse of epochDayOf). */
export function isoDateOf(epochDay: number): string {
  const z = epochDay + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year >= 0 && year <= 9999) {
    // One string, not one per part: dates are in most records, and decoding makes one per field.
    return String.fromCharCode(
      48 + Math.floor(year / 1000),
      48 + (Math.floor(year / 100) % 10),
      48 + (Math.floor(year / 10) % 10),
      48 + (year % 10),
      45,
      48 + Math.floor(month / 10),
      48 + (month % 10),
      45,
      48 + Math.floor(day / 10),
      48 + (day % 10),
    );
  }
  const yyyy = year < 0 ? `-${String(-year).padStart(4, '0')}` : String(year);
  return `${yyyy}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

// A calendar date, not an instant: a string cannot be shifted by the reader's time zone.
export class DateType extends avro.types.LogicalType implements PuenteLogicalType {
  readonly expected = "date string 'YYYY-MM-DD'";

  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    requireUnderlying(schema, 'date', 'int');
  }

  problemWith(value: unknown): string | undefined {
    if (typeof value !== 'string') return 'not a string';
    return epochDayOf(value) === undefined ? 'not a valid calendar date in YYYY-MM-DD form' : undefined;
  }

  _read(tap: Tap): unknown {
    return isoDateOf(tap.readInt());
  }

  _write(tap: Tap, value: unknown): void {
    const day = typeof value === 'string' ? epochDayOf(value) : undefined;
    if (day === undefined) throw invalid(this, value);
    tap.writeInt(day);
  }

  protected override _fromValue(value: unknown): unknown {
    return isoDateOf(value as number);
  }

  protected override _toValue(value: unknown): unknown {
    return typeof value === 'string' ? epochDayOf(value) : undefined;
  }

  protected override _resolve(writer: avro.Type): unknown {
    if (writer.typeName === 'logical:date') return identity;
    return writer.typeName === 'int' ? this._fromValue.bind(this) : undefined;
  }
}

// Up to 15 significant digits a double holds the unscaled value exactly, and up to 6 bytes
// Buffer#readIntBE/writeIntBE handle it; anything wider takes the (rare, slower) BigInt path.
const MAX_NUMBER_DIGITS = 15;
const MAX_NUMBER_BYTES = 6;
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
const NOT_DECIMAL = 'not a plain decimal number such as "12500.00"';

/** Unscaled integer of a decimal string (number when exact, else bigint), or the reason it is invalid. */
export function parseDecimal(
  text: string,
  precision: number,
  scale: number,
): number | bigint | { readonly problem: string } {
  const negative = text.charCodeAt(0) === 45;
  let intDigits = 0;
  let fracDigits = 0;
  let significant = 0;
  let point = false;
  let n = 0;
  for (let i = negative ? 1 : 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 46 && !point && intDigits > 0) {
      point = true;
      continue;
    }
    const digit = c - 48;
    if (digit < 0 || digit > 9) return { problem: NOT_DECIMAL };
    if (point) fracDigits += 1;
    else intDigits += 1;
    if (significant > 0 || digit !== 0) significant += 1;
    n = n * 10 + digit;
  }
  if (intDigits === 0 || (point && fracDigits === 0)) return { problem: NOT_DECIMAL };
  if (fracDigits > scale) return { problem: `more than ${scale} fraction digits` };
  const unscaledDigits = significant === 0 ? 0 : significant + scale - fracDigits;
  if (unscaledDigits > precision) return { problem: `more than ${precision} significant digits` };
  if (unscaledDigits <= MAX_NUMBER_DIGITS) {
    const unscaled = n * (POW10[scale - fracDigits] ?? 1);
    return negative && unscaled !== 0 ? -unscaled : unscaled;
  }
  const digits = BigInt(text.replace(/[-.]/g, '')) * 10n ** BigInt(scale - fracDigits);
  return negative ? -digits : digits;
}

/** Bytes of the shortest big-endian two's complement holding n (|n| < 2^53). */
function twosComplementSize(n: number): number {
  if (n >= 0)
    return n < 0x80
      ? 1
      : n < 0x8000
        ? 2
        : n < 0x800000
          ? 3
          : n < 0x80000000
            ? 4
            : n < 0x8000000000
              ? 5
              : n < 0x800000000000
                ? 6
                : 7;
  return n >= -0x80
    ? 1
    : n >= -0x8000
      ? 2
      : n >= -0x800000
        ? 3
        : n >= -0x80000000
          ? 4
          : n >= -0x8000000000
            ? 5
            : n >= -0x800000000000
              ? 6
              : 7;
}

function bigIntToTwosComplement(n: bigint): Buffer {
  let size = 1;
  while (n >= 1n << BigInt(8 * size - 1) || n < -(1n << BigInt(8 * size - 1))) size += 1;
  const unsigned = n < 0n ? (1n << BigInt(8 * size)) + n : n;
  return Buffer.from(unsigned.toString(16).padStart(size * 2, '0'), 'hex');
}

function unscaledBytes(unscaled: number | bigint): Buffer {
  if (typeof unscaled === 'number') {
    const size = twosComplementSize(unscaled);
    if (size <= MAX_NUMBER_BYTES) {
      const buf = Buffer.allocUnsafe(size);
      buf.writeIntBE(unscaled, 0, size);
      return buf;
    }
    return bigIntToTwosComplement(BigInt(unscaled));
  }
  return bigIntToTwosComplement(unscaled);
}

interface DecimalSchema {
  readonly precision?: unknown;
  readonly scale?: unknown;
}

/**
 * decimal on bytes: big-endian two's complement of the unscaled value, scale from the schema
 * (Avro spec). Values are decimal strings so no float ever touches money; writing rejects
 * (never rounds) a value with more fraction digits than the scale or more digits than the
 * precision. Reading always yields exactly `scale` fraction digits, e.g. "12500.00".
 */
export class DecimalType extends avro.types.LogicalType implements PuenteLogicalType {
  readonly precision: number;
  readonly scale: number;
  readonly expected: string;

  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    requireUnderlying(schema, 'decimal', 'bytes');
    const { precision, scale = 0 } = schema as DecimalSchema;
    if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1) {
      throw new Error(`decimal precision must be a positive integer (got ${JSON.stringify(precision)})`);
    }
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new Error(`decimal scale must be an integer from 0 to precision (got ${JSON.stringify(scale)})`);
    }
    this.precision = precision;
    this.scale = scale;
    this.expected = `decimal(${precision},${scale}) string`;
  }

  problemWith(value: unknown): string | undefined {
    if (typeof value !== 'string') return 'not a string';
    const parsed = parseDecimal(value, this.precision, this.scale);
    return typeof parsed === 'object' ? parsed.problem : undefined;
  }

  _write(tap: Tap, value: unknown): void {
    const parsed = typeof value === 'string' ? parseDecimal(value, this.precision, this.scale) : undefined;
    if (parsed === undefined || typeof parsed === 'object') throw invalid(this, value);
    const size = typeof parsed === 'number' ? twosComplementSize(parsed) : MAX_NUMBER_BYTES + 1;
    if (typeof parsed === 'number' && size <= MAX_NUMBER_BYTES) {
      tap.writeLong(size);
      const pos = tap.pos;
      tap.pos += size;
      // Past the end avsc only advances pos; the caller sees the shortfall and retries bigger.
      if (tap.pos <= tap.buf.length) tap.buf.writeIntBE(parsed, pos, size);
      return;
    }
    const bytes = unscaledBytes(parsed);
    tap.writeLong(bytes.length);
    tap.writeFixed(bytes, bytes.length);
  }

  _read(tap: Tap): unknown {
    const size = tap.readLong();
    const pos = tap.pos;
    tap.pos += size;
    if (size < 0 || tap.pos > tap.buf.length) {
      tap._invalidate();
      return undefined;
    }
    return this.format(tap.buf, pos, size);
  }

  private format(buf: Buffer, pos: number, size: number): string {
    let digits: string;
    let negative = false;
    if (size === 0) {
      digits = '0';
    } else if (size <= MAX_NUMBER_BYTES) {
      const n = buf.readIntBE(pos, size);
      negative = n < 0;
      digits = String(negative ? -n : n);
    } else {
      const slice = buf.subarray(pos, pos + size);
      const unsigned = BigInt(`0x${slice.toString('hex')}`);
      const n = (slice[0] ?? 0) & 0x80 ? unsigned - (1n << BigInt(8 * size)) : unsigned;
      negative = n < 0n;
      digits = String(negative ? -n : n);
    }
    const sign = negative ? '-' : '';
    const { scale } = this;
    if (scale === 0) return sign + digits;
    if (digits.length > scale)
      return `${sign}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    return `${sign}0.${digits.padStart(scale, '0')}`;
  }

  /** The decimal string of the unscaled value's two's complement bytes (Avro JSON carries those). */
  fromUnscaledBytes(buf: Buffer): string {
    return this.format(buf, 0, buf.length);
  }

  /** The unscaled value's shortest two's complement bytes; undefined when the string is no valid value. */
  toUnscaledBytes(value: string): Buffer | undefined {
    const parsed = parseDecimal(value, this.precision, this.scale);
    return typeof parsed === 'object' ? undefined : unscaledBytes(parsed);
  }

  protected override _fromValue(value: unknown): unknown {
    return this.fromUnscaledBytes(value as Buffer);
  }

  protected override _toValue(value: unknown): unknown {
    if (typeof value !== 'string') return undefined;
    const parsed = parseDecimal(value, this.precision, this.scale);
    return typeof parsed === 'object' ? undefined : unscaledBytes(parsed);
  }

  protected override _resolve(writer: avro.Type): unknown {
    // A different scale would silently multiply every amount by a power of ten.
    if (writer instanceof DecimalType) return writer.scale === this.scale ? identity : undefined;
    return writer.typeName === 'bytes' ? this._fromValue.bind(this) : undefined;
  }

  protected override _export(schema: avro.Schema): void {
    const target = schema as { precision?: number; scale?: number };
    target.precision = this.precision;
    target.scale = this.scale;
  }
}

/** Pass as `logicalTypes` (with `assertLogicalTypes: true`) to every `Type.forSchema`. */
export const logicalTypes = {
  uuid: UuidType,
  'timestamp-millis': TimestampMillisType,
  date: DateType,
  decimal: DecimalType,
} as const;

export const SUPPORTED_LOGICAL_TYPES: ReadonlySet<string> = new Set(Object.keys(logicalTypes));

export function isPuenteLogicalType(type: avro.Type): type is avro.types.LogicalType & PuenteLogicalType {
  return (
    type instanceof UuidType ||
    type instanceof TimestampMillisType ||
    type instanceof DateType ||
    type instanceof DecimalType
  );
}
