// The one module that reaches into avsc's private members: the Tap cursor our fast readers and
// writers work on, the _read/_write hooks they override, the members of its type tree its typings
// leave out, the schema exporter with a shared registry of names, and the enum lookup we harden.
// avsc 5 has no public way to do any of this (its typings say they are incomplete and point to
// https://github.com/mtth/avsc/pull/134), so an upgrade may move any of it. Everything else in
// Puente goes through the typed accessors here, and this module checks on load that the installed
// avsc still has every member used, refusing to start otherwise (see checkAvscInternals).
import { createRequire } from 'node:module';

import avro from 'avsc';

/** The avsc this adapter was written against; package.json pins the same version (a test checks). */
export const EXPECTED_AVSC_VERSION = '5.7.9';

/** avsc's cursor over the buffer being read or written (its `utils.Tap`, neither exported nor typed). */
export interface Tap {
  readonly buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  writeLong(n: number): void;
  readInt(): number;
  writeInt(n: number): void;
  readString(): string;
  writeString(s: string): void;
  writeFixed(buf: Buffer, len: number): void;
  /** Marks the tap as past its end: avsc's signal for truncated input. */
  _invalidate(): void;
}

/** What avsc calls to read one value; a resolver carries the same hook. */
export interface TapReader {
  _read(tap: Tap): unknown;
}

/** A record field as avsc holds it (its typings omit `doc`). */
export interface FieldInternals {
  readonly name: string;
  readonly type: avro.Type;
  readonly doc?: string;
}

/**
 * The members of an avsc type by kind: a type has those of its kind only (`fields` on records,
 * `itemsType` on arrays …). `precision` and `scale` are our decimal type's (logical-types.ts).
 */
export interface TypeInternals {
  readonly typeName: string;
  readonly name?: string;
  readonly doc?: string;
  readonly fields?: readonly FieldInternals[];
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly itemsType?: avro.Type;
  readonly valuesType?: avro.Type;
  readonly types?: readonly avro.Type[];
  readonly underlyingType?: avro.Type;
  readonly precision?: number;
  readonly scale?: number;
}

/** The members avsc keeps private, on top of the typed view. */
interface PrivateMembers extends TypeInternals {
  readonly _indices?: Record<string, number>;
  _attrs(opts: { exportAttrs: boolean; noDeref: boolean; derefed: Record<string, boolean> }): unknown;
}

const privateOf = (type: avro.Type): PrivateMembers => type as unknown as PrivateMembers;

/** A typed view of a type's members, whatever its kind (see TypeInternals). */
export function internalsOf(type: avro.Type): TypeInternals {
  return privateOf(type);
}

/**
 * A type's schema as `type.schema({ exportAttrs: true })` gives it, except that named types
 * already in `derefed` are written as their name (and the ones written are added): for
 * assembling one schema out of several types' parts, where Avro wants each name defined once.
 */
export function exportSchema(type: avro.Type, derefed: Record<string, boolean>): unknown {
  return privateOf(type)._attrs({ exportAttrs: true, noDeref: false, derefed });
}

/** The symbol → index lookup of an enum type (a plain object in avsc); undefined for other kinds. */
export function enumIndicesOf(type: avro.Type): object | undefined {
  return type.typeName === 'enum' ? privateOf(type)._indices : undefined;
}

/** The slice of the avsc module the check looks at; tests pass doctored copies. */
export interface AvscModule {
  readonly Type: { forSchema(schema: avro.Schema, opts?: Partial<avro.ForSchemaOptions>): avro.Type };
  readonly types: {
    readonly StringType: typeof avro.types.StringType;
    readonly ArrayType: typeof avro.types.ArrayType;
    readonly LogicalType: typeof avro.types.LogicalType;
  };
}

const TAP_METHODS = [
  'readLong',
  'skipLong',
  'writeLong',
  'readInt',
  'writeInt',
  'readString',
  'writeString',
  'writeFixed',
  '_invalidate',
] as const;

const member = (target: unknown, key: string): unknown =>
  typeof target === 'object' && target !== null ? (target as Record<string, unknown>)[key] : undefined;
