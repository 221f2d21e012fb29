// What kafkajs (and the producer thread) throws, as BusErrors: the one place that reads kafkajs's
// error names and types and decides whether retrying can help.
import { KafkaClientError } from '@puente/kafka-client';

import { BusError } from '../errors.js';

interface KafkaLikeError {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  cause?: unknown;
}

/** Normalises whatever kafkajs threw into a BusError with an honest `retriable`. */
export function fromKafkaError(error: unknown, context: string): BusError {
  if (error instanceof BusError) return error;
  if (error instanceof KafkaClientError) {
    return new BusError({
      code: error.code === 'STOPPED' ? 'STOPPED' : error.code === 'UNAVAILABLE' ? 'UNAVAILABLE' : 'INTERNAL',
      message: error.message,
      retriable: error.retriable,
      cause: error,
    });
  }
  const chain: KafkaLikeError[] = [];
  for (let e: unknown = error; e && typeof e === 'object' && chain.length < 5; e = (e as KafkaLikeError).cause) {
    chain.push(e);
  }
  const types = chain.map((e) => e.type).filter(Boolean);
  const names = chain.map((e) => e.name).filter(Boolean);
  const message = chain[0]?.message ?? String(error);
  if (types.includes('UNKNOWN_TOPIC_OR_PARTITION')) {
    return new BusError({ code: 'UNKNOWN_TOPIC', message: `${context}: ${message}`, cause: error });
  }
  if (types.includes('MESSAGE_TOO_LARGE') || types.includes('RECORD_LIST_TOO_LARGE')) {
    return new BusError({ code: 'RECORD_TOO_LARGE', message: `${context}: ${message}`, cause: error });
  }
  if (names.some((name) => name?.startsWith('KafkaJSConnection') || name === 'KafkaJSBrokerNotFound')) {
    return new BusError({
      code: 'UNAVAILABLE',
      message: `${context}: Kafka is unreachable (${message})`,
      retriable: true,
      cause: error,
    });
  }
  if (names.includes('KafkaJSRequestTimeoutError') || names.includes('KafkaJSTimeout')) {
    return new BusError({ code: 'TIMEOUT', message: `${context}: ${message}`, retriable: true, cause: error });
  }
  const retriable = chain.some((e) => e.retriable === true);
  return new BusError({
    code: retriable ? 'UNAVAILABLE' : 'INTERNAL',
    message: `${context}: ${message}`,
    retriable,
    cause: error,
  });
}

/** Runs `work`, turning what it throws into a BusError that says what was being done. */
export async function withKafkaErrors<T>(context: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw fromKafkaError(error, context);
  }
}
