// Skimming: confirming that Avro bytes decode under a schema without building the value, and
// reading only a few string fields on the way. The gateway validates every published event
// against its topic's schema but needs just its meta and key; decoding the whole event for
// that made half of what its publish path allocated. A skim is never more lenient than full
// validation (decoding, then the validator the JSON path runs): whatever it cannot confirm (a
// bad union or enum index, a negative or overlong length, an array count larger than the bytes
// left, bytes left over, a uuid not in 8-4-4-4-12 form, a timestamp no Date holds, a decimal
// beyond its precision, a string that is not UTF-8) it refuses, and `explainBytes` then names
// every field that is wrong, walking the same rules with paths.
import type avro from 'avsc';

import { internalsOf, type TypeInternals } from './avsc-internals.js';
import type { FieldError } from './errors.js';
import { expectedOf } from './type-shape.js';
import { fieldError } from './validate.js';

export interface Cursor {
  readonly buf: Buffer;
  pos: number;
}

/** Captured values, by the index of their path in the skimmer's `paths`. */
type Captured = (string | undefined)[];
/** Advances the cursor over one value; false when the bytes cannot be confirmed. */
type Step = (cursor: Cursor, out: Captured) => boolean;

/**
 * How much a step confirms. `structure`: the bytes decode. `logical`: also what writing the
 * value back would confirm (see logicalLeaf), for copying bytes between messages. `full`: also
 * everything the validator of decoded values checks (UTF-8 strings, booleans 0 or 1, ints in
 * 32 bits, longs a number holds exactly, decimals within precision at any length): what the
 * gateway accepts from a publisher.
 */
export type SkimLevel = 'structure' | 'logical' | 'full';

/** What is wrong with one value's bytes; `fatal` when the walk cannot go on past it. */
interface Problem {
  readonly fatal: boolean;
  readonly got: string;
  readonly reason?: string;
}

const TRUNCATED: Problem = { fatal: true, got: 'end of data (the bytes stop inside this value)' };
const BAD_LENGTH: Problem = { fatal: true, got: 'a negative length' };
const NOT_UTF8: Problem = { fatal: false, got: 'bytes that are not UTF-8' };
const BAD_BOOLEAN: Problem = { fatal: false, got: 'a byte other than 0 or 1' };
const INT_RANGE: Problem = { fatal: false, got: 'a number outside 32 bits' };
const LONG_RANGE: Problem = { fatal: false, got: 'a number beyond ±(2^53-1), not held exactly' };
const NOT_UUID: Problem = { fatal: false, got: 'string', reason: 'not in 8-4-4-4-12 hex form' };
const BAD_TIMESTAMP: Problem = { fatal: false, got: 'a long beyond the range of a Date', reason: 'an invalid Date' };
const BAD_DATE: Problem = {
  fatal: false,
  got: 'a day outside years 0000-9999',
  reason: 'not a valid calendar date in YYYY-MM-DD form',
};

/** One value's check: undefined when the bytes are fine, else what is wrong. */
type Leaf = (cursor: Cursor) => Problem | undefined;

/** Whether the 36 bytes at `start` are a uuid in 8-4-4-4-12 hex form (the writer's check). */
function isUuidText(buf: Buffer, start: number): boolean {
  for (let i = 0; i < 36; i++) {
    const byte = buf[start + i]!;
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (byte !== 0x2d) return false;
    } else if (!((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))) {
      return false;
    }
  }
  return true;
}

/**
 * Whether buf[start, end) is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing beyond U+10FFFF). In place, without a view per string: Node's isUtf8 needs a subarray,
 * and allocating one per string cost more than the check itself.
 */
