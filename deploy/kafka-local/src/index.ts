// Public API of @puente/kafka-local: a real Apache Kafka broker for tests and development.
export { acquireTestKafka, DEFAULT_KAFKA_IMAGE, parseBrokerList } from './acquire.js';
export type { AcquireTestKafkaOptions, TestKafka, TestKafkaSource } from './acquire.js';
export { KafkaLocalError } from './errors.js';
export type { KafkaLocalErrorCode } from './errors.js';
export { startLocalKafka } from './local-broker.js';
export type { BrokerExit, LocalKafka, LocalKafkaOptions } from './local-broker.js';
