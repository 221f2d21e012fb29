// KafkaBus's error mapping: each kafkajs error, by its name or its protocol error type, to a
// BusError code and whether retrying can help; and at its boundary with @puente/kafka-client,
// what the producer thread reports is classified as kafkajs's own error would be.
import kafkajs from 'kafkajs';
import { KafkaClientError, ProducerThread } from '@puente/kafka-client';
import { silentLogger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { BusError } from '../errors.js';
import { fromKafkaError, withKafkaErrors } from './errors.js';

const options = {
  clientId: 'producer-thread-test',
  brokers: ['127.0.0.1:1'],
  connectionTimeout: 300,
  requestTimeout: 1_000,
  retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
  producers: 2,
  logger: silentLogger(),
};

describe('KafkaBus error mapping of the producer thread', () => {
  it('reports a broker nobody answers as kafkajs does, so it maps to UNAVAILABLE', async () => {
    const thread = new ProducerThread(options);
    const error = await thread.connect().catch((e: unknown) => e);
    expect(fromKafkaError(error, 'connecting')).toMatchObject({ code: 'UNAVAILABLE', retriable: true });
    await thread.stop();
  });

  it('maps a stopped thread to STOPPED and an ended one to a retriable UNAVAILABLE', async () => {
    const stopped = new ProducerThread(options);
    await stopped.stop();
    const refused = await stopped.connect().catch((e: unknown) => e);
    expect(fromKafkaError(refused, 'sending')).toMatchObject({ name: 'BusError', code: 'STOPPED', retriable: false });

    const crashed = new ProducerThread(options);
    await (crashed as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const gone = await crashed.connect().catch((e: unknown) => e);
    expect(fromKafkaError(gone, 'sending')).toMatchObject({ name: 'BusError', code: 'UNAVAILABLE', retriable: true });
    await crashed.stop();
  });
});

/** One of kafkajs's own error classes, made as kafkajs makes it (its typings leave some out). */
function kafkaError(name: string, ...args: unknown[]): Error {
  const ErrorClass = (kafkajs as unknown as Record<string, (new (...args: unknown[]) => Error) | undefined>)[name];
  if (!ErrorClass) throw new Error(`kafkajs has no ${name}`);
  return new ErrorClass(...args);
}

/** A kafkajs protocol error as the broker's error code makes it. */
const protocolError = (type: string, retriable: boolean) =>
  kafkaError('KafkaJSProtocolError', { message: `broker says ${type}`, type, code: 0, retriable });

describe('fromKafkaError', () => {
  const cases: [string, unknown, { code: string; retriable: boolean }][] = [
    [
      'an unknown topic or partition',
      protocolError('UNKNOWN_TOPIC_OR_PARTITION', true),
      { code: 'UNKNOWN_TOPIC', retriable: false },
    ],
    ['a message too large', protocolError('MESSAGE_TOO_LARGE', false), { code: 'RECORD_TOO_LARGE', retriable: false }],
    [
      'a record list too large',
      protocolError('RECORD_LIST_TOO_LARGE', false),
      { code: 'RECORD_TOO_LARGE', retriable: false },
    ],
    [
      'a connection error',
      kafkaError('KafkaJSConnectionError', 'Connection error: ECONNREFUSED'),
      { code: 'UNAVAILABLE', retriable: true },
    ],
    [
      'a connection closed',
      kafkaError('KafkaJSConnectionClosedError', 'Closed connection', { host: 'h', port: 9092 }),
      { code: 'UNAVAILABLE', retriable: true },
    ],
    [
      'a broker not found',
      kafkaError('KafkaJSBrokerNotFound', 'Broker 3 not found in the cached metadata'),
      { code: 'UNAVAILABLE', retriable: true },
    ],
    [
      'a request timeout',
      kafkaError('KafkaJSRequestTimeoutError', 'Request Produce(key: 0, version: 7) timed out'),
      { code: 'TIMEOUT', retriable: true },
    ],
    ['a kafkajs timeout', kafkaError('KafkaJSTimeout', 'Timeout'), { code: 'TIMEOUT', retriable: true }],
    [
      'a retriable protocol error of another type',
      protocolError('NOT_LEADER_FOR_PARTITION', true),
      { code: 'UNAVAILABLE', retriable: true },
    ],
    [
      'a non-retriable protocol error of another type',
      protocolError('TOPIC_AUTHORIZATION_FAILED', false),
      { code: 'INTERNAL', retriable: false },
    ],
    ['a plain error', new Error('something else'), { code: 'INTERNAL', retriable: false }],
    ['a thrown string', 'not even an error', { code: 'INTERNAL', retriable: false }],
  ];

  for (const [what, error, expected] of cases) {
    it(`maps ${what} to ${expected.code}${expected.retriable ? ', retriable' : ''}, saying what was being done`, () => {
      const mapped = fromKafkaError(error, 'publishing to t');
      expect(mapped).toBeInstanceOf(BusError);
      expect(mapped).toMatchObject(expected);
      expect(mapped.message).toMatch(/^publishing to t: /);
      expect(mapped.cause).toBe(error);
    });
  }

  it('finds what it looks for down the chain of causes, as kafkajs wraps errors when retries run out', () => {
    const exhausted = kafkaError(
      'KafkaJSNumberOfRetriesExceeded',
      kafkaError('KafkaJSConnectionError', 'Connection timeout'),
      { retryCount: 5, retryTime: 2_000 },
    );
    expect(fromKafkaError(exhausted, 'connecting')).toMatchObject({ code: 'UNAVAILABLE', retriable: true });
    const wrapped = kafkaError('KafkaJSNonRetriableError', 'fetch failed', {
      cause: protocolError('UNKNOWN_TOPIC_OR_PARTITION', true),
    });
    expect(fromKafkaError(wrapped, 'fetching')).toMatchObject({ code: 'UNKNOWN_TOPIC' });
    // A retriable cause makes the whole retriable, unless something more telling is found.
    const retriable = kafkaError('KafkaJSNonRetriableError', 'fetch failed', {
      cause: protocolError('LEADER_NOT_AVAILABLE', true),
    });
    expect(fromKafkaError(retriable, 'fetching')).toMatchObject({ code: 'UNAVAILABLE', retriable: true });
  });

  it('looks no further than five errors down a chain of causes', () => {
    let error: unknown = protocolError('UNKNOWN_TOPIC_OR_PARTITION', true);
    for (let depth = 0; depth < 5; depth++) error = new Error(`wrapper ${depth}`, { cause: error });
    expect(fromKafkaError(error, 'reading')).toMatchObject({ code: 'INTERNAL' });
  });

  it('passes a BusError through untouched', () => {
    const error = new BusError({ code: 'NOT_STARTED', message: 'KafkaBus is not started' });
    expect(fromKafkaError(error, 'publishing')).toBe(error);
  });

  it("maps the kafka client's own errors by their code, keeping their message and retriable", () => {
    const stopped = new KafkaClientError({ code: 'STOPPED', message: 'stopped' });
    expect(fromKafkaError(stopped, 'x')).toMatchObject({ code: 'STOPPED', message: 'stopped', retriable: false });
    const ended = new KafkaClientError({ code: 'UNAVAILABLE', message: 'ended', retriable: true });
    expect(fromKafkaError(ended, 'x')).toMatchObject({ code: 'UNAVAILABLE', retriable: true });
    const unpatched = new KafkaClientError({ code: 'KAFKAJS_NOT_PATCHED', message: 'patch it' });
    expect(fromKafkaError(unpatched, 'x')).toMatchObject({ code: 'INTERNAL', retriable: false });
  });

  it('withKafkaErrors resolves with what the work resolves with, and rejects with the mapped error', async () => {
    await expect(withKafkaErrors('listing topics', () => Promise.resolve(3))).resolves.toBe(3);
    await expect(
      withKafkaErrors('listing topics', () => Promise.reject(kafkaError('KafkaJSConnectionError', 'refused'))),
    ).rejects.toMatchObject({
      name: 'BusError',
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/^listing topics/),
    });
  });
});
