// A rule's projection applied to the event's Avro bytes instead of its decoded value: the view's
// Avro is written straight from the source's. Subtrees the view keeps as they are (and whose
// values a writer would accept back: see compileSkip's strict check) are copied as bytes, fields
// it removes are skipped over, and only the fields it transforms are decoded, one value each.
// It follows generateProjector's walk of the same shapes; for events in the form our writer
// produces, the bytes equal encoding that projector's view (a test checks every rule on many
// events). Whatever it cannot confirm makes it give up (undefined); the caller then decodes.
import type { Type } from 'avsc';

import { internalsOf } from '@puente/contracts/avsc';
import { compileSkip, readAvroLong, type Cursor } from '@puente/contracts/binary';
import { writeZigzagVarint } from '@puente/contracts/binary';
import { unwrapNullable } from './condition.js';
import { expandIdentity, isIdentity, normalizeNullable, type RuleShape, type ViewShape } from './view-shape.js';

const INITIAL_BYTES = 8 * 1024;
/** Past this, the buffer is let go after use: one huge event must not pin it for good. */
const RETAINED_BYTES = 1024 * 1024;

/** The view being written: a growing buffer, reused from call to call. */
export class ViewWriter {
  buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  pos = 0;

  reset(reserve: number): void {
    if (this.buf.length > RETAINED_BYTES) this.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    this.pos = reserve;
  }

  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** A zig-zag varint, as avsc writes an int or long (whole numbers within 2^53). */
  long(n: number): void {
    this.room(10);
    this.pos = writeZigzagVarint(this.buf, this.pos, n);
  }

  copy(source: Buffer, start: number, end: number): void {
    const length = end - start;
    this.room(length);
    if (length <= 128) {
      // Most runs are short: a loop, not Buffer#copy's view object and call into C++.
      const { buf } = this;
      for (let i = 0; i < length; i++) buf[this.pos + i] = source[start + i]!;
    } else {
      source.copy(this.buf, this.pos, start, end);
    }
    this.pos += length;
  }

  string(text: string): void {
    const length = Buffer.byteLength(text);
    this.long(length);
    this.room(length);
    this.buf.write(text, this.pos, length, 'utf8');
    this.pos += length;
  }

