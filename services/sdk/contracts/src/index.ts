// Public surface of the avro module: the codec, the catalog, the registry port and its
// clients, errors, and the generated event types. Tooling (schema loading, lock planning,
// code generation) stays internal to the package.
export { createCodec, validationError } from './codec.js';
export type { BytesVerdict } from './skim.js';
export type { AvroCodec, CodecOptions, DecodedMessage, DecodeOptions, TopicValueOf } from './codec.js';
export { createSchemaCatalog, parseSchemaText, subjectOf } from './catalog.js';
export type {
  CatalogData,
  CatalogSchema,
  CatalogSubject,
  CatalogSubjectVersion,
  SchemaCatalog,
  TopicDefinition,
} from './catalog.js';
export { createCatalogRegistry } from './registry.js';
export type { PublishReport, SchemaRegistry, SubjectVersion } from './registry.js';
export { createConfluentRegistry } from './confluent-registry.js';
export type { ConfluentRegistryOptions } from './confluent-registry.js';
export { createSchemaRegistry } from './create-registry.js';
export type { SchemaRegistryOptions } from './create-registry.js';
export { AvroError, isAvroError } from './errors.js';
export type { AvroErrorCode, FieldError } from './errors.js';
export type { JsonValue } from './friendly-json.js';
export { readExamples } from './examples.js';
export type { SchemaExample } from './examples.js';
export { HEADER_SIZE, MAGIC_BYTE, readSchemaId } from './wire-format.js';
export { embeddedCatalogData } from './generated/schema-catalog.js';
export { enumSymbols, topicNames } from './generated/avro-types.js';
export type * from './generated/avro-types.js';
export { parseSchema } from './parse-options.js';
export { describeDomainProblems, domainRulesOf, travellerCrossingProblems } from './domain-rules.js';
export type { DomainProblem } from './domain-rules.js';
