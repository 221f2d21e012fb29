// Test helpers other packages share (`@puente/sdk/testing`): the Bus contract suite and the
// broker address the integration project's global setup provides.
import { inject } from 'vitest';

export { describeBusContract, waitFor, type BusContractOptions } from '../bus/testing/bus-contract.js';
export { NOT_AVRO, unknownSchemaIdRecord, withEventId } from './poison-records.js';
export { freePort, startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from './service-process.js';
export { ConfluentRegistryDouble, type ConfluentRegistryDoubleOptions } from './confluent-registry-double.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

/** Brokers of the real Kafka the integration project acquired for this run. */
export function testKafkaBrokers(): string[] {
  return inject('kafkaBrokers').split(',');
}

export { friendlyToAvroJson } from '../avro/avro-json-testing.js';
export { askPythonAvroJson, pythonAvroAvailable } from '../avro/python-avro.js';
