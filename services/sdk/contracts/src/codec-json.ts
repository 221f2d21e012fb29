// JSON in and out of the codec: Avro JSON as the specification defines it (what the gateway
// speaks) and the friendly JSON people read and write; JSON read in is always validated.
import type { AvroCodec, TopicValueOf } from './codec-types.js';
import type { FieldError } from './errors.js';
import { compileFromAvroJson, compileToAvroJson } from './avro-json.js';
import { compileFromJson, compileToJson } from './friendly-json.js';
import { validatorOf, type CodecSchemas, type SchemaEntry } from './codec-schemas.js';
import { decodeFramed } from './codec-decode.js';
import type { Frame } from './codec-encode.js';
import { validationError } from './validation-error.js';

export type JsonConversions = Pick<
  AvroCodec,
  'fromAvroJson' | 'toAvroJson' | 'toAvroJsonWithSchemaId' | 'fromFriendlyJson' | 'toFriendlyJson'
>;

/**
 * A value read from JSON, validated: conversion problems (an unwrapped union, a bad timestamp,
 * an unknown field) win over the validator's view of the same path and of what lies under it.
 */
export function checked(what: string, entry: SchemaEntry, read: { value: unknown; errors: FieldError[] }): unknown {
  const { value, errors } = read;
  const reported = errors.map((e) => e.path);
  const covered = (path: string) =>
    reported.some((r) => path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));
  const all = [...errors, ...validatorOf(entry)(value).filter((e) => !covered(e.path))];
  if (all.length > 0) throw validationError(what, all);
  return value;
}

/** `frame` re-reads Avro JSON of an older schema version as the topic's current schema. */
export function createJsonConversions(schemas: CodecSchemas, frame: Frame): JsonConversions {
  return {
    fromAvroJson(topic, json, options) {
      const target = schemas.topic(topic);
      const writerId = options?.schemaId ?? target.schema.id;
      const entry = writerId === target.schema.id ? target.schema : schemas.require(writerId);
      entry.fromAvroJson ??= compileFromAvroJson(entry.type);
      const value = checked(topic, entry, entry.fromAvroJson(json));
      if (entry === target.schema) return value as TopicValueOf<typeof topic>;
      // An older version of the topic's schema: written with it, read as the current one.
      return decodeFramed(schemas, frame(entry, value, topic), entry, { topic }).value;
    },
    // Per record on a subscription: the compiled converter is called directly, no helper between.
    toAvroJson(topic, value) {
      const entry = schemas.topic(topic).schema;
      entry.toAvroJson ??= compileToAvroJson(entry.type);
      return entry.toAvroJson(value);
    },
    toAvroJsonWithSchemaId(schemaId, value) {
      const entry = schemas.require(schemaId);
      entry.toAvroJson ??= compileToAvroJson(entry.type);
      return entry.toAvroJson(value);
    },
    fromFriendlyJson(topic, json) {
      const entry = schemas.topic(topic).schema;
      entry.fromJson ??= compileFromJson(entry.type);
      return checked(topic, entry, entry.fromJson(json)) as TopicValueOf<typeof topic>;
    },
    toFriendlyJson(topic, value) {
      const entry = schemas.topic(topic).schema;
      entry.toJson ??= compileToJson(entry.type);
      return entry.toJson(value);
    },
  };
}
