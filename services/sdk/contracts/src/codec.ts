// The Avro codec for Puente topics: Confluent framing, validation that names every bad field,
// decoding by the writer's schema id resolved to the topic's current schema (so a v2 consumer
// reads v1 data), Avro JSON as the specification defines it (what the gateway speaks), and the
// friendly JSON people read and write (examples, simulators' output, tests).
import type avro from 'avsc';
import type { Topic, TopicValue } from './generated/avro-types.js';
import { embeddedCatalogData } from './generated/schema-catalog.js';
import { createSchemaCatalog, parseSchemaText } from './catalog.js';
import type { SchemaCatalog } from './catalog.js';
import { AvroError, messageOf } from './errors.js';
import type { FieldError } from './errors.js';
import { compileFromAvroJson, compileToAvroJson } from './avro-json.js';
import { compileFromJson, compileToJson } from './friendly-json.js';
import type { JsonValue } from './friendly-json.js';
import { createCatalogRegistry } from './registry.js';
import type { SchemaRegistry } from './registry.js';
import { compileSkimmer, explainBytes, type BytesVerdict, type Skimmer } from './skim.js';
import { compileValidator } from './validate.js';
import { HEADER_SIZE, MAGIC_BYTE, readSchemaId, writeHeader } from './wire-format.js';

/** The value type of a topic: the generated interface for known topics, `unknown` otherwise. */
export type TopicValueOf<T extends string> = T extends Topic ? TopicValue[T] : unknown;

export interface DecodedMessage<V = unknown> {
  readonly value: V;
  /** Schema id in the message header (the writer's schema). */
  readonly schemaId: number;
  /** Schema the value was read as: the topic's current schema, or the writer's without a topic. */
  readonly readerSchemaId: number;
  readonly topic?: string;
  readonly subject?: string;
}

export interface DecodeOptions<T extends string = string> {
  /** Read the value as this topic's current schema (writer→reader resolution). */
  readonly topic?: T;
}

export interface CodecOptions {
  /** Defaults to the catalog generated from schemas/ and embedded in the SDK. */
  readonly catalog?: SchemaCatalog;
  /** Where unknown schema ids are looked up by `decodeAsync`; defaults to the catalog itself. */
  readonly registry?: SchemaRegistry;
}

export interface AvroCodec {
  readonly catalog: SchemaCatalog;
  readonly registry: SchemaRegistry;
  /** Topics with a value schema, sorted. */
  topics(): readonly string[];
  /** Schema id new messages on the topic are written with (its subject's latest version). */
  schemaIdOf(topic: string): number;
  /** Validates and frames a value; throws SCHEMA_VALIDATION (every bad path in `fieldErrors`) or UNKNOWN_TOPIC. */
  encode<T extends string>(topic: T, value: TopicValueOf<T>): Buffer;
  /** Frames a value with a specific known schema id (e.g. a policy view schema). */
  encodeWithSchemaId(schemaId: number, value: unknown): Buffer;
  /** Decodes with schemas known locally; throws MALFORMED, UNKNOWN_SCHEMA_ID, INCOMPATIBLE_SCHEMA. */
  decode<T extends string>(bytes: Uint8Array, options?: DecodeOptions<T>): DecodedMessage<TopicValueOf<T>>;
  /** Like decode, but fetches an unknown writer schema from the registry first. */
  decodeAsync<T extends string>(
    bytes: Uint8Array,
    options?: DecodeOptions<T>,
  ): Promise<DecodedMessage<TopicValueOf<T>>>;
  /** Every bad field path of `value` against the topic's current schema; empty when valid. */
  validate(topic: string, value: unknown): FieldError[];
  /**
   * Every field of a framed message that full validation refuses, against the writer schema in
   * its framing (see skim.ts's explainBytes); empty when the bytes are valid. Throws MALFORMED for
   * a bad header and UNKNOWN_SCHEMA_ID for an id the codec does not know.
   */
  explainBytes(bytes: Uint8Array): BytesVerdict;
  /**
   * Avro JSON (the specification's encoding) → value of the topic's current schema; throws
   * SCHEMA_VALIDATION naming every bad or unknown field. With `schemaId` (a schema of the
   * topic's subject) the JSON is read as that schema and resolved to the current one.
   */
  fromAvroJson<T extends string>(topic: T, json: unknown, options?: { readonly schemaId?: number }): TopicValueOf<T>;
  /** Value of the topic's current schema → Avro JSON (the specification's encoding). */
  toAvroJson(topic: string, value: unknown): JsonValue;
  /** Value of a known schema id (e.g. a policy view schema) → Avro JSON. */
  toAvroJsonWithSchemaId(schemaId: number, value: unknown): JsonValue;
  /**
   * Friendly JSON → value: ISO timestamps, date and decimal strings, unwrapped unions. For
   * people (examples, tests, simulators' output); not Avro JSON. Throws SCHEMA_VALIDATION.
   */
  fromFriendlyJson<T extends string>(topic: T, json: unknown): TopicValueOf<T>;
  /** Value → friendly JSON (ISO timestamps, decimal and date strings, unwrapped unions); not Avro JSON. */
  toFriendlyJson(topic: string, value: unknown): JsonValue;
  /** The Kafka key of a value: its topic's key field (caseId, manifestId …). */
  keyOf<T extends string>(topic: T, value: TopicValueOf<T>): string;
  /** Teaches the codec a schema id (e.g. one registered at run time); REGISTRY_CONFLICT if the id means something else. */
  addSchema(schemaId: number, schema: string): void;
  /**
   * Confirms without decoding that `bytes` are one fully valid value (as decoding and then
   * `validate` would find it) framed with the topic's current schema, reading only the string,
   * uuid or enum fields at `paths` (dotted, outside arrays and maps). Undefined when it cannot
   * confirm it: `explainBytes` then names every field that is wrong.
   */
  skim(topic: string, bytes: Uint8Array, paths: readonly string[]): (string | undefined)[] | undefined;
}

