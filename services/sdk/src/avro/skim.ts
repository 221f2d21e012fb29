// Skimming: confirming that Avro bytes decode under a schema without building the value, and
// reading only a few string fields on the way. The gateway validates every published event
// against its topic's schema but needs just its meta and key; decoding the whole event for
// that made half of what its publish path allocated. A skim is never more lenient than
// decoding: whatever it cannot confirm (a bad union or enum index, a negative or overlong
// length, an array count larger than the bytes left, bytes left over) it refuses, and the
// caller decodes to get the verdict and the error that names the field.
import type avro from 'avsc';

export interface Cursor {
  readonly buf: Buffer;
  pos: number;
}

/** Captured values, by the index of their path in the skimmer's `paths`. */
type Captured = (string | undefined)[];
/** Advances the cursor over one value; false when the bytes cannot be confirmed. */
type Step = (cursor: Cursor, out: Captured) => boolean;

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
/** Dates a 'YYYY-MM-DD' string can hold (0000-01-01 … 9999-12-31), in days since 1970-01-01. */
const FIRST_DAY = -719_528;
const LAST_DAY = 2_932_896;
/** The largest magnitude a JavaScript Date holds, in milliseconds. */
const MAX_DATE_MS = 8.64e15;

/**
 * Steps for logical types that also confirm what writing the value back would confirm (a uuid in
 * 8-4-4-4-12 form, a timestamp a Date can hold, a date of years 0000-9999, a decimal within its
 * precision): bytes copied unchanged into another message then hold nothing the writer refuses.
 * A decimal longer than 6 bytes with a precision that could not fill them is refused even when
 * its value would fit.
 */
function strictStep(t: TypeInternals & { readonly precision?: number }): Step | undefined {
  switch (t.typeName) {
    case 'logical:uuid':
      return (cursor) => {
        const length = readLong(cursor);
        if (length !== 36 || length > cursor.buf.length - cursor.pos) return false;
        const start = cursor.pos;
        cursor.pos += length;
        return isUuidText(cursor.buf, start);
      };
    case 'logical:timestamp-millis':
      return (cursor) => Math.abs(readLong(cursor)) <= MAX_DATE_MS;
    case 'logical:date':
      return (cursor) => {
        const day = readLong(cursor);
        return day >= FIRST_DAY && day <= LAST_DAY;
      };
    case 'logical:decimal': {
      // n bytes hold at most 2^(8n-1) in magnitude: below 10^precision whenever 8n-1 <= log2 of it.
      const precision = t.precision ?? 1;
      const safeBytes = Math.floor((Math.floor(precision * Math.log2(10)) + 1) / 8);
      const limit = 10 ** precision;
      return (cursor) => {
        const length = readLong(cursor);
        if (!(length >= 0) || length > cursor.buf.length - cursor.pos) return false;
        const start = cursor.pos;
        cursor.pos += length;
        if (length <= safeBytes) return true;
        // Longer: exact up to 6 bytes (Buffer reads them as a number), refused beyond.
        return length <= 6 && Math.abs(cursor.buf.readIntBE(start, length)) < limit;
      };
    }
    default:
      return undefined;
  }
}

