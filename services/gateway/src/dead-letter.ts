// The gateway's dead letters: a record no subscriber can be given (undecodable, or a policy that
// cannot evaluate it) is set aside to dlq.<topic> by the bus's dead-letter writer, with the
// headers the shared tail dropped read again from Kafka; and the dead-letter topics the gateway
// creates when it ensures topics.
import { type Bus, type ConsumedRecord, createDeadLetters, type DeadLetterCounter } from '@puente/bus';
import { deadLetterTopicOf, DISCLOSURE_TOPIC, type Logger } from '@puente/runtime';

import { headersDropped, readOriginal } from './subscribe/topic-tail.js';

/** Sets a record aside; resolves once written. Rethrows an error that is not the record's fault. */
export type DeadLetter = (record: ConsumedRecord, error: unknown) => Promise<void>;

export interface GatewayDeadLetterOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly counter: DeadLetterCounter;
}

/**
 * Sets aside a record no subscriber can be given; resolves once written, with the headers the
 * tail dropped read again. A transient failure is rethrown: the stream ends and the partner retries.
 */
export function createGatewayDeadLetter(options: GatewayDeadLetterOptions): DeadLetter {
  const { bus } = options;
  const deadLetters = createDeadLetters({ bus, service: 'gateway', logger: options.logger, counter: options.counter });
  return async (record, error) => {
    if (deadLetters.classify(error) === undefined) throw error;
    await deadLetters.send(record, error, headersDropped(record) ? () => readOriginal(bus, record) : undefined);
  };
}

/**
 * The dead-letter topics to create beside the catalog's topics: every consumer (gateway,
 * screening, risk) sets aside what it cannot handle there. The disclosure log has none.
 */
export function deadLetterTopicsOf(topics: readonly string[]): string[] {
  return topics.filter((topic) => topic !== DISCLOSURE_TOPIC).map(deadLetterTopicOf);
}
