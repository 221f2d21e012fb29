export type * from './types.js';
export { BusError, type BusErrorCode } from './errors.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
export { KafkaBus, fromKafkaError, type KafkaBusOptions } from './kafka-bus.js';
