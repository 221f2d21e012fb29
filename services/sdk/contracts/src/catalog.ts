// The schema catalog at run time: topics, subjects with their versions and schema ids, and
// the registered text of every id ever issued, so any message can be decoded offline. Built
// from schemas/catalog.lock.json (embedded as generated code) and parsed lazily with caching.
import type avro from 'avsc';
import { AvroError, messageOf } from './errors.js';
import { parseSchema } from './parse-options.js';

/** A topic's value record and the field used as the Kafka key. */
export interface TopicDefinition {
  /** Full name of the record every value on the topic is. */
  readonly valueType: string;
  /** Top-level string field whose value is the Kafka key. */
  readonly keyField: string;
}

export interface CatalogSubjectVersion {
  readonly version: number;
  readonly id: number;
  readonly fingerprint: string;
}

export interface CatalogSubject {
  readonly topic: string;
  readonly versions: readonly CatalogSubjectVersion[];
}

export interface CatalogSchema {
  /** Full name of the root record. */
  readonly type: string;
  readonly fingerprint: string;
  /** Exact registered text (self-contained Avro schema JSON). */
  readonly schema: string;
}

/** Everything the catalog knows, as plain data (the generated module holds one of these). */
export interface CatalogData {
  readonly topics: Readonly<Record<string, TopicDefinition>>;
  readonly subjects: Readonly<Record<string, CatalogSubject>>;
  /** Keyed by schema id (decimal string). */
  readonly schemas: Readonly<Record<string, CatalogSchema>>;
}

export interface SchemaCatalog {
  readonly data: CatalogData;
  /** Topics with a value schema, sorted. */
  topicNames(): readonly string[];
  /** Throws UNKNOWN_TOPIC. */
  topic(topic: string): TopicDefinition;
  /** Subject for a topic's values (TopicName strategy): `<topic>-value`. */
  subjectOf(topic: string): string;
  /** Latest version of a subject; throws UNKNOWN_TOPIC when the subject is not in the catalog. */
  latest(subject: string): CatalogSubjectVersion;
  /** Registered text of a schema id, or undefined. */
  schemaText(id: number): string | undefined;
  /** Parsed type for a schema id (cached); throws UNKNOWN_SCHEMA_ID. */
  typeOf(id: number): avro.Type;
}

export function subjectOf(topic: string): string {
  return `${topic}-value`;
}

/** Parses a self-contained schema text with Puente's logical types. */
export function parseSchemaText(text: string): avro.Type {
  return parseSchema(JSON.parse(text) as avro.Schema);
}

export function createSchemaCatalog(data: CatalogData): SchemaCatalog {
  const types = new Map<number, avro.Type>();
  const topicNames = Object.keys(data.topics).sort();
  const catalog: SchemaCatalog = {
    data,
    topicNames: () => topicNames,
    topic(topic) {
      const definition = Object.hasOwn(data.topics, topic) ? data.topics[topic] : undefined;
      if (!definition) {
        throw new AvroError({
          code: 'UNKNOWN_TOPIC',
          message: `no schema is defined for topic ${JSON.stringify(topic)}`,
        });
      }
      return definition;
    },
    subjectOf,
    latest(subject) {
      const entry = Object.hasOwn(data.subjects, subject) ? data.subjects[subject] : undefined;
      const last = entry?.versions[entry.versions.length - 1];
      if (!last) {
        throw new AvroError({
          code: 'UNKNOWN_TOPIC',
          message: `no schema is registered for subject ${JSON.stringify(subject)}`,
        });
      }
      return last;
    },
    schemaText(id) {
      const key = String(id);
      return Object.hasOwn(data.schemas, key) ? data.schemas[key]?.schema : undefined;
    },
    typeOf(id) {
      const cached = types.get(id);
      if (cached) return cached;
      const text = catalog.schemaText(id);
      if (text === undefined) {
        throw new AvroError({ code: 'UNKNOWN_SCHEMA_ID', message: `schema id ${id} is not in the catalog` });
      }
      let type: avro.Type;
      try {
        type = parseSchemaText(text);
      } catch (err) {
        throw new AvroError({
          code: 'INVALID_SCHEMA',
          message: `schema id ${id} does not parse: ${messageOf(err)}`,
          cause: err,
        });
      }
      types.set(id, type);
      return type;
    },
  };
  return catalog;
}
