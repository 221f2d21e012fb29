// Which schema an id or a topic means to one codec: entries per schema id (the catalog's, or
// texts taught at run time), each topic's current schema, and the writer→reader resolvers
// between them, all built once and cached for the codec's life.
import type avro from 'avsc';
import { parseSchemaText } from './catalog.js';
import type { SchemaCatalog } from './catalog.js';
import { AvroError, messageOf } from './errors.js';
import type { FieldError } from './errors.js';
import type { JsonValue } from './friendly-json.js';
import { compileValidator } from './validate.js';

/** One schema id's type, with the converters compiled from it on first use. */
export interface SchemaEntry {
  readonly id: number;
  readonly type: avro.Type;
  validate?: (value: unknown) => FieldError[];
  fromJson?: (json: unknown) => { value: unknown; errors: FieldError[] };
  toJson?: (value: unknown) => JsonValue;
  fromAvroJson?: (json: unknown) => { value: unknown; errors: FieldError[] };
  toAvroJson?: (value: unknown) => JsonValue;
}

export interface TopicEntry {
  readonly topic: string;
  readonly subject: string;
  readonly keyField: string;
  /** The topic's current schema: its subject's latest version. */
  readonly schema: SchemaEntry;
}

export type Resolver = ReturnType<avro.Type['createResolver']>;

export interface CodecSchemas {
  /** The entry of a schema id; throws UNKNOWN_SCHEMA_ID (catalog) or INVALID_SCHEMA (taught text). */
  entry(id: number): SchemaEntry;
  /** The entry of a schema id, or undefined when neither the catalog nor a taught text has it. */
  known(id: number): SchemaEntry | undefined;
  /** Like `known`, but throws UNKNOWN_SCHEMA_ID for an id the codec does not know. */
  require(id: number): SchemaEntry;
  /** A topic's entry; throws UNKNOWN_TOPIC. */
  topic(topic: string): TopicEntry;
  /** Reads data written with `writer` as `reader`; throws INCOMPATIBLE_SCHEMA. */
  resolver(reader: SchemaEntry, writer: SchemaEntry): Resolver;
  /** Teaches a schema text for an id; REGISTRY_CONFLICT if the id already means another text. */
  add(id: number, text: string): void;
}

/** The entry's validator, compiled on first use. */
export function validatorOf(entry: SchemaEntry): (value: unknown) => FieldError[] {
  entry.validate ??= compileValidator(entry.type);
  return entry.validate;
}

/** Parses a schema text taught at run time; INVALID_SCHEMA when it does not parse. */
export function parseTaughtSchema(id: number, text: string): avro.Type {
  try {
    return parseSchemaText(text);
  } catch (err) {
    throw new AvroError({
      code: 'INVALID_SCHEMA',
      message: `schema id ${id} does not parse: ${messageOf(err)}`,
      cause: err,
    });
  }
}

/** Builds the resolver reading `writer`'s data as `reader`; INCOMPATIBLE_SCHEMA when evolution rules forbid it. */
export function createResolver(reader: SchemaEntry, writer: SchemaEntry): Resolver {
  try {
    return reader.type.createResolver(writer.type);
  } catch (err) {
    throw new AvroError({
      code: 'INCOMPATIBLE_SCHEMA',
      message: `data written with schema id ${writer.id} cannot be read as schema id ${reader.id}: ${messageOf(err)}`,
      cause: err,
    });
  }
}

/** Builds a topic's entry from the catalog: its subject and key field, its subject's latest schema. */
export function topicEntryOf(catalog: SchemaCatalog, topic: string, entryOf: (id: number) => SchemaEntry): TopicEntry {
  const definition = catalog.topic(topic);
  const subject = catalog.subjectOf(topic);
  return { topic, subject, keyField: definition.keyField, schema: entryOf(catalog.latest(subject).id) };
}

/** One resolver per reader and writer pair, built on first use. */
export function createResolverCache(): CodecSchemas['resolver'] {
  const resolvers = new Map<string, Resolver>();
  return (reader, writer) => {
    const key = `${reader.id}<${writer.id}`;
    let resolver = resolvers.get(key);
    if (!resolver) {
      resolver = createResolver(reader, writer);
      resolvers.set(key, resolver);
    }
    return resolver;
  };
}

export function createCodecSchemas(catalog: SchemaCatalog): CodecSchemas {
  const schemas = new Map<number, SchemaEntry>();
  const extraTexts = new Map<number, string>();
  const topicEntries = new Map<string, TopicEntry>();

  function entry(id: number): SchemaEntry {
    const cached = schemas.get(id);
    if (cached) return cached;
    const extra = extraTexts.get(id);
    const type = extra === undefined ? catalog.typeOf(id) : parseTaughtSchema(id, extra);
    const created: SchemaEntry = { id, type };
    schemas.set(id, created);
    return created;
  }

  function known(id: number): SchemaEntry | undefined {
    const cached = schemas.get(id);
    if (cached) return cached;
    return extraTexts.has(id) || catalog.schemaText(id) !== undefined ? entry(id) : undefined;
  }

  return {
    entry,
    known,
    require(id) {
      // Read the cache here first: per-record callers (encodeWithSchemaId, toAvroJsonWithSchemaId) pay no extra call.
      const found = schemas.get(id) ?? known(id);
      if (!found)
        throw new AvroError({ code: 'UNKNOWN_SCHEMA_ID', message: `schema id ${id} is not known to this codec` });
      return found;
    },
    topic(topic) {
      const cached = topicEntries.get(topic);
      if (cached) return cached;
      const created = topicEntryOf(catalog, topic, entry);
      topicEntries.set(topic, created);
      return created;
    },
    resolver: createResolverCache(),
    add(id, text) {
      const current = catalog.schemaText(id) ?? extraTexts.get(id);
      if (current === text) return;
      if (current !== undefined) {
        // Two texts for one id means the registry and the catalog disagree; decoding with either would be a guess.
        throw new AvroError({
          code: 'REGISTRY_CONFLICT',
          message: `schema id ${id} is already known with a different schema`,
        });
      }
      extraTexts.set(id, text);
    },
  };
}
