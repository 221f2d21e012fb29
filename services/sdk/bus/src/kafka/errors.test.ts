// KafkaBus's error mapping at its boundary with @puente/kafka-client: what the producer thread
// reports is classified as kafkajs's own error would be.
import { ProducerThread } from '@puente/kafka-client';
import { silentLogger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { fromKafkaError } from './kafka-bus.js';

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
