// Turns a root type and the named types it references into one self-contained schema, the
// form registered for a subject: each named type defined inline at its first use and referred
// to by full name afterwards (standard Avro; Confluent-compatible without schema references).
import { createHash } from 'node:crypto';
import type { JsonObject, NamedSchemaFile } from './schema-source.js';

export function expandSchema(rootFullName: string, types: ReadonlyMap<string, NamedSchemaFile>): JsonObject {
  const defined = new Set<string>();
  const visit = (schema: unknown): unknown => {
    if (typeof schema === 'string') {
      const named = types.get(schema);
      if (!named || defined.has(schema)) return schema;
      defined.add(schema);
      return expandNamed(named.json);
    }
    if (Array.isArray(schema)) return schema.map(visit);
    if (typeof schema !== 'object' || schema === null) return schema;
    const obj = schema as JsonObject;
    if (obj['type'] === 'array') return { ...obj, items: visit(obj['items']) };
    if (obj['type'] === 'map') return { ...obj, values: visit(obj['values']) };
    return obj;
  };
  const expandNamed = (json: JsonObject): JsonObject => {
    if (json['type'] !== 'record') return json;
    const fields = json['fields'] as readonly JsonObject[];
    return { ...json, fields: fields.map((field) => ({ ...field, type: visit(field['type']) })) };
  };
  const root = types.get(rootFullName);
  if (!root) throw new Error(`unknown type ${rootFullName}`);
  defined.add(rootFullName);
  return expandNamed(root.json);
}

/** The exact text registered for a schema: compact JSON, keys in authored order. */
export function schemaText(schema: unknown): string {
  return JSON.stringify(schema);
}

/** Identity of a registered schema: SHA-256 of its exact text (docs and logical types included). */
export function fingerprintOf(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
