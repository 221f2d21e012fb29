// Reads the schema sources of record — schemas/avro/*.avsc (one named type per file) and
// schemas/topics.json — enforces the house rules on them, and parses them with avsc in
// dependency order. Tooling and tests use this; services use the generated catalog instead.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type avro from 'avsc';
import type { TopicDefinition } from './catalog.js';
import { AvroError, messageOf } from './errors.js';
import { SUPPORTED_LOGICAL_TYPES } from './logical-types.js';
import { parseSchema } from './parse-options.js';

export const NAMESPACE = 'org.puente.v1';
export const META_TYPE = `${NAMESPACE}.EventMeta`;

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const FIELD_NAME = /^[a-z][A-Za-z0-9]*$/;
const TYPE_NAME = /^[A-Z][A-Za-z0-9]*$/;
const SYMBOL = /^[A-Z][A-Z0-9_]*$/;
const TOPIC_NAME = /^[a-z]+\.[a-z][a-z0-9-]*\.v[0-9]+$/;

export type JsonObject = { readonly [key: string]: unknown };

export interface NamedSchemaFile {
  /** Full name, e.g. `org.puente.v1.EventMeta`. */
  readonly fullName: string;
  /** Path relative to the schemas folder, for messages. */
  readonly file: string;
  /** The file's JSON, as authored. */
  readonly json: JsonObject;
  /** Full names of the named types this one references directly. */
  readonly references: readonly string[];
}

export interface SchemaSource {
  readonly dir: string;
  /** By full name, in dependency order (a type comes after everything it references). */
  readonly types: ReadonlyMap<string, NamedSchemaFile>;
  readonly topics: Readonly<Record<string, TopicDefinition>>;
  /** avsc types of every named type, parsed in dependency order with our logical types. */
  readonly parsed: ReadonlyMap<string, avro.Type>;
}

class Problems {
  readonly list: string[] = [];
  add(where: string, what: string): void {
    this.list.push(`${where}: ${what}`);
  }
  throwIfAny(): void {
    if (this.list.length === 0) return;
    throw new AvroError({
      code: 'INVALID_SCHEMA',
      message: `${this.list.length} schema problem(s):\n  ${this.list.join('\n  ')}`,
    });
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/** Loads and checks `<dir>/avro/*.avsc` and `<dir>/topics.json`; throws INVALID_SCHEMA listing every problem. */
export function loadSchemaSource(dir: string): SchemaSource {
  const problems = new Problems();
  const files = new Map<string, NamedSchemaFile>();
  const avroDir = join(dir, 'avro');
  for (const entry of readdirSync(avroDir).sort()) {
    if (!entry.endsWith('.avsc')) continue;
    const file = `avro/${entry}`;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(avroDir, entry), 'utf8'));
    } catch (err) {
      problems.add(file, `invalid JSON: ${messageOf(err)}`);
      continue;
    }
    const named = checkNamedType(file, entry.slice(0, -'.avsc'.length), json, problems);
    if (named) files.set(named.fullName, named);
  }
  for (const named of files.values()) {
    for (const ref of named.references) {
      if (!files.has(ref)) problems.add(named.file, `references ${ref}, which has no file avro/${shortName(ref)}.avsc`);
    }
  }
  const topics = loadTopics(dir, files, problems);
  problems.throwIfAny();

  const order = dependencyOrder(files, problems);
  problems.throwIfAny();
  const types = new Map(order.map((name) => [name, files.get(name) as NamedSchemaFile]));
  const registry: Record<string, avro.Type> = {};
  const parsed = new Map<string, avro.Type>();
  for (const [name, named] of types) {
    try {
      parsed.set(name, parseSchema(named.json as avro.Schema, registry));
    } catch (err) {
      problems.add(named.file, `not a valid Avro schema: ${messageOf(err)}`);
      problems.throwIfAny();
    }
  }
  checkTopicRoots(topics, types, parsed, problems);
  problems.throwIfAny();
  return { dir, types, topics, parsed };
}

export function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

