import { MemoryBus } from '@puente/bus';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { RiskError } from './errors.js';
import { prepareRiskTopics, riskTopicsToEnsure } from './process-topics.js';

describe('the risk process topics', () => {
  let bus: MemoryBus;
  beforeEach(async () => {
    bus = new MemoryBus();
    await bus.start();
  });
  afterEach(async () => {
    await bus.stop();
  });

  it('creates every topic the cargo, traveller and pre-clearance services read and write when asked', async () => {
    await prepareRiskTopics(bus, 'MX', 2);
    const topics = new Map((await bus.admin.listTopics()).map((t) => [t.topic, t.partitions.length]));
    for (const topic of [
      'mx.cargo-manifests.v1',
      'mx.screening-results.v1',
      'mx.traveller-crossings.v1',
      'mx.trusted-travellers.v1',
      'mx.risk-assessments.v1',
      'mx.pre-clearance-decisions.v1',
    ])
      expect(topics.get(topic), topic).toBe(2);
    expect(topics.get('dlq.mx.trusted-travellers.v1')).toBe(1);
    expect(topics.get('dlq.mx.risk-assessments.v1')).toBe(1);
    expect([...topics.keys()].some((t) => t.startsWith('us.'))).toBe(false);
  });

  it('otherwise names the missing topic in its start-up error', async () => {
    const all = riskTopicsToEnsure('US', 1).filter((t) => !t.topic.startsWith('dlq.'));
    await bus.admin.ensureTopics(all.filter((t) => t.topic !== 'us.trusted-travellers.v1'));
    const failure = prepareRiskTopics(bus, 'US');
    await expect(failure).rejects.toBeInstanceOf(RiskError);
    await expect(failure).rejects.toThrow(
      /^topic missing: us\.trusted-travellers\.v1; create it \(in development, set PUENTE_ENSURE_TOPICS_PARTITIONS/,
    );
    await bus.admin.ensureTopics([{ topic: 'us.trusted-travellers.v1', partitions: 1 }]);
    await expect(prepareRiskTopics(bus, 'US')).resolves.toBeUndefined();
  });
});
