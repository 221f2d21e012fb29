// How KafkaBus learns a topic's produce limits, with the Kafka admin client stubbed: the topic's
// max.message.bytes when Kafka says it, else the brokers', else Kafka's default, said in a log line.
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { configNumber } from './config-resources.js';
import { ProduceTargets } from './produce-targets.js';
import { answerConfigs, capturedLogger, type ConfigAnswers } from './testing/config-answers.js';

function targetsWith(answers: ConfigAnswers) {
  const { logger, lines } = capturedLogger();
  const admin: Record<string, unknown> = {};
  const asked = answerConfigs(admin, answers);
  const targets = new ProduceTargets(admin as unknown as Admin, { clientId: 'puente', logger });
  return { targets, admin, lines, asked };
}

describe('KafkaBus produce limits', () => {
  it("uses the topic's max.message.bytes when Kafka describes it, logging nothing", async () => {
    const { targets, lines } = targetsWith({ topic: '65536', broker: { message: '2000000', socket: '5000000' } });
    expect(await targets.readBatchLimit('t')).toBe(65_536);
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
  });

  it("falls back to the brokers' least message.max.bytes, and says so naming the topic", async () => {
    const { targets, lines } = targetsWith({ broker: { message: '500000', socket: '5000000' } });
    expect(await targets.readBatchLimit('t')).toBe(500_000);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, topic: 't', limit: 500_000, msg: expect.stringContaining('brokers') }),
    );
    // The request limit: the least socket.request.max.bytes less the request's own header and client id.
    const { requestBytes } = await targets.readBrokerLimits();
    expect(requestBytes).toBeLessThan(5_000_000);
    expect(requestBytes).toBeGreaterThan(5_000_000 - 200);
  });

  it("falls back to Kafka's defaults when nothing can be read, and reads the brokers once", async () => {
    const { targets, lines, asked } = targetsWith({});
    expect(await targets.readBatchLimit('a')).toBe(1_048_588);
    expect(await targets.readBatchLimit('b')).toBe(1_048_588);
    expect((await targets.readBrokerLimits()).requestBytes).toBeGreaterThan(100_000_000);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, topic: 'a', limit: 1_048_588, msg: expect.stringContaining('default') }),
    );
    expect(asked.filter((a) => a.startsWith('4:'))).toEqual(['4:1', '4:2']);
  });
});

describe('ProduceTargets', () => {
  function withTopic(partitions: number) {
    const made = targetsWith({ topic: '65536', broker: { message: '2000000', socket: '5000000' } });
    let metadataRequests = 0;
    made.admin['listTopics'] = () => Promise.resolve(['t']);
    made.admin['fetchTopicMetadata'] = () => {
      metadataRequests++;
      return Promise.resolve({
        topics: [{ name: 't', partitions: Array.from({ length: partitions }, (_, partitionId) => ({ partitionId })) }],
      });
    };
    return { ...made, metadataRequests: () => metadataRequests };
  }

  it('looks a topic up once for every call made meanwhile, then answers at once', async () => {
    const { targets, metadataRequests } = withTopic(3);
    const first = targets.get('t');
    const second = targets.get('t');
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBe(first);
    expect(await first).toEqual({ partitions: 3, batchBytes: 65_536, requestBytes: expect.any(Number) });
    const known = targets.get('t');
    expect(known).not.toBeInstanceOf(Promise);
    expect(known).toEqual(await first);
    expect(metadataRequests()).toBe(1);
    // The request limit read with it is the one requests are planned with from then on.
    expect(targets.requestBytes).toBe((await first).requestBytes);
    expect(targets.requestBytes).toBeLessThan(5_000_000);
  });

  it('reads a topic forgotten (deleted, or refused as stale) again', async () => {
    const { targets, metadataRequests } = withTopic(2);
    await targets.get('t');
    // The finished lookup is dropped once its callbacks have run.
    await new Promise((resolve) => setImmediate(resolve));
    expect(targets.get('t')).not.toBeInstanceOf(Promise);
    targets.forget('t');
    expect(targets.get('t')).toBeInstanceOf(Promise);
    await targets.get('t');
    expect(metadataRequests()).toBe(2);
  });

  it('fails a lookup of a topic that does not exist with UNKNOWN_TOPIC, and tries again next time', async () => {
    const { targets, admin } = withTopic(1);
    admin['listTopics'] = () => Promise.resolve(['other']);
    await expect(targets.partitionCount('t')).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
    await expect(Promise.resolve(targets.get('t'))).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
    admin['listTopics'] = () => Promise.resolve(['t']);
    expect(await targets.partitionCount('t')).toBe(1);
  });
});

describe('configNumber', () => {
  const resources = (...values: [string, string][][]) =>
    values.map((entries) => ({
      resourceType: 4,
      resourceName: 'b',
      errorCode: 0,
      errorMessage: null,
      configEntries: entries.map(([configName, configValue]) => ({
        configName,
        configValue,
        isDefault: false,
        configSource: 1,
        isSensitive: false,
        readOnly: false,
        configSynonyms: [],
      })),
    })) as unknown as Parameters<typeof configNumber>[0];

  it('takes the least value across resources', () => {
    const described = resources([['message.max.bytes', '900']], [['message.max.bytes', '700']]);
    expect(configNumber(described, 'message.max.bytes')).toBe(700);
  });

  it('ignores other configs and values that are not positive whole numbers', () => {
    const described = resources(
      [
        ['message.max.bytes', 'lots'],
        ['message.max.bytes', '0'],
        ['message.max.bytes', '-5'],
        ['message.max.bytes', '1.5'],
        ['socket.request.max.bytes', '10'],
      ],
      [['message.max.bytes', '4096']],
    );
    expect(configNumber(described, 'message.max.bytes')).toBe(4096);
  });

  it('throws naming the config when no resource has a usable value', () => {
    expect(() => configNumber(resources([['message.max.bytes', '']]), 'message.max.bytes')).toThrow(
      'Kafka described no message.max.bytes',
    );
    expect(() => configNumber([], 'socket.request.max.bytes')).toThrow('socket.request.max.bytes');
  });
});
