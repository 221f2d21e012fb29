// BACKWARD compatibility (a reader on the new schema reads data written with the old one),
// checked field by field so a breaking change is reported by name and reason rather than as
// avsc's terse "cannot read". avsc's own resolver is still run last as the authority.
import avro from 'avsc';
import { messageOf } from './errors.js';
import { DecimalType } from './logical-types.js';

export interface CompatibilityIssue {
  /** Field path in the reader, arrays as `[]`, e.g. `goods[].hsCode`; `''` for the root. */
  readonly path: string;
  /** What breaks, as a phrase that follows the path, e.g. `added without a default`. */
  readonly problem: string;
}

const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

function describe(type: avro.Type): string {
  if (type instanceof DecimalType) return `decimal(${type.precision},${type.scale})`;
  if (avro.Type.isType(type, 'logical')) return type.typeName.slice('logical:'.length);
  if (avro.Type.isType(type, 'union')) {
    return (type as avro.types.UnwrappedUnionType).types.map(describe).join(' | ');
  }
  return type.name ?? type.typeName;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** Issues that stop `reader` from reading data written with `writer`; empty when compatible. */
export function checkBackward(reader: avro.Type, writer: avro.Type): CompatibilityIssue[] {
  const issues: CompatibilityIssue[] = [];
  const visited = new Set<string>();
  walk(reader, writer, '', issues, visited);
  if (issues.length === 0) {
    try {
      reader.createResolver(writer);
    } catch (err) {
      issues.push({ path: '', problem: `cannot be resolved by avsc (${messageOf(err)})` });
    }
  }
  return issues;
}

function walk(
  reader: avro.Type,
  writer: avro.Type,
  path: string,
  issues: CompatibilityIssue[],
  visited: Set<string>,
): void {
  const rUnion = avro.Type.isType(reader, 'union');
  const wUnion = avro.Type.isType(writer, 'union');
  if (rUnion || wUnion) {
    const rBranches = rUnion ? (reader as avro.types.UnwrappedUnionType).types : [reader];
    const wBranches = wUnion ? (writer as avro.types.UnwrappedUnionType).types : [writer];
    for (const w of wBranches) {
      const match =
        rBranches.find((r) => r.typeName === w.typeName && r.name === w.name) ?? rBranches.find((r) => sameKind(r, w));
      if (!match) {
        const what = w.typeName === 'null' ? 'became required' : `no longer accepts ${describe(w)}`;
        issues.push({ path, problem: `${what} (was ${describe(writer)}, now ${describe(reader)})` });
        continue;
      }
      walk(match, w, path, issues, visited);
    }
    return;
  }

  const rLogical = avro.Type.isType(reader, 'logical');
  const wLogical = avro.Type.isType(writer, 'logical');
  if (rLogical && wLogical) {
    if (reader.typeName !== writer.typeName) {
      issues.push({ path, problem: `changed logical type from ${describe(writer)} to ${describe(reader)}` });
    } else if (reader instanceof DecimalType && writer instanceof DecimalType) {
      if (reader.scale !== writer.scale) {
        issues.push({
          path,
          problem: `changed decimal scale from ${writer.scale} to ${reader.scale}, which would rescale every value`,
        });
      } else if (reader.precision < writer.precision) {
        issues.push({ path, problem: `narrowed decimal precision from ${writer.precision} to ${reader.precision}` });
      }
    }
    return;
  }
  if (rLogical) {
    walk((reader as avro.types.LogicalType).underlyingType, writer, path, issues, visited);
    return;
  }
  if (wLogical) {
    walk(reader, (writer as avro.types.LogicalType).underlyingType, path, issues, visited);
    return;
  }

  if (reader.typeName === 'record' && writer.typeName === 'record') {
    walkRecord(reader as avro.types.RecordType, writer as avro.types.RecordType, path, issues, visited);
    return;
  }
  if (reader.typeName === 'enum' && writer.typeName === 'enum') {
    const r = reader as avro.types.EnumType & { readonly default?: string };
    const w = writer as avro.types.EnumType;
    if (r.name !== w.name && !(r.aliases ?? []).includes(w.name ?? '')) {
      issues.push({ path, problem: `renamed enum ${w.name ?? '?'} to ${r.name ?? '?'} without an alias` });
      return;
    }
    const lost = w.symbols.filter((s) => !r.symbols.includes(s));
    if (lost.length > 0 && r.default === undefined) {
      const names = lost.map((s) => `'${s}'`).join(', ');
      issues.push({ path, problem: `lost enum symbol(s) ${names} of ${describe(w)} and the enum has no default` });
    }
    return;
  }
  if (reader.typeName === 'array' && writer.typeName === 'array') {
    const r = (reader as avro.types.ArrayType).itemsType;
    const w = (writer as avro.types.ArrayType).itemsType;
    walk(r, w, `${path}[]`, issues, visited);
    return;
  }
  if (reader.typeName === 'map' && writer.typeName === 'map') {
    const r = (reader as avro.types.MapType).valuesType as avro.Type;
    const w = (writer as avro.types.MapType).valuesType as avro.Type;
    walk(r, w, `${path}{}`, issues, visited);
    return;
  }
  if (reader.typeName === writer.typeName) return;
  if ((PROMOTIONS[writer.typeName] ?? []).includes(reader.typeName)) return;
  issues.push({ path, problem: `changed type from ${describe(writer)} to ${describe(reader)}` });
}

function sameKind(reader: avro.Type, writer: avro.Type): boolean {
  const r = avro.Type.isType(reader, 'logical') ? (reader as avro.types.LogicalType).underlyingType : reader;
  const w = avro.Type.isType(writer, 'logical') ? (writer as avro.types.LogicalType).underlyingType : writer;
  return r.typeName === w.typeName || (PROMOTIONS[w.typeName] ?? []).includes(r.typeName);
}

function walkRecord(
  reader: avro.types.RecordType,
  writer: avro.types.RecordType,
  path: string,
  issues: CompatibilityIssue[],
  visited: Set<string>,
): void {
  if (reader.name !== writer.name && !(reader.aliases ?? []).includes(writer.name ?? '')) {
    issues.push({ path, problem: `renamed record ${writer.name ?? '?'} to ${reader.name ?? '?'} without an alias` });
    return;
  }
  // Named types repeat across the tree (Person in several places); one visit per path is enough.
  const key = `${path}|${reader.name ?? ''}`;
  if (visited.has(key)) return;
  visited.add(key);
  for (const field of reader.fields) {
    const names = [field.name, ...(field.aliases ?? [])];
    const source = writer.fields.find((w) => names.includes(w.name));
    const fieldPath = join(path, field.name);
    if (!source) {
      if (field.defaultValue() === undefined) issues.push({ path: fieldPath, problem: 'added without a default' });
      continue;
    }
    walk(field.type, source.type, fieldPath, issues, visited);
  }
}

/** `CargoManifest: field 'foo' added without a default: a v2 reader cannot read v1 data`. */
export function formatIssue(
  rootName: string,
  issue: CompatibilityIssue,
  readerVersion: number,
  writerVersion: number,
): string {
  const where = issue.path ? `field '${issue.path}' ` : '';
  return `${rootName}: ${where}${issue.problem}: a v${readerVersion} reader cannot read v${writerVersion} data`;
}