interface SchemaEntry {
  readonly id: number;
  readonly type: avro.Type;
  validate?: (value: unknown) => FieldError[];
  fromJson?: (json: unknown) => { value: unknown; errors: FieldError[] };
  toJson?: (value: unknown) => JsonValue;
  fromAvroJson?: (json: unknown) => { value: unknown; errors: FieldError[] };
  toAvroJson?: (value: unknown) => JsonValue;
}

interface TopicEntry {
  readonly topic: string;
  readonly subject: string;
  readonly keyField: string;
  readonly schema: SchemaEntry;
}

type Resolver = ReturnType<avro.Type['createResolver']>;

const INITIAL_SCRATCH = 16 * 1024;
const MAX_RETAINED_SCRATCH = 1024 * 1024;

function badLength(buf: Buffer, offset: number, id: number): AvroError {
  if (offset < 0) {
    return new AvroError({
      code: 'MALFORMED',
      message: `Avro body truncated: ${buf.length} bytes end before a schema id ${id} value does`,
    });
  }
  return new AvroError({
    code: 'MALFORMED',
    message: `${buf.length - offset} unexpected trailing byte(s) after a schema id ${id} value`,
  });
}

const LISTED_ERRORS = 10;

export function validationError(what: string, errors: readonly FieldError[], cause?: unknown): AvroError {
  const listed = errors.slice(0, LISTED_ERRORS).map((e) => e.message);
  const more = errors.length > LISTED_ERRORS ? `; … and ${errors.length - LISTED_ERRORS} more` : '';
  return new AvroError({
    code: 'SCHEMA_VALIDATION',
    message: `${what}: ${errors.length} invalid field(s): ${listed.join('; ')}${more}`,
    fieldErrors: errors,
    cause,
  });
}

