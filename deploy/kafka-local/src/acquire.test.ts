import { describe, expect, it } from 'vitest';
import { acquireTestKafka, parseBrokerList } from './acquire.js';
import { KafkaLocalError } from './errors.js';

describe('parseBrokerList', () => {
  it('splits on commas and trims blanks', () => {
    expect(parseBrokerList('127.0.0.1:9092')).toEqual(['127.0.0.1:9092']);
    expect(parseBrokerList(' kafka-1:9092, kafka-2.internal:19092 ,,')).toEqual([
      'kafka-1:9092',
      'kafka-2.internal:19092',
    ]);
  });

  it('accepts bracketed IPv6 hosts', () => {
    expect(parseBrokerList('[::1]:9092')).toEqual(['[::1]:9092']);
  });

  it.each([
    ['', 'empty'],
    [' , ', 'empty'],
    ['localhost', '"localhost"'],
    ['localhost:0', '"localhost:0"'],
    ['localhost:70000', '"localhost:70000"'],
    ['PLAINTEXT://localhost:9092', '"PLAINTEXT://localhost:9092"'],
    ['ok:9092,bad host:9092', '"bad host:9092"'],
  ])('rejects %j naming the bad entry', (value, named) => {
    let caught: unknown;
    try {
      parseBrokerList(value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KafkaLocalError);
    expect((caught as KafkaLocalError).code).toBe('INVALID_BROKER_LIST');
    expect((caught as KafkaLocalError).message).toContain(named);
  });
});

describe('acquireTestKafka with KAFKA_BROKERS', () => {
  it('uses the listed brokers and owns nothing', async () => {
    const kafka = await acquireTestKafka({ env: { KAFKA_BROKERS: 'b1:9092,b2:9092' } });
    expect(kafka.source).toBe('env');
    expect(kafka.brokers).toEqual(['b1:9092', 'b2:9092']);
    expect(kafka.describe).toContain('b1:9092,b2:9092');
    expect(kafka.supportsOutage).toBe(false);
    await expect(kafka.stopBroker()).rejects.toMatchObject({ code: 'OUTAGE_UNSUPPORTED' });
    await expect(kafka.stop()).resolves.toBeUndefined();
  });

  it('rejects a malformed list instead of falling back to another broker', async () => {
    await expect(acquireTestKafka({ env: { KAFKA_BROKERS: 'localhost' } })).rejects.toMatchObject({
      code: 'INVALID_BROKER_LIST',
    });
  });

  it('rejects an unknown PUENTE_TEST_KAFKA source', async () => {
    await expect(acquireTestKafka({ env: { PUENTE_TEST_KAFKA: 'docker' } })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
  });
});