  /** What was written, in a buffer of its own. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}

/** Reads one value of the source and writes the view's; false when the bytes cannot be confirmed. */
type Emit = (source: Cursor, out: ViewWriter) => boolean;

export type ByteProjector = (source: Cursor, out: ViewWriter) => boolean;

type Skip = (cursor: Cursor) => boolean;

interface BuildContext {
  /** Strict steps (for bytes that are copied) and plain ones (for bytes that are dropped). */
  readonly copied: Map<Type, Skip>;
  readonly dropped: Map<Type, Skip>;
}

class NotProjectable extends Error {}

function copyOf(type: Type, ctx: BuildContext): Emit {
  return copyRun([compileSkip(type, ctx.copied, true)]);
}

/** Whether build() would copy the value's bytes as they are (see the 'original' and 'string' cases). */
function copiedWhole(rule: RuleShape | null, view: ViewShape): boolean {
  return (
    rule !== null &&
    normalizeNullable(rule).kind !== 'transform' &&
    (view.kind === 'original' || view.kind === 'string')
  );
}

/** Copies the bytes of consecutive values, checked one by one, in one piece. */
function copyRun(skips: readonly Skip[]): Emit {
  return (source, out) => {
    const start = source.pos;
    for (let i = 0; i < skips.length; i++) if (!skips[i]!(source)) return false;
    out.copy(source.buf, start, source.pos);
    return true;
  };
}

function build(rule: RuleShape | null, view: ViewShape, type: Type, ctx: BuildContext): Emit {
  if (rule === null) {
    // A field this rule does not release is null in the view (the merge made it nullable).
    if (view.kind !== 'nullable') throw new NotProjectable('a withheld field is not nullable in the view');
    const skip = compileSkip(type, ctx.dropped, false);
    return (source, out) => {
      if (!skip(source)) return false;
      out.long(0);
      return true;
    };
  }
  const shape = normalizeNullable(rule);
  if (shape.kind === 'transform') {
    const apply = shape.apply;
    const nullable = view.kind === 'nullable';
    if (!nullable && view.kind !== 'string') throw new NotProjectable('a transformed field is not a string');
    return (source, out) => {
      // One value decoded by its own type, exactly as decoding the whole event reads it.
      const read = type.decode(source.buf, source.pos);
      const value: unknown = read.value;
      if (read.offset < 0) return false;
      source.pos = read.offset;
      if (nullable) out.long(1);
      out.string(apply(value));
      return true;
    };
  }
  switch (view.kind) {
    case 'original':
    case 'string':
      return copyOf(type, ctx);
    case 'nullable': {
      if (shape.kind !== 'nullable') {
        // Required in the source, optional in the view: always the non-null branch.
        const inner = build(shape, view.inner, type, ctx);
        return (source, out) => {
          out.long(1);
          return inner(source, out);
        };
      }
      const branches = (internalsOf(type).types ?? []).map((branch) =>
        branch.typeName === 'null' ? null : build(shape.inner, view.inner, branch, ctx),
      );
      return (source, out) => {
        const index = readAvroLong(source);
        const branch = branches[index];
        if (branch === undefined) return false;
        if (branch === null) {
          out.long(0);
          return true;
        }
        out.long(1);
        return branch(source, out);
      };
    }
    case 'array': {
      const expanded = expandIdentity(shape);
      const itemRule = expanded.kind === 'array' ? expanded.items : null;
      const itemsType = internalsOf(unwrapNullable(type).type).itemsType;
      if (!itemsType) throw new NotProjectable('an array view over a source that is not an array');
      if (view.items.kind === 'original' && itemRule !== null && isIdentity(itemRule)) return copyOf(type, ctx);
      const item = build(itemRule, view.items, itemsType, ctx);
      return (source, out) => {
        for (;;) {
          let count = readAvroLong(source);
          if (count === 0) {
            out.long(0);
            return true;
          }
          if (Number.isNaN(count)) return false;
          if (count < 0) {
            count = -count;
            if (Number.isNaN(readAvroLong(source))) return false;
          }
          if (count > source.buf.length - source.pos) return false;
          out.long(count);
          while (count-- > 0) if (!item(source, out)) return false;
        }
      };
    }
    case 'record': {
      const expanded = expandIdentity(shape);
      const ruleFields = expanded.kind === 'record' ? expanded.fields : new Map<string, RuleShape>();
      const viewFields = new Map(view.fields.map((field) => [field.name, field]));
      const sourceFields = internalsOf(type).fields ?? [];
      // The view lists its fields in the source's order: writing in source order writes the view's.
      const order = sourceFields.map((f) => f.name).filter((name) => viewFields.has(name));
      if (order.join('\u0000') !== view.fields.map((f) => f.name).join('\u0000'))
        throw new NotProjectable('view fields out of source order');
      // Neighbouring fields kept as they are are copied in one piece.
      const steps: Emit[] = [];
      let run: Skip[] = [];
      const endRun = () => {
        if (run.length > 0) steps.push(copyRun(run));
        run = [];
      };
      for (const field of sourceFields) {
        const viewField = viewFields.get(field.name);
        const rule = ruleFields.get(field.name) ?? null;
        if (viewField && copiedWhole(rule, viewField.shape)) {
          run.push(compileSkip(field.type, ctx.copied, true));
          continue;
        }
        endRun();
        if (viewField) steps.push(build(rule, viewField.shape, field.type, ctx));
        else {
          const skip = compileSkip(field.type, ctx.dropped, false);
          steps.push((source) => skip(source));
        }
      }
      endRun();
      return (source, out) => {
        for (let i = 0; i < steps.length; i++) if (!steps[i]!(source, out)) return false;
        return true;
      };
    }
  }
}

/** One rule's byte projector against the merged view, or undefined when a shape has no byte form. */
export function generateByteProjector(rule: RuleShape, view: ViewShape, rootType: Type): ByteProjector | undefined {
  try {
    return build(rule, view, rootType, { copied: new Map(), dropped: new Map() });
  } catch (error) {
    if (error instanceof NotProjectable) return undefined;
    throw error;
  }
}
