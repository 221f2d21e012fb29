import type { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { silentLogger } from '@puente/runtime';
import { ProducerThread } from './producer-thread.js';

const options = {
  clientId: 'producer-thread-test',
  brokers: ['127.0.0.1:1'],
  connectionTimeout: 300,
  requestTimeout: 1_000,
  retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
  producers: 2,
  logger: silentLogger(),
};

describe('producer thread', () => {
  it('reports a configuration kafkajs refuses as the request’s error, and keeps running', async () => {
    const thread = new ProducerThread({ ...options, retry: { ...options.retry, retries: 0 } });
    const error = await thread.connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'KafkaJSNonRetriableError', message: expect.stringContaining('retries') });
    // Still answering: a later request gets its own error, not STOPPED.
    const again = await thread.connect().catch((e: unknown) => e);
    expect(again).toMatchObject({ name: 'KafkaJSNonRetriableError' });
    await thread.stop();
  });

  it('refuses requests once the thread is gone instead of leaving them waiting', async () => {
    const thread = new ProducerThread(options);
    await thread.stop();
    const error = await thread
      .send(0, [{ topic: 't', messages: [{ partition: 0, key: 'k', value: Buffer.from('v') }] }])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STOPPED' });
  });

  it('refuses its requests as UNAVAILABLE and says so when the thread ends unexpectedly', async () => {
    let told = 0;
    const thread = new ProducerThread({ ...options, onUnexpectedExit: () => told++ });
    // The thread going away under it, as a crash would.
    await (thread as unknown as { worker: Worker }).worker.terminate();
    const error = await thread.connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retriable: true });
    expect(told).toBe(1);
    await thread.stop();
  });
});
