// Dead letters: the one way every consumer sets aside a record it cannot handle (bytes that are
// not Avro, an unknown schema id, a value that breaks its schema, an event no rule can evaluate)
// so one bad record never stops a service or blocks a feed. The record goes, as it was, to
// `dlq.<topic>` with the reason in headers, is counted, and the consumer moves on; a transient
// failure (Kafka unavailable) is never dead-lettered but rethrown, so the batch is redelivered.
import { Counter, Registry } from 'prom-client';

import { AvroError, type AvroCodec, type TopicValueOf } from '@puente/contracts';
import { DEAD_LETTER_PREFIX, deadLetterTopicOf, messageOf, silentLogger, type Logger } from '@puente/runtime';
import { BusError } from './errors.js';
import type { Bus, ConsumedRecord } from './types.js';

export { DEAD_LETTER_PREFIX, deadLetterTopicOf };

/** Headers added to a dead letter; the record's own headers are kept beside them. */
export const DEAD_LETTER_HEADERS = {
  /** Why the record could not be handled (UTF-8, at most MAX_REASON_BYTES). */
  reason: 'puente.dlq.reason',
  /** One of DeadLetterReasonClass. */
  reasonClass: 'puente.dlq.reason-class',
  sourceTopic: 'puente.dlq.topic',
  sourcePartition: 'puente.dlq.partition',
  sourceOffset: 'puente.dlq.offset',
  /** The record's own timestamp (ms since the epoch); the dead letter's is when it was set aside. */
  sourceTimestamp: 'puente.dlq.timestamp',
  /** The consuming service that set it aside, e.g. `risk-us` or `gateway`. */
  service: 'puente.dlq.service',
} as const;

/**
 * undecodable: not a Confluent-framed Avro value (or no value); unknown-schema: framed with a
 * schema id nobody knows; invalid: decodes but breaks its schema (a uuid that is not one …);
 * unevaluable: valid as far as the codec knows, yet the consumer cannot process it.
 */
export type DeadLetterReasonClass = 'undecodable' | 'unknown-schema' | 'invalid' | 'unevaluable';

/** Reasons are cut to this many UTF-8 bytes: Kafka headers are no place for long error lists. */
export const MAX_REASON_BYTES = 512;

export type DeadLetterCounter = Counter<'topic' | 'service' | 'reason_class'>;

/** The dead-letter counter, for a registry that has none yet (one per process). */
export function createDeadLetterCounter(registry: Registry): DeadLetterCounter {
  return new Counter({
    name: 'puente_dead_lettered_total',
    help: 'Records set aside to dlq.<topic>, by source topic, consuming service and reason class',
    labelNames: ['topic', 'service', 'reason_class'],
    registers: [registry],
  });
}

export interface DeadLetterOptions {
  readonly bus: Bus;
  /** Names the consuming service in the headers and the metric, e.g. `screening-us`. */
  readonly service: string;
  readonly logger?: Logger;
  /** The counter to update; by default one in `registry` (or a registry of its own). */
  readonly counter?: DeadLetterCounter;
  readonly registry?: Registry;
  readonly now?: () => number;
}

export interface DeadLetters {
  readonly service: string;
  readonly counter: DeadLetterCounter;
  /** The reason class of a failure that is the record's fault; undefined when it is transient. */
  classify(error: unknown): DeadLetterReasonClass | undefined;
  /**
   * Writes the record to `dlq.<topic>` and counts it; resolves once the bus has it. The same
   * record (topic, partition, offset) is written once per process however often it is sent.
   * Rejects when the write fails: the caller must not move past the record then. `original`
   * gives the full record when the one at hand lacks parts (a cache that keeps no headers); it
   * is called once per write, not once per caller.
   */
  send(record: ConsumedRecord, error: unknown, original?: () => Promise<ConsumedRecord>): Promise<void>;
  /**
   * For a record whose handling threw: a transient error is rethrown as it is (the batch fails
   * and is redelivered); a bad record is dead-lettered, and this resolves once it is written.
   */
  divert(record: ConsumedRecord, error: unknown): Promise<void>;
  /** Runs `work` for one record: its result, or undefined when the record was dead-lettered. */
  guard<T>(record: ConsumedRecord, work: () => T | Promise<T>): Promise<T | undefined>;
}

const AVRO_CLASSES: Partial<Record<AvroError['code'], DeadLetterReasonClass>> = {
  MALFORMED: 'undecodable',
  UNKNOWN_SCHEMA_ID: 'unknown-schema',
  SCHEMA_VALIDATION: 'invalid',
  INCOMPATIBLE_SCHEMA: 'invalid',
};