const isFunction = (target: unknown, key: string): boolean => typeof member(target, key) === 'function';
const isType = (value: unknown): value is avro.Type => isFunction(value, 'toBuffer');

/** The taps and `this` objects avsc handed to the probe hooks of `missingMembers`. */
interface Calls {
  stringWrite?: unknown;
  stringRead?: unknown;
  logicalWrite?: unknown;
  logicalRead?: unknown;
  arrayRead?: unknown;
  resolvedArrayItems?: unknown;
}

const PROBE_SCHEMA: avro.Schema = {
  type: 'record',
  name: 'AvscProbe',
  fields: [
    { name: 's', type: 'string', doc: 'probe' },
    { name: 'e', type: { type: 'enum', name: 'AvscProbeEnum', symbols: ['A', 'B'] } },
    { name: 'a', type: { type: 'array', items: 'int' } },
    { name: 'm', type: { type: 'map', values: 'int' } },
    { name: 'u', type: ['null', 'int'] },
    { name: 'l', type: { type: 'int', logicalType: 'avsc-probe' } },
  ],
};
const PROBE_VALUE = { s: 'x', e: 'B', a: [1], m: { k: 2 }, u: null, l: 3 };

/**
 * Every private avsc member Puente uses that `mod` lacks, by name: the members themselves, and
 * that avsc still calls the `_read`/`_write` hooks our types override (string, logical, array,
 * also through a resolver) with a Tap that has what those hooks use. Never throws: whatever
 * fails on the way is named instead.
 */
