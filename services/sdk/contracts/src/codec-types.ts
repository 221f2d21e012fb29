// The codec's public types: what `createCodec` takes and the AvroCodec it returns. Kept apart
// from codec.ts so the pieces that build the codec can name them without an import cycle.
import type { Topic, TopicValue } from './generated/avro-types.js';
import type { SchemaCatalog } from './catalog.js';
import type { FieldError } from './errors.js';
import type { JsonValue } from './friendly-json.js';
import type { SchemaRegistry } from './registry.js';
import type { BytesVerdict } from './skim.js';

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