/** A zig-zag varint as a number, or NaN when it runs past the end. Exact up to 2^53. */
function readLong(cursor: Cursor): number {
  const { buf } = cursor;
  let n = 0;
  let scale = 1;
  let byte: number;
  do {
    if (cursor.pos >= buf.length) return Number.NaN;
    byte = buf[cursor.pos++]!;
    n += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte & 0x80);
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** Skips a length-prefixed run of bytes (string, bytes, uuid, decimal). */
function skipLengthPrefixed(cursor: Cursor): boolean {
  const length = readLong(cursor);
  if (!(length >= 0) || length > cursor.buf.length - cursor.pos) return false;
  cursor.pos += length;
  return true;
}

function fixedWidth(width: number): Step {
  return (cursor) => {
    if (width > cursor.buf.length - cursor.pos) return false;
    cursor.pos += width;
    return true;
  };
}

const skipVarint: Step = (cursor) => !Number.isNaN(readLong(cursor));

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

interface TypeInternals {
  readonly typeName: string;
  readonly fields?: readonly { readonly name: string; readonly type: avro.Type }[];
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly itemsType?: avro.Type;
  readonly valuesType?: avro.Type;
  readonly types?: readonly avro.Type[];
  readonly underlyingType?: avro.Type;
}

/** Reads a captured field: a string (plain or uuid) or an enum symbol, as decoding would give it. */
function capture(type: avro.Type, index: number, path: string): Step {
  const t = type as unknown as TypeInternals;
  if (t.typeName === 'string' || t.typeName === 'logical:uuid') {
    return (cursor, out) => {
      const length = readLong(cursor);
      if (!(length >= 0) || length > cursor.buf.length - cursor.pos) return false;
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
  strict = false,
): Step {
  const t = type as unknown as TypeInternals;
  const plain = captures.size === 0;
  if (plain) {
    const known = seen.get(type);
    if (known) return known;
  }
  let step: Step;
  const checked = strict ? strictStep(t) : undefined;
  if (checked) {
    seen.set(type, checked);
    return checked;
  }
  switch (t.typeName) {
    case 'null':
      step = () => true;
      break;
    case 'boolean':
      step = fixedWidth(1);
      break;
    case 'float':
      step = fixedWidth(4);
      break;
    case 'double':
      step = fixedWidth(8);
      break;
    case 'fixed':
      step = fixedWidth(t.size ?? 0);
      break;
    case 'int':
    case 'long':
    case 'logical:date':
    case 'logical:timestamp-millis':
      step = skipVarint;
      break;
    case 'string':
    case 'bytes':
    case 'logical:uuid':
    case 'logical:decimal':
      step = skipLengthPrefixed;
      break;
    case 'enum': {
      const count = t.symbols?.length ?? 0;
      step = (cursor) => {
        const index = readLong(cursor);
        return index >= 0 && index < count && Number.isInteger(index);
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
        if (index !== undefined) return capture(field.type, index, path);
        const nested = new Map([...captures].filter(([p]) => p.startsWith(`${path}.`)));
        return compile(field.type, nested, path, seen, strict);
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
      step = blocks(compile(t.itemsType!, captures, at, seen, strict));
      break;
    case 'map': {
      if (!plain) throw new Error(`skim: cannot read fields inside the map '${at}'`);
      const value = compile(t.valuesType!, captures, at, seen, strict);
      step = blocks((cursor, out) => skipLengthPrefixed(cursor) && value(cursor, out));
      break;
    }
    default:
      if (t.typeName.startsWith('union')) {
        // A field read inside a union branch is left undefined when another branch was written.
        const branches = (t.types ?? []).map((branch) => compile(branch, captures, at, seen, strict));
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

export interface Skimmer {
  /** The dotted paths read, in the order of the values a skim returns. */
  readonly paths: readonly string[];
  /**
   * The values at `paths` when `buf` from `offset` to its end is one value of the schema that
   * decoding would accept; undefined when the skim cannot confirm that (decode for the verdict).
   */
  skim(buf: Buffer, offset: number): Captured | undefined;
}

/** Compiles a skimmer for a record type; `paths` name string, uuid or enum fields outside arrays and maps. */
export function compileSkimmer(type: avro.Type, paths: readonly string[]): Skimmer {
  const captures = new Map(paths.map((path, index) => [path, index]));
  const step = compile(type, captures, '', new Map());
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
 * confirms its logical values as writing them back would (see strictStep): for copying a value's
 * bytes from one message into another. Steps of one `seen` map are shared between types.
 */
export function compileSkip(
  type: avro.Type,
  seen: Map<avro.Type, (cursor: Cursor) => boolean> = new Map(),
  strict = true,
): (cursor: Cursor) => boolean {
  const step = compile(type, new Map(), '', seen, strict);
  return (cursor) => step(cursor, []);
}

export { readLong as readAvroLong };
