// The Avro codec for Puente topics: Confluent framing, validation that names every bad field,
// decoding by the writer's schema id resolved to the topic's current schema (so a v2 consumer
// reads v1 data), Avro JSON as the specification defines it (what the gateway speaks), and the
// friendly JSON people read and write (examples, simulators' output, tests). This file assembles
// the codec from its pieces: codec-schemas (ids, topics, resolvers), codec-encode, codec-decode,
// codec-json and codec-verdicts (skim, explainBytes).
import { embeddedCatalogData } from './generated/schema-catalog.js';
import { createSchemaCatalog } from './catalog.js';
import type { AvroCodec, CodecOptions } from './codec-types.js';
import { createCodecSchemas, validatorOf } from './codec-schemas.js';
import { createDecoding } from './codec-decode.js';
import { createEncoding } from './codec-encode.js';
import { createJsonConversions } from './codec-json.js';
import { createByteVerdicts } from './codec-verdicts.js';
import { createCatalogRegistry } from './registry.js';
import { validationError } from './validation-error.js';

export type { AvroCodec, CodecOptions, DecodedMessage, DecodeOptions, TopicValueOf } from './codec-types.js';
export { validationError } from './validation-error.js';

export function createCodec(options: CodecOptions = {}): AvroCodec {
  const catalog = options.catalog ?? createSchemaCatalog(embeddedCatalogData);
  const registry = options.registry ?? createCatalogRegistry(catalog);
  const schemas = createCodecSchemas(catalog);
  const encoding = createEncoding(schemas);
  const decoding = createDecoding(schemas, registry);
  const json = createJsonConversions(schemas, encoding.frame);
  const verdicts = createByteVerdicts(schemas);

  // The pieces' methods are set on the codec as they are: a call costs no extra hop.
  return {
    catalog,
    registry,
    topics: () => catalog.topicNames(),
    schemaIdOf: (topic) => schemas.topic(topic).schema.id,
    encode: encoding.encode,
    skim: verdicts.skim,
    encodeWithSchemaId: encoding.encodeWithSchemaId,
    decode: decoding.decode,
    decodeAsync: decoding.decodeAsync,
    validate(topic, value) {
      return validatorOf(schemas.topic(topic).schema)(value);
    },
    explainBytes: verdicts.explainBytes,
    fromAvroJson: json.fromAvroJson,
    toAvroJson: json.toAvroJson,
    toAvroJsonWithSchemaId: json.toAvroJsonWithSchemaId,
    fromFriendlyJson: json.fromFriendlyJson,
    toFriendlyJson: json.toFriendlyJson,
    keyOf(topic, value) {
      const { keyField } = schemas.topic(topic);
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
      schemas.add(schemaId, schema);
    },
  };
}
