export type * from './types.js';
export { BusError, type BusErrorCode } from './errors.js';
export { expiryProblems } from './topic-expiry.js';
export { MemoryBus, type MemoryBusOptions } from './memory-bus.js';
export { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
export { fromKafkaError } from './kafka/errors.js';
export { READER_GROUP_PREFIX } from './kafka/reader.js';
export { OffsetTracker, PartitionTracker, type StartedPartitionTracker } from './offset-tracker.js';
export {
  boundedReason,
  classifyFailure,
  createDeadLetterCounter,
  createDeadLetters,
  decodeChecked,
  DEAD_LETTER_HEADERS,
  DEAD_LETTER_PREFIX,
  deadLetterTopicOf,
  MAX_REASON_BYTES,
  type DeadLetterCounter,
  type DeadLetterOptions,
  type DeadLetterReasonClass,
  type DeadLetters,
} from './dead-letter.js';
