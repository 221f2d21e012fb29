// Errors of the kafka-client package; the bus maps them to its own (BusError) at its boundary.
import { PuenteError } from '@puente/runtime';

export type KafkaClientErrorCode =
  /** The producer thread was stopped; nothing more will be sent. */
  | 'STOPPED'
  /** The producer thread ended unexpectedly; a new one may succeed. */
  | 'UNAVAILABLE'
  /** The installed kafkajs lacks Puente's patch (patches/kafkajs@2.2.4.patch). */
  | 'KAFKAJS_NOT_PATCHED';

export class KafkaClientError extends PuenteError<KafkaClientErrorCode> {
  override readonly name = 'KafkaClientError';
}