export function createCodec(options: CodecOptions = {}): AvroCodec {
  const catalog = options.catalog ?? createSchemaCatalog(embeddedCatalogData);
  const registry = options.registry ?? createCatalogRegistry(catalog);
  const schemas = new Map<number, SchemaEntry>();
  const extraTexts = new Map<number, string>();
  const topicEntries = new Map<string, TopicEntry>();
  const resolvers = new Map<string, Resolver>();
  // By the caller's paths array (callers keep one per topic), else by the paths themselves.
  const skimmersByArray = new WeakMap<readonly string[], Map<SchemaEntry, Skimmer>>();
  const skimmers = new Map<SchemaEntry, Map<string, Skimmer>>();
  // One growing buffer reused by every encode: avsc writes into it, we copy out the exact bytes.
  let scratch = Buffer.allocUnsafe(INITIAL_SCRATCH);

  function schemaEntry(id: number): SchemaEntry {
    const cached = schemas.get(id);
    if (cached) return cached;
    let type: avro.Type;
    const extra = extraTexts.get(id);
    if (extra === undefined) {
      type = catalog.typeOf(id);
    } else {
      try {
        type = parseSchemaText(extra);
      } catch (err) {
        throw new AvroError({
          code: 'INVALID_SCHEMA',
          message: `schema id ${id} does not parse: ${messageOf(err)}`,
          cause: err,
        });
      }
    }
    const entry: SchemaEntry = { id, type };
    schemas.set(id, entry);
    return entry;
  }

  function topicEntry(topic: string): TopicEntry {
    const cached = topicEntries.get(topic);
    if (cached) return cached;
    const definition = catalog.topic(topic);
    const subject = catalog.subjectOf(topic);
    const entry: TopicEntry = {
      topic,
      subject,
      keyField: definition.keyField,
      schema: schemaEntry(catalog.latest(subject).id),
    };
    topicEntries.set(topic, entry);
    return entry;
  }

  function validatorOf(entry: SchemaEntry): (value: unknown) => FieldError[] {
    entry.validate ??= compileValidator(entry.type);
    return entry.validate;
  }

  function frame(entry: SchemaEntry, value: unknown, what: string): Buffer {
    let end: number;
    try {
      end = entry.type.encode(value, scratch, HEADER_SIZE);
      while (end < 0) {
        // avsc reports how many bytes were missing as a negative number.
        scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
        end = entry.type.encode(value, scratch, HEADER_SIZE);
      }
    } catch {
      // avsc's writer stops at the first bad value; the validator then names all of them. avsc's
      // own error is dropped on purpose: its message quotes the raw value (often personal data).
      const errors = validatorOf(entry)(value);
      if (errors.length === 0) {
        throw new AvroError({ code: 'SCHEMA_VALIDATION', message: `${what}: value cannot be encoded as this schema` });
      }
      throw validationError(what, errors);
    }
    const out = Buffer.allocUnsafe(end);
    scratch.copy(out, HEADER_SIZE, HEADER_SIZE, end);
    writeHeader(out, entry.id);
    // One huge message must not pin a huge scratch buffer for the life of the process.
    if (scratch.length > MAX_RETAINED_SCRATCH) scratch = Buffer.allocUnsafe(INITIAL_SCRATCH);
    return out;
  }

  function resolverFor(reader: SchemaEntry, writer: SchemaEntry): Resolver {
    const key = `${reader.id}<${writer.id}`;
    let resolver = resolvers.get(key);
    if (!resolver) {
      try {
        resolver = reader.type.createResolver(writer.type);
      } catch (err) {
        throw new AvroError({
          code: 'INCOMPATIBLE_SCHEMA',
          message: `data written with schema id ${writer.id} cannot be read as schema id ${reader.id}: ${messageOf(err)}`,
          cause: err,
        });
      }
      resolvers.set(key, resolver);
    }
    return resolver;
  }

  // The hot path: plain property reads and one result object, no spreads or closures per call.
  function decodeKnown<T extends string>(
    buf: Buffer,
    writer: SchemaEntry,
    options?: DecodeOptions<T>,
  ): DecodedMessage<TopicValueOf<T>> {
    const target = options?.topic === undefined ? undefined : topicEntry(options.topic);
    const reader = target === undefined ? writer : target.schema;
    const resolver = reader === writer ? undefined : resolverFor(reader, writer);
    let result: { value: unknown; offset: number };
    try {
      result = reader.type.decode(buf, HEADER_SIZE, resolver);
    } catch (err) {
      throw new AvroError({
        code: 'MALFORMED',
        message: `Avro body does not match schema id ${writer.id}: ${messageOf(err)}`,
        cause: err,
      });
    }
    if (result.offset !== buf.length) throw badLength(buf, result.offset, writer.id);
    const value = result.value as TopicValueOf<T>;
    if (target === undefined) return { value, schemaId: writer.id, readerSchemaId: reader.id };
    return { value, schemaId: writer.id, readerSchemaId: reader.id, topic: target.topic, subject: target.subject };
  }

  function knownEntry(id: number): SchemaEntry | undefined {
    const cached = schemas.get(id);
    if (cached) return cached;
    return extraTexts.has(id) || catalog.schemaText(id) !== undefined ? schemaEntry(id) : undefined;
  }

  /**
   * A value read from JSON, validated: conversion problems (an unwrapped union, a bad timestamp,
   * an unknown field) win over the validator's view of the same path and of what lies under it.
   */
  function checked(what: string, entry: SchemaEntry, read: { value: unknown; errors: FieldError[] }): unknown {
    const { value, errors } = read;
    const reported = errors.map((e) => e.path);
    const covered = (path: string) =>
      reported.some((r) => path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));
    const all = [...errors, ...validatorOf(entry)(value).filter((e) => !covered(e.path))];
    if (all.length > 0) throw validationError(what, all);
    return value;
  }

  function asBuffer(bytes: Uint8Array): Buffer {
    return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  const codec: AvroCodec = {
    catalog,
    registry,
    topics: () => catalog.topicNames(),
    schemaIdOf: (topic) => topicEntry(topic).schema.id,
    encode(topic, value) {
      return frame(topicEntry(topic).schema, value, topic);
    },
    skim(topic, bytes, paths) {
      const entry = topicEntry(topic).schema;
      const buf = asBuffer(bytes);
      if (buf.length < HEADER_SIZE || buf[0] !== MAGIC_BYTE || buf.readInt32BE(1) !== entry.id) return undefined;
      let skimmer = skimmersByArray.get(paths)?.get(entry);
      if (!skimmer) {
        const key = paths.join('\n');
        skimmer = skimmers.get(entry)?.get(key) ?? compileSkimmer(entry.type, paths);
        skimmers.set(entry, (skimmers.get(entry) ?? new Map<string, Skimmer>()).set(key, skimmer));
        skimmersByArray.set(paths, (skimmersByArray.get(paths) ?? new Map<SchemaEntry, Skimmer>()).set(entry, skimmer));
      }
      return skimmer.skim(buf, HEADER_SIZE);
    },
    encodeWithSchemaId(schemaId, value) {
      const entry = knownEntry(schemaId);
      if (!entry)
        throw new AvroError({ code: 'UNKNOWN_SCHEMA_ID', message: `schema id ${schemaId} is not known to this codec` });
      return frame(entry, value, `schema id ${schemaId}`);
    },
    decode(bytes, options) {
      const buf = asBuffer(bytes);
      const writerId = readSchemaId(buf);
      const writer = knownEntry(writerId);
      if (!writer) {
        throw new AvroError({
          code: 'UNKNOWN_SCHEMA_ID',
          message: `schema id ${writerId} is not in the catalog; decodeAsync can fetch it from the registry`,
        });
      }
      return decodeKnown(buf, writer, options);
    },
    async decodeAsync(bytes, options) {
      const buf = asBuffer(bytes);
      const writerId = readSchemaId(buf);
      let writer = knownEntry(writerId);
      if (!writer) {
        codec.addSchema(writerId, await registry.getSchemaById(writerId));
        writer = schemaEntry(writerId);
      }
      return decodeKnown(buf, writer, options);
    },
    validate(topic, value) {
      return validatorOf(topicEntry(topic).schema)(value);
    },
    explainBytes(bytes) {
      const buf = asBuffer(bytes);
      const writerId = readSchemaId(buf);
      const writer = knownEntry(writerId);
      if (!writer) {
        throw new AvroError({ code: 'UNKNOWN_SCHEMA_ID', message: `schema id ${writerId} is not known to this codec` });
      }
      return explainBytes(writer.type, buf, HEADER_SIZE);
    },
    fromAvroJson(topic, json, options) {
      const target = topicEntry(topic);
      const writerId = options?.schemaId ?? target.schema.id;
      const entry = writerId === target.schema.id ? target.schema : knownEntry(writerId);
      if (!entry) {
        throw new AvroError({ code: 'UNKNOWN_SCHEMA_ID', message: `schema id ${writerId} is not known to this codec` });
      }
      entry.fromAvroJson ??= compileFromAvroJson(entry.type);
      const value = checked(topic, entry, entry.fromAvroJson(json));
      if (entry === target.schema) return value as TopicValueOf<typeof topic>;
      // An older version of the topic's schema: written with it, read as the current one.
      return decodeKnown(frame(entry, value, topic), entry, { topic }).value;
    },
    toAvroJson(topic, value) {
      const entry = topicEntry(topic).schema;
      entry.toAvroJson ??= compileToAvroJson(entry.type);
      return entry.toAvroJson(value);
    },
    toAvroJsonWithSchemaId(schemaId, value) {
      const entry = knownEntry(schemaId);
      if (!entry)
        throw new AvroError({ code: 'UNKNOWN_SCHEMA_ID', message: `schema id ${schemaId} is not known to this codec` });
      entry.toAvroJson ??= compileToAvroJson(entry.type);
      return entry.toAvroJson(value);
    },
    fromFriendlyJson(topic, json) {
      const entry = topicEntry(topic).schema;
      entry.fromJson ??= compileFromJson(entry.type);
      return checked(topic, entry, entry.fromJson(json)) as TopicValueOf<typeof topic>;
    },
    toFriendlyJson(topic, value) {
      const entry = topicEntry(topic).schema;
      entry.toJson ??= compileToJson(entry.type);
      return entry.toJson(value);
    },
    keyOf(topic, value) {
      const { keyField } = topicEntry(topic);
      const key = (value as Record<string, unknown> | null)?.[keyField];
      if (typeof key !== 'string' || key.length === 0) {
        throw validationError(topic, [
          {
            path: keyField,
            expected: 'non-empty string (the Kafka key)',
            got: typeof key,
            message: `${keyField}: expected non-empty string (the Kafka key), got ${key === '' ? 'empty string' : typeof key}`,
          },
        ]);
      }
      return key;
    },
    addSchema(schemaId, schema) {
      const known = catalog.schemaText(schemaId) ?? extraTexts.get(schemaId);
      if (known === schema) return;
      if (known !== undefined) {
        // Two texts for one id means the registry and the catalog disagree; decoding with either would be a guess.
        throw new AvroError({
          code: 'REGISTRY_CONFLICT',
          message: `schema id ${schemaId} is already known with a different schema`,
        });
      }
      extraTexts.set(schemaId, schema);
    },
  };
  return codec;
}
