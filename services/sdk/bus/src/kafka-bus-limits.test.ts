// When KafkaBus learns a topic's produce limits, with the Kafka admin client stubbed: as soon as
// ensureTopics makes the topic ready. How it reads them: kafka/produce-targets.test.ts.
import { describe, expect, it } from 'vitest';

import { KafkaBus } from './kafka-bus.js';
import { answerConfigs, capturedLogger, type ConfigAnswers } from './kafka/testing/config-answers.js';

function busWith(answers: ConfigAnswers) {
  const { logger, lines } = capturedLogger();
  const bus = new KafkaBus({ brokers: ['127.0.0.1:1'], logger });
  const asked = answerConfigs((bus as unknown as { kafkaAdmin: Record<string, unknown> }).kafkaAdmin, answers);
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
