// A typed view of avsc's type tree (whose typings are loose), shared by the validator, the
// friendly-JSON mapper and the TypeScript generator.
import type avro from 'avsc';
import { AvroError } from './errors.js';
import { isPuenteLogicalType } from './logical-types.js';
import type { PuenteLogicalType } from './logical-types.js';

export type PrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export interface FieldShape {
  readonly name: string;
  readonly type: avro.Type;
  /** True when the writer fills the field in if the value leaves it out. */
  readonly hasDefault: boolean;
}

export type TypeShape =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName }
  | {
      readonly kind: 'logical';
      readonly name: string;
      readonly logical: PuenteLogicalType;
      readonly underlying: avro.Type;
    }
  | { readonly kind: 'record'; readonly name: string; readonly fields: readonly FieldShape[] }
  | { readonly kind: 'enum'; readonly name: string; readonly symbols: readonly string[] }
  | { readonly kind: 'array'; readonly items: avro.Type }
  | { readonly kind: 'map'; readonly values: avro.Type }
  | { readonly kind: 'nullable'; readonly inner: avro.Type };

const PRIMITIVE_NAMES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);

export function shapeOf(type: avro.Type): TypeShape {
  if (PRIMITIVE_NAMES.has(type.typeName)) return { kind: 'primitive', name: type.typeName as PrimitiveName };
  if (isPuenteLogicalType(type)) {
    return {
      kind: 'logical',
      name: type.typeName.slice('logical:'.length),
      logical: type,
      underlying: type.underlyingType,
    };
  }
  switch (type.typeName) {
    case 'record': {
      const record = type as avro.types.RecordType;
      return {
        kind: 'record',
        name: shortName(type.name ?? 'record'),
        fields: record.fields.map((f) => ({ name: f.name, type: f.type, hasDefault: f.defaultValue() !== undefined })),
      };
    }
    case 'enum':
      return { kind: 'enum', name: shortName(type.name ?? 'enum'), symbols: (type as avro.types.EnumType).symbols };
    case 'array':
      return { kind: 'array', items: (type as avro.types.ArrayType).itemsType };
    case 'map':
      return { kind: 'map', values: (type as avro.types.MapType).valuesType as avro.Type };
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = (type as avro.types.UnwrappedUnionType).types;
      const [first, second] = branches;
      if (branches.length === 2 && first?.typeName === 'null' && second) return { kind: 'nullable', inner: second };
      break;
    }
  }
  // Schema rules forbid anything else (fixed, general unions); say so rather than guess.
  throw new AvroError({
    code: 'INVALID_SCHEMA',
    message: `unsupported Avro type ${type.typeName} (${type.name ?? 'anonymous'})`,
  });
}

export function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

/** Human name of what a type accepts, e.g. `string`, `record Address`, `enum Country`. */
export function expectedOf(type: avro.Type): string {
  const shape = shapeOf(type);
  switch (shape.kind) {
    case 'primitive':
      return shape.name;
    case 'logical':
      return shape.logical.expected;
    case 'record':
      return `record ${shape.name}`;
    case 'enum': {
      const listed =
        shape.symbols.length <= 12 ? shape.symbols.join(' | ') : `${shape.symbols.slice(0, 12).join(' | ')} | …`;
      return `enum ${shape.name} (${listed})`;
    }
    case 'array':
      return `array of ${expectedOf(shape.items)}`;
    case 'map':
      return `map of ${expectedOf(shape.values)}`;
    case 'nullable':
      return `null or ${expectedOf(shape.inner)}`;
  }
}

export function fieldPath(parent: string, name: string): string {
  return parent ? `${parent}.${name}` : name;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !Buffer.isBuffer(value) &&
    !(value instanceof Date)
  );
}