/** The reason class of an error, or undefined when retrying can help (never the record's fault). */
export function classifyFailure(error: unknown): DeadLetterReasonClass | undefined {
  if (error instanceof BusError) return undefined; // the bus failed, not the record
  if (error instanceof AvroError) return error.retriable ? undefined : (AVRO_CLASSES[error.code] ?? 'unevaluable');
  if (typeof error === 'object' && error !== null) {
    const { retriable, name } = error as { retriable?: unknown; name?: unknown };
    if (retriable === true) return undefined;
    // kafkajs's own errors, from a client used beside the bus: the broker, not the record.
    if (typeof name === 'string' && name.startsWith('KafkaJS')) return undefined;
  }
  return 'unevaluable';
}

/** Cut to at most `max` UTF-8 bytes without splitting a character. */
export function boundedReason(text: string, max = MAX_REASON_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let end = max - 3;
  // Back up to the start of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}...`;
}

const LISTED_FIELD_ERRORS = 5;

/**
 * Decodes a record's value as its topic's current schema and checks it completely (logical
 * types such as uuid included, which Avro's binary reader lets through): a consumer that acts on
 * a value takes only one its schema allows. Throws AvroError (MALFORMED, UNKNOWN_SCHEMA_ID,
 * SCHEMA_VALIDATION …), which dead letters classify.
 */
export function decodeChecked<T extends string>(codec: AvroCodec, topic: T, bytes: Uint8Array): TopicValueOf<T> {
  const { value } = codec.decode(bytes, { topic });
  const problems = codec.validate(topic, value);
  if (problems.length > 0) {
    const listed = problems.slice(0, LISTED_FIELD_ERRORS).map((problem) => problem.message);
    const more = problems.length > LISTED_FIELD_ERRORS ? `; … and ${problems.length - LISTED_FIELD_ERRORS} more` : '';
    throw new AvroError({
      code: 'SCHEMA_VALIDATION',
      message: `${topic}: ${problems.length} invalid field(s): ${listed.join('; ')}${more}`,
      fieldErrors: problems,
    });
  }
  return value;
}

/** Writes remembered, so N subscribers meeting one bad record write it once. */
const REMEMBERED_WRITES = 10_000;

export function createDeadLetters(options: DeadLetterOptions): DeadLetters {
  const { bus, service } = options;
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  const counter = options.counter ?? createDeadLetterCounter(options.registry ?? new Registry());
  const writes = new Map<string, Promise<void>>();

  async function write(record: ConsumedRecord, reasonClass: DeadLetterReasonClass, error: unknown): Promise<void> {
    const reason = boundedReason(messageOf(error));
    const topic = deadLetterTopicOf(record.topic);
    try {
      await bus.publish(topic, [
        {
          key: record.key,
          value: record.value,
          timestamp: now(),
          headers: {
            ...record.headers,
            [DEAD_LETTER_HEADERS.reason]: reason,
            [DEAD_LETTER_HEADERS.reasonClass]: reasonClass,
            [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
            [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
            [DEAD_LETTER_HEADERS.sourceOffset]: record.offset,
            [DEAD_LETTER_HEADERS.sourceTimestamp]: String(record.timestamp),
            [DEAD_LETTER_HEADERS.service]: service,
          },
        },
      ]);
    } catch (cause) {
      const failure = new BusError({
        // Whatever the cause (Kafka away, the topic missing), the record waits: retry later.
        code: 'UNAVAILABLE',
        message: `cannot dead-letter ${record.topic}[${record.partition}]@${record.offset} to '${topic}': ${messageOf(cause)}`,
        // The record stays where it is; the next attempt may well succeed (e.g. once the topic exists).
        retriable: true,
        cause,
      });
      logger.error(
        { err: failure, topic: record.topic, partition: record.partition, offset: record.offset },
        'dead-letter write failed',
      );
      throw failure;
    }
    counter.inc({ topic: record.topic, service, reason_class: reasonClass });
    logger.warn(
      {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        deadLetterTopic: topic,
        reasonClass,
        reason,
      },
      'record dead-lettered',
    );
  }

  const deadLetters: DeadLetters = {
    service,
    counter,
    classify: classifyFailure,
    send(record, error, original) {
      const id = `${record.topic}\u0000${record.partition}\u0000${record.offset}`;
      const known = writes.get(id);
      if (known) return known;
      const reasonClass = classifyFailure(error) ?? 'unevaluable';
      const written = original
        ? original().then((full) => write(full, reasonClass, error))
        : write(record, reasonClass, error);
      writes.set(id, written);
      // A failed write is forgotten so the next attempt writes again.
      written.catch(() => writes.delete(id));
      if (writes.size > REMEMBERED_WRITES) {
        const oldest = writes.keys().next().value;
        if (oldest !== undefined) writes.delete(oldest);
      }
      return written;
    },
    async divert(record, error) {
      if (classifyFailure(error) === undefined) throw error;
      await deadLetters.send(record, error);
    },
    async guard(record, work) {
      try {
        return await work();
      } catch (error) {
        await deadLetters.divert(record, error);
        return undefined;
      }
    },
  };
  return deadLetters;
}