export function missingMembers(mod: AvscModule): string[] {
  const missing: string[] = [];
  const need = (ok: boolean, name: string): void => {
    if (!ok) missing.push(name);
  };
  const attempt = <T>(what: string, run: () => T): T | undefined => {
    try {
      return run();
    } catch (error) {
      missing.push(`${what} (it threw: ${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    }
  };

  const string = attempt('a parse of "string"', () => mod.Type.forSchema('string'));
  for (const hook of ['_read', '_write', '_skip']) need(isFunction(string, hook), `a string type's ${hook}`);
  const stockArrayRead = member(mod.types.ArrayType.prototype, '_read');
  need(isFunction(mod.types.StringType.prototype, '_write'), 'StringType.prototype._write');
  need(typeof stockArrayRead === 'function', 'ArrayType.prototype._read');

  const calls: Calls = {};
  // Probes of the hooks we override: each records what avsc handed it and writes nothing, so the
  // probe record's bytes decode without relying on the tap (whose members are checked after).
  class ProbeString extends mod.types.StringType {
    _write(tap: unknown): void {
      calls.stringWrite = tap;
    }
    _read(tap: unknown): string {
      calls.stringRead = tap;
      return '';
    }
  }
  class ProbeLogical extends mod.types.LogicalType {
    _write(tap: unknown): void {
      calls.logicalWrite = tap;
    }
    _read(tap: unknown): number {
      calls.logicalRead = tap;
      return 0;
    }
    protected override _fromValue(value: unknown): unknown {
      return value;
    }
    protected override _toValue(value: unknown): unknown {
      return value;
    }
    protected override _resolve(writer: avro.Type): unknown {
      return writer.typeName === 'logical:avsc-probe' ? (value: unknown) => value : undefined;
    }
  }
  class ProbeArray extends mod.types.ArrayType {
    _read(this: unknown, tap: unknown): unknown {
      calls.arrayRead = tap;
      calls.resolvedArrayItems ??= member(this, 'itemsType');
      return typeof stockArrayRead === 'function' ? (stockArrayRead as (tap: unknown) => unknown).call(this, tap) : [];
    }
  }
  const record = attempt('a parse of a probe record', () =>
    mod.Type.forSchema(PROBE_SCHEMA, {
      wrapUnions: 'auto',
      logicalTypes: { 'avsc-probe': ProbeLogical },
      typeHook: (schema, opts) => {
        if (schema === 'string') return new ProbeString();
        const s = schema as { readonly type?: unknown };
        return typeof s === 'object' && s.type === 'array' ? new ProbeArray(schema, opts) : undefined;
      },
    }),
  );
  if (!record) return missing;

  const fields = member(record, 'fields');
  const fieldAt = (i: number): unknown => (Array.isArray(fields) ? (fields as unknown[])[i] : undefined);
  const typeAt = (i: number): unknown => member(fieldAt(i), 'type');
  need(member(record, 'typeName') === 'record', "a type's typeName");
  need(
    Array.isArray(fields) && member(fieldAt(0), 'name') === 's' && isType(typeAt(0)),
    "a record type's fields (name, type)",
  );
  need(member(fieldAt(0), 'doc') === 'probe', "a record field's doc");
  need(member(member(typeAt(1), '_indices'), 'B') === 1, "an enum type's _indices");
  need(isType(member(typeAt(2), 'itemsType')), "an array type's itemsType");
  need(isType(member(typeAt(3), 'valuesType')), "a map type's valuesType");
  const branches = member(typeAt(4), 'types');
  need(Array.isArray(branches) && branches.length === 2 && isType(branches[1]), "a union type's types");
  need(isType(member(typeAt(5), 'underlyingType')), "a logical type's underlyingType");

  if (isFunction(record, '_attrs')) {
    attempt("a type's _attrs", () => {
      const derefed: Record<string, boolean> = {};
      const first = exportSchema(record, derefed);
      const again = exportSchema(record, derefed);
      need(member(first, 'name') === 'AvscProbe' && again === 'AvscProbe', "a type's _attrs with derefed names");
    });
  } else {
    need(false, "a type's _attrs");
  }

  attempt('encoding and decoding a probe record', () => {
    const bytes = record.toBuffer(PROBE_VALUE);
    record.fromBuffer(bytes);
    calls.resolvedArrayItems = undefined;
    record.fromBuffer(bytes, record.createResolver(record));
  });
  need(calls.stringWrite !== undefined, "a record writer calling a string type's own _write");
  need(calls.stringRead !== undefined, "a record reader calling a string type's own _read");
  need(calls.logicalWrite !== undefined, "a record writer calling a logical type's own _write");
  need(calls.logicalRead !== undefined, "a record reader calling a logical type's own _read");
  need(calls.arrayRead !== undefined, "a record reader calling an array type's own _read");
  need(
    isFunction(calls.resolvedArrayItems, '_read'),
    "a resolver calling an array's _read with an itemsType that has _read",
  );
  const tap = calls.stringWrite;
  if (tap !== undefined) {
    need(Buffer.isBuffer(member(tap, 'buf')), 'Tap#buf');
    need(typeof member(tap, 'pos') === 'number', 'Tap#pos');
    for (const method of TAP_METHODS) need(isFunction(tap, method), `Tap#${method}`);
  }
  return missing;
}

/** Throws, in one sentence, when `mod` lacks a member Puente uses; `version` is the installed avsc's. */
export function checkAvscInternals(mod: AvscModule, version: string): void {
  const missing = missingMembers(mod);
  if (missing.length === 0) return;
  throw new Error(
    `avsc ${version} does not have what Puente relies on (${missing.join('; ')}), as checked by services/sdk/contracts/src/avsc-internals.ts: install avsc ${EXPECTED_AVSC_VERSION}, the version pinned in services/sdk/contracts/package.json, or port avsc-internals.ts to the installed avsc.`,
  );
}

function installedVersion(): string {
  try {
    const manifest: unknown = createRequire(import.meta.url)('avsc/package.json');
    const version = member(manifest, 'version');
    return typeof version === 'string' ? version : 'of unknown version';
  } catch {
    return 'of unknown version';
  }
}

// On load rather than in createCodec: every path that leans on these members imports this module
// (the codec, the schema tools, the skim, the policy's views, which parse schemas without a codec),
// so a process with the wrong avsc stops at start-up, before any schema is parsed, instead of
// misreading bytes later. The check takes a few milliseconds, once per process.
checkAvscInternals(avro, installedVersion());

/** avsc's own string writer, for the strings our fast writer leaves to it. */
export const writeAvscString = (
  avro.types.StringType.prototype as unknown as { readonly _write: (this: avro.Type, tap: Tap, value: unknown) => void }
)._write;