export function isUtf8At(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return false;
    if (i + need >= end) return false;
    const second = buf[i + 1]!;
    const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (second < low || second > high) return false;
    for (let k = 2; k <= need; k++) {
      const next = buf[i + k]!;
      if (next < 0x80 || next > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/** Dates a 'YYYY-MM-DD' string can hold (0000-01-01 … 9999-12-31), in days since 1970-01-01. */
const FIRST_DAY = -719_528;
const LAST_DAY = 2_932_896;
/** The largest magnitude a JavaScript Date holds, in milliseconds. */
const MAX_DATE_MS = 8.64e15;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
/** Avro's longest varint: 64 bits in 7-bit groups. */
const MAX_VARINT_BYTES = 10;

/** A zig-zag varint as a number, or NaN when it runs past the end or past 10 bytes. Exact up to 2^53. */
function readLong(cursor: Cursor): number {
  const { buf } = cursor;
  const last = cursor.pos + MAX_VARINT_BYTES;
  let n = 0;
  let scale = 1;
  let byte: number;
  do {
    if (cursor.pos >= buf.length || cursor.pos >= last) return Number.NaN;
    byte = buf[cursor.pos++]!;
    n += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** The length of a length-prefixed run, the cursor after it; a Problem when it does not fit. */
function readLength(cursor: Cursor): number | Problem {
  const length = readLong(cursor);
  if (Number.isNaN(length)) return TRUNCATED;
  if (length < 0) return BAD_LENGTH;
  if (length > cursor.buf.length - cursor.pos) return TRUNCATED;
  return length;
}

const varintLeaf: Leaf = (cursor) => (Number.isNaN(readLong(cursor)) ? TRUNCATED : undefined);
const intLeaf: Leaf = (cursor) => {
  const n = readLong(cursor);
  if (Number.isNaN(n)) return TRUNCATED;
  return n < INT_MIN || n > INT_MAX ? INT_RANGE : undefined;
};
const longLeaf: Leaf = (cursor) => {
  const n = readLong(cursor);
  if (Number.isNaN(n)) return TRUNCATED;
  return Number.isSafeInteger(n) ? undefined : LONG_RANGE;
};
const lengthPrefixedLeaf: Leaf = (cursor) => {
  const length = readLength(cursor);
  if (typeof length !== 'number') return length;
  cursor.pos += length;
  return undefined;
};
const stringLeaf: Leaf = (cursor) => {
  const length = readLength(cursor);
  if (typeof length !== 'number') return length;
  const start = cursor.pos;
  cursor.pos += length;
  return isUtf8At(cursor.buf, start, cursor.pos) ? undefined : NOT_UTF8;
};
const booleanLeaf: Leaf = (cursor) => {
  if (cursor.pos >= cursor.buf.length) return TRUNCATED;
  return cursor.buf[cursor.pos++]! > 1 ? BAD_BOOLEAN : undefined;
};
const uuidLeaf: Leaf = (cursor) => {
  const length = readLength(cursor);
  if (typeof length !== 'number') return length;
  const start = cursor.pos;
  cursor.pos += length;
  return length === 36 && isUuidText(cursor.buf, start) ? undefined : NOT_UUID;
};
const timestampLeaf: Leaf = (cursor) => {
  const ms = readLong(cursor);
  if (Number.isNaN(ms)) return TRUNCATED;
  return Math.abs(ms) <= MAX_DATE_MS ? undefined : BAD_TIMESTAMP;
};
const dateLeaf: Leaf = (cursor) => {
  const day = readLong(cursor);
  if (Number.isNaN(day)) return TRUNCATED;
  return day >= FIRST_DAY && day <= LAST_DAY ? undefined : BAD_DATE;
};

function fixedLeaf(width: number): Leaf {
  return (cursor) => {
    if (width > cursor.buf.length - cursor.pos) return TRUNCATED;
    cursor.pos += width;
    return undefined;
  };
}

/**
 * decimal on bytes: big-endian two's complement of the unscaled value. `exact` compares any
 * length with 10^precision (BigInt beyond 6 bytes); otherwise a decimal longer than 6 bytes whose
 * precision could not fill them is refused even when its value would fit (cheap, for copying).
 */
function decimalLeaf(precision: number, exact: boolean): Leaf {
  // n bytes hold at most 2^(8n-1) in magnitude: below 10^precision whenever 8n-1 <= log2 of it.
  const safeBytes = Math.floor((Math.floor(precision * Math.log2(10)) + 1) / 8);
  const limit = 10 ** precision;
  const bigLimit = 10n ** BigInt(precision);
  const tooPrecise: Problem = {
    fatal: false,
    got: 'decimal bytes',
    reason: `more than ${precision} significant digits`,
  };
  return (cursor) => {
    const length = readLength(cursor);
    if (typeof length !== 'number') return length;
    const start = cursor.pos;
    cursor.pos += length;
    if (length <= safeBytes) return undefined;
    if (length <= 6) return Math.abs(cursor.buf.readIntBE(start, length)) < limit ? undefined : tooPrecise;
    if (!exact) return tooPrecise;
    const slice = cursor.buf.subarray(start, start + length);
    const unsigned = BigInt(`0x${slice.toString('hex')}`);
    const n = slice[0]! & 0x80 ? unsigned - (1n << BigInt(8 * length)) : unsigned;
    return (n < 0n ? -n : n) < bigLimit ? undefined : tooPrecise;
  };
}

/** The check of a type that is not a container (record, array, map, union, enum), at a level. */
function leafOf(t: TypeInternals, level: SkimLevel): Leaf | undefined {
  const full = level === 'full';
  const logical = level !== 'structure';
  switch (t.typeName) {
    case 'null':
      return () => undefined;
    case 'boolean':
      return full ? booleanLeaf : fixedLeaf(1);
    case 'float':
      return fixedLeaf(4);
    case 'double':
      return fixedLeaf(8);
    case 'fixed':
      return fixedLeaf(t.size ?? 0);
    case 'int':
      return full ? intLeaf : varintLeaf;
    case 'long':
      return full ? longLeaf : varintLeaf;
    case 'string':
      return full ? stringLeaf : lengthPrefixedLeaf;
    case 'bytes':
      return lengthPrefixedLeaf;
    case 'logical:uuid':
      return logical ? uuidLeaf : lengthPrefixedLeaf;
    case 'logical:timestamp-millis':
      return logical ? timestampLeaf : varintLeaf;
    case 'logical:date':
      return logical ? dateLeaf : varintLeaf;
    case 'logical:decimal':
      return logical ? decimalLeaf(t.precision ?? 1, full) : lengthPrefixedLeaf;
    default:
      return undefined;
  }
}

function enumProblem(index: number): Problem {
  return Number.isNaN(index) ? TRUNCATED : { fatal: false, got: `symbol index ${index}` };
}

/** Reads a captured field: a string (plain or uuid) or an enum symbol, as decoding would give it. */
function capture(type: avro.Type, index: number, path: string, level: SkimLevel): Step {
  const t = internalsOf(type);
  if (t.typeName === 'string' || t.typeName === 'logical:uuid') {
    const check = leafOf(t, level)!;
    return (cursor, out) => {
      const start = cursor.pos;
      if (check(cursor) !== undefined) return false;
      // Re-read the length the check just confirmed, to slice the text it covers.
      cursor.pos = start;
      const length = readLong(cursor);
      out[index] = cursor.buf.toString('utf8', cursor.pos, cursor.pos + length);
      cursor.pos += length;
      return true;
    };
  }
  if (t.typeName === 'enum') {
    const symbols = t.symbols ?? [];
    return (cursor, out) => {
      const symbol = symbols[readLong(cursor)];
      if (symbol === undefined) return false;
      out[index] = symbol;
      return true;
    };
  }
  throw new Error(`skim: cannot read '${path}' (${t.typeName}); only strings, uuids and enums`);
}

function compile(
  type: avro.Type,
  captures: ReadonlyMap<string, number>,
  at: string,
  seen: Map<avro.Type, Step>,
  level: SkimLevel,
): Step {
  const t = internalsOf(type);
  const plain = captures.size === 0;
  if (plain) {
    const known = seen.get(type);
    if (known) return known;
  }
  let step: Step;
  const leaf = leafOf(t, level);
  if (leaf) {
    step = (cursor) => leaf(cursor) === undefined;
    seen.set(type, step);
    return step;
  }
  switch (t.typeName) {
    case 'enum': {
      const count = t.symbols?.length ?? 0;
      step = (cursor) => {
        const index = readLong(cursor);
        return index >= 0 && index < count;
      };
      break;
    }
    case 'record':
    case 'error': {
      // Recursive records: a placeholder until the record's own step exists.
      const own: { step?: Step } = {};
      if (plain) seen.set(type, (cursor, out) => own.step!(cursor, out));
      const steps = (t.fields ?? []).map((field) => {
        const path = at === '' ? field.name : `${at}.${field.name}`;
        const index = captures.get(path);
        if (index !== undefined) return capture(field.type, index, path, level);
        const nested = new Map([...captures].filter(([p]) => p.startsWith(`${path}.`)));
        return compile(field.type, nested, path, seen, level);
      });
      step = (cursor, out) => {
        for (let i = 0; i < steps.length; i++) if (!steps[i]!(cursor, out)) return false;
        return true;
      };
      own.step = step;
      break;
    }
    case 'array':
      if (!plain) throw new Error(`skim: cannot read fields inside the array '${at}'`);
      step = blocks(compile(t.itemsType!, captures, at, seen, level));
      break;
    case 'map': {
      if (!plain) throw new Error(`skim: cannot read fields inside the map '${at}'`);
      const value = compile(t.valuesType!, captures, at, seen, level);
      const key = level === 'full' ? stringLeaf : lengthPrefixedLeaf;
      step = blocks((cursor, out) => key(cursor) === undefined && value(cursor, out));
      break;
    }
    default:
      if (t.typeName.startsWith('union')) {
        // A field read inside a union branch is left undefined when another branch was written.
        const branches = (t.types ?? []).map((branch) => compile(branch, captures, at, seen, level));
        step = (cursor, out) => {
          const branch = branches[readLong(cursor)];
          return branch !== undefined && branch(cursor, out);
        };
        break;
      }
      throw new Error(`skim: no rule for Avro type ${t.typeName} at '${at || '(root)'}'`);
  }
  if (plain) seen.set(type, step);
  return step;
}

/** An array's or map's blocks: a count (negative: followed by the block's size in bytes), 0 ends. */
function blocks(item: Step): Step {
  return (cursor, out) => {
    for (;;) {
      let count = readLong(cursor);
      if (count === 0) return true;
      if (Number.isNaN(count)) return false;
      if (count < 0) {
        count = -count;
        if (Number.isNaN(readLong(cursor))) return false;
      }
      // As the decoder: every item takes at least a byte, so a larger count is garbage.
      if (count > cursor.buf.length - cursor.pos) return false;
      while (count-- > 0) if (!item(cursor, out)) return false;
    }
  };
}

export interface Skimmer {
  /** The dotted paths read, in the order of the values a skim returns. */
  readonly paths: readonly string[];
  /**
   * The values at `paths` when `buf` from `offset` to its end is one value of the schema that
   * full validation accepts; undefined when the skim cannot confirm that (`explainBytes` says why).
   */
  skim(buf: Buffer, offset: number): Captured | undefined;
}

/** Compiles a skimmer for a record type; `paths` name string, uuid or enum fields outside arrays and maps. */
export function compileSkimmer(type: avro.Type, paths: readonly string[]): Skimmer {
  const captures = new Map(paths.map((path, index) => [path, index]));
  const step = compile(type, captures, '', new Map(), 'full');
  return {
    paths,
    skim(buf, offset) {
      const cursor: Cursor = { buf, pos: offset };
      const out: Captured = new Array<string | undefined>(paths.length).fill(undefined);
      return step(cursor, out) && cursor.pos === buf.length ? out : undefined;
    },
  };
}

/**
 * A step over one value of `type` that confirms it as a skim does and, with `strict`, also
 * confirms its logical values as writing them back would (see leafOf): for copying a value's
 * bytes from one message into another. Steps of one `seen` map are shared between types.
 */
export function compileSkip(
  type: avro.Type,
  seen: Map<avro.Type, (cursor: Cursor) => boolean> = new Map(),
  strict = true,
): (cursor: Cursor) => boolean {
  const step = compile(type, new Map(), '', seen, strict ? 'logical' : 'structure');
  return (cursor) => step(cursor, []);
}

function expectedText(type: avro.Type): string {
  try {
    return expectedOf(type);
  } catch {
    return type.typeName;
  }
}

function arrayPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/**
 * Every field of `buf` from `offset` that full validation refuses, by path, as the validator of
 * decoded values names them (`meta.eventId: expected uuid string, got string: not in 8-4-4-4-12
 * hex form`). The walk goes on past a bad value and stops at the first bad structure (a length,
 * a union index, the end of the bytes), which it names with the field it was reading. Empty
 * exactly when a skim of the same bytes succeeds. Slow (paths are built), for the error path.
 */
export function explainBytes(type: avro.Type, buf: Buffer, offset: number): BytesVerdict {
  const errors: FieldError[] = [];
  let malformed = false;
  const cursor: Cursor = { buf, pos: offset };
  const report = (path: string, expected: string, problem: Problem): boolean => {
    errors.push(fieldError(path, expected, problem.got, problem.reason));
    malformed ||= problem.fatal;
    return !problem.fatal;
  };
  // Returns false when the walk cannot go on.
  const walk = (type: avro.Type, path: string, expected: string): boolean => {
    const t = internalsOf(type);
    const leaf = leafOf(t, 'full');
    if (leaf) {
      const problem = leaf(cursor);
      return problem === undefined || report(path, expected, problem);
    }
    switch (t.typeName) {
      case 'enum': {
        const index = readLong(cursor);
        return (index >= 0 && index < (t.symbols?.length ?? 0)) || report(path, expected, enumProblem(index));
      }
      case 'record':
      case 'error':
        for (const field of t.fields ?? []) {
          const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
          if (!walk(field.type, fieldPath, expectedText(field.type))) return false;
        }
        return true;
      case 'array':
      case 'map': {
        let index = 0;
        for (;;) {
          let count = readLong(cursor);
          if (count === 0) return true;
          if (Number.isNaN(count)) return report(path, expected, TRUNCATED);
          if (count < 0) {
            count = -count;
            if (Number.isNaN(readLong(cursor))) return report(path, expected, TRUNCATED);
          }
          if (count > cursor.buf.length - cursor.pos) {
            return report(path, expected, { fatal: true, got: `a block of ${count} items in fewer bytes` });
          }
          for (; count > 0; count--, index++) {
            if (t.typeName === 'array') {
              if (!walk(t.itemsType!, arrayPath(path, index), expectedText(t.itemsType!))) return false;
              continue;
            }
            const start = cursor.pos;
            const keyProblem = stringLeaf(cursor);
            if (keyProblem !== undefined) return report(arrayPath(path, index), 'map key string', keyProblem);
            cursor.pos = start;
            const length = readLong(cursor);
            const key = cursor.buf.toString('utf8', cursor.pos, cursor.pos + length);
            cursor.pos += length;
            const itemPath = `${path}[${JSON.stringify(key)}]`;
            if (!walk(t.valuesType!, itemPath, expectedText(t.valuesType!))) return false;
          }
        }
      }
      default: {
        if (!t.typeName.startsWith('union')) return report(path, expected, { fatal: true, got: t.typeName });
        const index = readLong(cursor);
        const branch = t.types?.[index];
        if (branch === undefined) {
          return report(
            path,
            expected,
            Number.isNaN(index) ? TRUNCATED : { fatal: true, got: `branch index ${index}` },
          );
        }
        // A bad value right at this path reads as the validator says it: "expected null or X".
        const branchLeaf = leafOf(internalsOf(branch), 'full') !== undefined;
        return walk(
          branch,
          path,
          branchLeaf || internalsOf(branch).typeName === 'enum' ? expected : expectedText(branch),
        );
      }
    }
  };
  if (walk(type, '', expectedText(type)) && cursor.pos !== buf.length) {
    report('', `${expectedText(type)} and nothing after it`, {
      fatal: true,
      got: `${buf.length - cursor.pos} trailing byte(s)`,
    });
  }
  return { errors, malformed };
}

export interface BytesVerdict {
  /** Every field full validation refuses; empty when the bytes are valid. */
  readonly errors: FieldError[];
  /**
   * True when the bytes are not one value of the schema at all (truncated, a negative length,
   * a union index out of range, trailing bytes): the last error says where it broke.
   */
  readonly malformed: boolean;
}

export { readLong as readAvroLong };
