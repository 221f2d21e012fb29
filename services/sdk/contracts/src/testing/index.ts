// Test helpers for Avro contracts (`@puente/contracts/testing`): records no producer would write,
// a Confluent registry double, and second implementations of Avro JSON to compare against.
export { NOT_AVRO, unknownSchemaIdRecord, withEventId } from './poison-records.js';
export { ConfluentRegistryDouble, type ConfluentRegistryDoubleOptions } from './confluent-registry-double.js';
export { friendlyToAvroJson } from '../avro-json-testing.js';
export { askPythonAvroJson, pythonAvroAvailable } from '../python-avro.js';
export { REPO_GENERATED, REPO_SCHEMAS, scratchSchemas, type ScratchSchemas } from '../schemas-testing.js';