function checkNamedType(
  file: string,
  baseName: string,
  json: unknown,
  problems: Problems,
): NamedSchemaFile | undefined {
  if (!isObject(json)) {
    problems.add(file, 'must be a JSON object defining one record or enum');
    return undefined;
  }
  const { type, name, namespace, doc } = json;
  if (type !== 'record' && type !== 'enum') {
    problems.add(file, `type must be "record" or "enum" (got ${JSON.stringify(type)})`);
    return undefined;
  }
  if (name !== baseName) problems.add(file, `name ${JSON.stringify(name)} must equal the file name ${baseName}`);
  if (typeof name !== 'string' || !TYPE_NAME.test(name)) problems.add(file, 'name must be PascalCase');
  if (namespace !== NAMESPACE) problems.add(file, `namespace must be "${NAMESPACE}"`);
  if (!nonEmptyString(doc)) problems.add(file, 'needs a "doc"');
  const references = new Set<string>();
  if (type === 'enum') {
    const { symbols } = json;
    if (!Array.isArray(symbols) || symbols.length === 0) {
      problems.add(file, 'enum needs symbols');
    } else {
      for (const symbol of symbols) {
        if (typeof symbol !== 'string' || !SYMBOL.test(symbol)) {
          problems.add(file, `symbol ${JSON.stringify(symbol)} must be UPPER_SNAKE_CASE`);
        }
      }
      if (json['default'] !== undefined && !symbols.includes(json['default'])) {
        problems.add(file, `enum default ${JSON.stringify(json['default'])} is not a symbol`);
      }
    }
  } else {
    const { fields } = json;
    if (!Array.isArray(fields) || fields.length === 0) {
      problems.add(file, 'record needs at least one field');
    } else {
      const seen = new Set<string>();
      for (const field of fields) checkField(file, field, seen, references, problems);
    }
  }
  return { fullName: `${NAMESPACE}.${baseName}`, file, json, references: [...references] };
}

function checkField(file: string, field: unknown, seen: Set<string>, refs: Set<string>, problems: Problems): void {
  if (!isObject(field)) {
    problems.add(file, 'every field must be an object');
    return;
  }
  const name = typeof field['name'] === 'string' ? field['name'] : '?';
  const where = `${file} field '${name}'`;
  if (!FIELD_NAME.test(name)) problems.add(where, 'name must be camelCase');
  if (seen.has(name)) problems.add(where, 'duplicate field name');
  seen.add(name);
  if (!nonEmptyString(field['doc'])) problems.add(where, 'needs a "doc"');
  const type = field['type'];
  if (Array.isArray(type)) {
    // The policy engine and its view schemas rely on every union being a plain nullable.
    if (type.length !== 2 || type[0] !== 'null' || type[1] === 'null' || Array.isArray(type[1])) {
      problems.add(where, 'unions must be exactly ["null", T] (no other unions are allowed)');
    } else if (!('default' in field) || field['default'] !== null) {
      problems.add(where, 'a nullable field must have "default": null');
    }
    if (type.length === 2) checkTypeExpression(where, type[1], refs, problems);
    return;
  }
  checkTypeExpression(where, type, refs, problems);
}

function checkTypeExpression(where: string, type: unknown, refs: Set<string>, problems: Problems): void {
  if (typeof type === 'string') {
    // A bare null carries no data and would let an array item take zero bytes.
    if (type === 'null') problems.add(where, '"null" is only allowed as the first branch of ["null", T]');
    if (PRIMITIVES.has(type)) return;
    if (!type.includes('.')) {
      problems.add(where, `reference named types by full name (${NAMESPACE}.${type}), not ${JSON.stringify(type)}`);
      return;
    }
    refs.add(type);
    return;
  }
  if (Array.isArray(type)) {
    problems.add(where, 'unions are only allowed as a field\'s whole type, as ["null", T]');
    return;
  }
  if (!isObject(type)) {
    problems.add(where, `invalid type ${JSON.stringify(type)}`);
    return;
  }
  const kind = type['type'];
  if (kind === 'array') {
    checkTypeExpression(`${where} items`, type['items'], refs, problems);
    return;
  }
  if (kind === 'map') {
    problems.add(where, 'maps are not allowed: use an array of records (policies address arrays with [*])');
    return;
  }
  if (kind === 'record' || kind === 'enum' || kind === 'fixed' || kind === 'error') {
    problems.add(where, `define ${String(kind)} types in their own file under avro/, and reference them by full name`);
    return;
  }
  if (typeof kind === 'string' && PRIMITIVES.has(kind) && kind !== 'null') {
    const logical = type['logicalType'];
    if (logical !== undefined && (typeof logical !== 'string' || !SUPPORTED_LOGICAL_TYPES.has(logical))) {
      problems.add(
        where,
        `unsupported logicalType ${JSON.stringify(logical)} (supported: ${[...SUPPORTED_LOGICAL_TYPES].join(', ')})`,
      );
    }
    return;
  }
  problems.add(where, `invalid type ${JSON.stringify(type)}`);
}

