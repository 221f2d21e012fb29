// Test helpers for buses (`@puente/bus/testing`): the Bus contract suite and the broker address
// the integration project's global setup provides.
import { inject } from 'vitest';

export { describeBusContract, type BusContractOptions } from './bus-contract.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

/** Brokers of the real Kafka the integration project acquired for this run. */
export function testKafkaBrokers(): string[] {
  return inject('kafkaBrokers').split(',');
}
