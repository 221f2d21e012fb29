// The gateway's dead-letter wiring on a recording bus: a record's own fault sets it aside to
// dlq.<topic> with its headers and the reason; a failure of the bus is rethrown and writes nothing.
import {
  type Bus,
  type BusRecord,
  BusError,
  type ConsumedRecord,
  createDeadLetterCounter,
  DEAD_LETTER_HEADERS,
} from '@puente/bus';
import { DISCLOSURE_TOPIC, silentLogger } from '@puente/runtime';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { createGatewayDeadLetter, deadLetterTopicsOf } from './dead-letter.js';

const record: ConsumedRecord = {
  topic: 'us.cargo-manifests.v1',
  partition: 2,
  offset: '41',
  key: 'M-1',
  value: Buffer.from('not avro'),
  headers: { ce_id: Buffer.from('e-1') },
  timestamp: 1_764_288_000_000,
};

function recordingBus() {
  const written: { topic: string; records: readonly BusRecord[] }[] = [];
  const bus = {
    publish: async (topic: string, records: readonly BusRecord[]) => {
      written.push({ topic, records });
      return records.map((_, i) => ({ topic, partition: 0, offset: String(i) }));
    },
  } as unknown as Bus;
  return { bus, written };
}

describe('the gateway dead letter', () => {
  it("sets a record aside to dlq.<topic> with its headers when the failure is the record's fault", async () => {
    const { bus, written } = recordingBus();
    const deadLetter = createGatewayDeadLetter({
      bus,
      logger: silentLogger(),
      counter: createDeadLetterCounter(new Registry()),
    });
    await deadLetter(record, new Error('the policy cannot evaluate it'));
    expect(written.map((w) => w.topic)).toEqual(['dlq.us.cargo-manifests.v1']);
    const headers = written[0]!.records[0]!.headers ?? {};
    expect(headers).toMatchObject({
      ce_id: Buffer.from('e-1'),
      [DEAD_LETTER_HEADERS.sourceOffset]: '41',
      [DEAD_LETTER_HEADERS.service]: 'gateway',
    });
  });

  it('rethrows a failure of the bus and writes nothing: the stream ends, the partner retries', async () => {
    const { bus, written } = recordingBus();
    const deadLetter = createGatewayDeadLetter({
      bus,
      logger: silentLogger(),
      counter: createDeadLetterCounter(new Registry()),
    });
    const unavailable = new BusError({ code: 'UNAVAILABLE', message: 'Kafka is away', retriable: true });
    await expect(deadLetter(record, unavailable)).rejects.toBe(unavailable);
    expect(written).toEqual([]);
  });

  it('creates a dead-letter topic for every topic but the disclosure log', () => {
    expect(deadLetterTopicsOf(['us.cargo-manifests.v1', DISCLOSURE_TOPIC, 'mx.investigations.v1'])).toEqual([
      'dlq.us.cargo-manifests.v1',
      'dlq.mx.investigations.v1',
    ]);
  });
});
