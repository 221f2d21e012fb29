// When KafkaBus learns a topic's produce limits, with the Kafka admin client stubbed: as soon as
// ensureTopics makes the topic ready. How it reads them: kafka/produce-targets.test.ts.
import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createLogger } from '@puente/runtime';
import { KafkaBus } from './kafka-bus.js';

interface Resource {
  type: number;
  name: string;
  configNames: string[];
}

function busWith(answers: { topic?: string; broker?: { message: string; socket: string } }) {
  const lines: { level: number; msg: string; topic?: string; limit?: number }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      done();
    },
  });
  const bus = new KafkaBus({ brokers: ['127.0.0.1:1'], logger: createLogger({ name: 'test', destination }) });
  const asked: string[] = [];
  const admin = (bus as unknown as { kafkaAdmin: Record<string, unknown> }).kafkaAdmin;
  admin['describeCluster'] = () => Promise.resolve({ brokers: [{ nodeId: 1 }, { nodeId: 2 }], controller: 1 });
  admin['describeConfigs'] = ({ resources }: { resources: Resource[] }) => {
    asked.push(...resources.map((r) => `${r.type}:${r.name}`));
    const kind = resources[0]?.type === 2 ? 'topic' : 'broker';
    if (kind === 'topic') {
      if (answers.topic === undefined) return Promise.reject(new Error('not authorized to describe configs'));
      return Promise.resolve({
        resources: [{ configEntries: [{ configName: 'max.message.bytes', configValue: answers.topic }] }],
      });
    }
    const broker = answers.broker;
    if (broker === undefined) return Promise.reject(new Error('not authorized to describe configs'));
    return Promise.resolve({
      resources: resources.map((_, i) => ({
        configEntries: [
          // Two brokers configured differently: the least of each limit holds for both.
          { configName: 'message.max.bytes', configValue: String(Number(broker.message) + i) },
          { configName: 'socket.request.max.bytes', configValue: String(Number(broker.socket) + i) },
        ],
      })),
    });
  };
  return { bus, lines, asked };
}

describe('KafkaBus produce limits', () => {
  it('reads what a publish needs of the topics ensureTopics made ready, before the first publish', async () => {
    const { bus, asked } = busWith({ topic: '65536', broker: { message: '2000000', socket: '5000000' } });
    const admin = (bus as unknown as { kafkaAdmin: Record<string, unknown> }).kafkaAdmin;
    admin['listTopics'] = () => Promise.resolve(['t']);
    admin['fetchTopicMetadata'] = () =>
      Promise.resolve({
        topics: [{ name: 't', partitions: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1] }] }],
      });
    admin['fetchTopicOffsets'] = () => Promise.resolve([{ partition: 0, offset: '0', low: '0', high: '0' }]);
    await bus.admin.ensureTopics([{ topic: 't', partitions: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(asked).toContain('2:t');
  });
});