function dependencyOrder(files: ReadonlyMap<string, NamedSchemaFile>, problems: Problems): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    const current = state.get(name);
    if (current === 'done') return;
    if (current === 'visiting') {
      problems.add(
        `avro/${shortName(name)}.avsc`,
        `recursive types are not supported: ${[...trail, name].map(shortName).join(' → ')}`,
      );
      return;
    }
    state.set(name, 'visiting');
    for (const ref of files.get(name)?.references ?? []) visit(ref, [...trail, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of [...files.keys()].sort()) visit(name, []);
  return order;
}

function loadTopics(
  dir: string,
  files: ReadonlyMap<string, NamedSchemaFile>,
  problems: Problems,
): Record<string, TopicDefinition> {
  const where = 'topics.json';
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(dir, 'topics.json'), 'utf8'));
  } catch (err) {
    problems.add(where, `cannot read: ${messageOf(err)}`);
    return {};
  }
  const raw = isObject(json) ? json['topics'] : undefined;
  if (!isObject(raw)) {
    problems.add(where, 'must be an object with a "topics" object');
    return {};
  }
  const topics: Record<string, TopicDefinition> = {};
  for (const topic of Object.keys(raw).sort()) {
    const entry = raw[topic];
    if (!TOPIC_NAME.test(topic))
      problems.add(where, `topic ${JSON.stringify(topic)} is not <origin>.<domain>.v<major>`);
    if (!isObject(entry) || typeof entry['valueType'] !== 'string' || typeof entry['keyField'] !== 'string') {
      problems.add(where, `topic ${topic} needs "valueType" and "keyField" strings`);
      continue;
    }
    if (!files.has(entry['valueType'])) problems.add(where, `topic ${topic}: unknown valueType ${entry['valueType']}`);
    topics[topic] = { valueType: entry['valueType'], keyField: entry['keyField'] };
  }
  return topics;
}

function checkTopicRoots(
  topics: Readonly<Record<string, TopicDefinition>>,
  types: ReadonlyMap<string, NamedSchemaFile>,
  parsed: ReadonlyMap<string, avro.Type>,
  problems: Problems,
): void {
  for (const [topic, { valueType, keyField }] of Object.entries(topics)) {
    const where = `topics.json ${topic}`;
    const json = types.get(valueType)?.json;
    const type = parsed.get(valueType);
    if (!json || !type) continue;
    if (json['type'] !== 'record') {
      problems.add(where, `${valueType} must be a record`);
      continue;
    }
    const fields = (json['fields'] as readonly JsonObject[] | undefined) ?? [];
    const first = fields[0];
    if (!first || first['name'] !== 'meta' || first['type'] !== META_TYPE) {
      problems.add(where, `${shortName(valueType)} must have "meta": ${META_TYPE} as its first field`);
    }
    const key = fields.find((f) => f['name'] === keyField);
    const keyType = key?.['type'];
    const isString = keyType === 'string' || (isObject(keyType) && keyType['type'] === 'string');
    if (!key || !isString) {
      problems.add(
        where,
        `keyField ${JSON.stringify(keyField)} must be a non-null top-level string field of ${shortName(valueType)}`,
      );
    }
  }
}
