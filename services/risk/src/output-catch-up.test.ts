import { BusError, MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { silentLogger } from '@puente/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { AssessmentLedger } from './assessment-ledger.js';
import { OutputCatchUp, planCatchUp } from './output-catch-up.js';
import { ensureRiskTopics } from './testing/bus-helpers.js';
import { exampleManifest } from './testing/fixtures.js';
import { assessmentOf, publishAssessments, watchedBus, type WatchedBus } from './testing/parts.js';

const codec = createCodec();
const OUTPUT = 'us.risk-assessments.v1';

describe('planCatchUp', () => {
  it('reads each partition with records left from the later of where it stopped and its earliest offset', () => {
    const plan = planCatchUp(
      [
        { partition: 0, low: '0', high: '3' },
        { partition: 1, low: '5', high: '5' },
        { partition: 2, low: '4', high: '10' },
        { partition: 3, low: '0', high: '7' },
      ],
      new Map([
        [0, 2n],
        [2, 1n],
        [3, 7n],
      ]),
    );
    expect(plan.positions).toEqual([
      { partition: 0, offset: '2' },
      { partition: 2, offset: '4' },
    ]);
    expect([...plan.remaining]).toEqual([
      [0, 3n],
      [2, 10n],
    ]);
  });
});

describe('OutputCatchUp', () => {
  let memory: MemoryBus;
  let bus: WatchedBus;
  let ledger: AssessmentLedger;
  const make = (timeoutMs = 5_000, on = bus) =>
    new OutputCatchUp({
      bus: on,
      codec,
      outputTopic: OUTPUT,
      ledger,
      logger: silentLogger(),
      now: Date.now,
      timeoutMs,
    });

  beforeEach(async () => {
    memory = new MemoryBus();
    await memory.start();
    await ensureRiskTopics(memory, 'us', 1);
    bus = watchedBus(memory);
    ledger = new AssessmentLedger({ windowDays: 30, now: Date.now });
  });
  afterEach(async () => {
    await memory.stop();
  });

  it('learns every manifest already assessed, and the HIGH ones of each shipper', async () => {
    const low = exampleManifest('us-northbound-laredo');
    const high = exampleManifest('us-northbound-laredo');
    const headerless = exampleManifest('us-northbound-laredo');
    await publishAssessments(
      bus,
      codec,
      [assessmentOf(low), assessmentOf(high, { consignee: 'CONFIRMED_MATCH' })],
      's-1',
    );
    await publishAssessments(bus, codec, [assessmentOf(headerless, { consignee: 'CONFIRMED_MATCH' })]);
    await make().run();
    for (const m of [low, high, headerless]) expect(ledger.isAssessed(m.meta.eventId)).toBe(true);
    expect(ledger.isAssessed(exampleManifest('us-northbound-laredo').meta.eventId)).toBe(false);
    expect(ledger.assessedCount).toBe(3);
    expect(ledger.historyOf('s-1')).toBe(1);
    expect(ledger.shippersWithHistory).toBe(1);
  });

  it('resyncs from where it stopped: a second run reads only what was published since', async () => {
    const catchUp = make();
    const first = exampleManifest('us-northbound-laredo');
    await publishAssessments(bus, codec, [assessmentOf(first), assessmentOf(exampleManifest('us-northbound-laredo'))]);
    await catchUp.run();
    await catchUp.run(); // nothing new: nothing read
    const later = exampleManifest('us-northbound-laredo');
    await publishAssessments(bus, codec, [assessmentOf(later)]);
    await catchUp.run();
    expect(bus.reads.map((r) => ('positions' in r ? r.positions : []))).toEqual([
      [{ partition: 0, offset: '0' }],
      [{ partition: 0, offset: '2' }],
    ]);
    expect(ledger.isAssessed(later.meta.eventId)).toBe(true);
    expect(ledger.assessedCount).toBe(3);
  });

  it('skips records it cannot decode and learns the rest', async () => {
    const before = exampleManifest('us-northbound-laredo');
    const after = exampleManifest('us-northbound-laredo');
    await publishAssessments(bus, codec, [assessmentOf(before)]);
    await bus.publish(OUTPUT, [
      { key: 'junk', value: Buffer.from('not avro') },
      { key: 'tombstone', value: null },
    ]);
    await publishAssessments(bus, codec, [assessmentOf(after)]);
    await make().run();
    expect([ledger.isAssessed(before.meta.eventId), ledger.isAssessed(after.meta.eventId)]).toEqual([true, true]);
    expect(ledger.assessedCount).toBe(2);
  });

  it('reads nothing from an empty topic', async () => {
    await make().run();
    expect(bus.reads).toEqual([]);
    expect(ledger.assessedCount).toBe(0);
  });

  it('fails when the output topic does not exist', async () => {
    await memory.admin.deleteTopics([OUTPUT]);
    await expect(make().run()).rejects.toMatchObject({ name: 'RiskError', code: 'CATCH_UP_FAILED' });
  });

  it('retries listing the topics while the bus says retrying can help, and not otherwise', async () => {
    await publishAssessments(bus, codec, [assessmentOf(exampleManifest('us-northbound-laredo'))]);
    const failures: Error[] = [new BusError({ code: 'UNAVAILABLE', message: 'no leader', retriable: true })];
    let calls = 0;
    const flaky = {
      ...bus,
      admin: {
        ...memory.admin,
        listTopics: async () => {
          calls += 1;
          const failure = failures.shift();
          if (failure) throw failure;
          return memory.admin.listTopics();
        },
      },
    };
    await make(5_000, flaky).run();
    expect(calls).toBe(2);
    expect(ledger.assessedCount).toBe(1);
    calls = 0;
    failures.push(new BusError({ code: 'INTERNAL', message: 'broken' }));
    await expect(make(5_000, flaky).run()).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(calls).toBe(1);
  });

  it('gives up with a retriable error when the topic cannot be read to its end in time', async () => {
    await publishAssessments(bus, codec, [assessmentOf(exampleManifest('us-northbound-laredo'))]);
    let stopped = 0;
    const stuck = {
      ...bus,
      readFrom: async () => ({
        pause: () => undefined,
        resume: () => undefined,
        stop: async () => void (stopped += 1),
      }),
    };
    await expect(make(20, stuck).run()).rejects.toMatchObject({
      code: 'CATCH_UP_FAILED',
      retriable: true,
      message: `reading ${OUTPUT} partitions 0 to their end took over 20 ms`,
    });
    expect(stopped).toBe(1);
  });
});
