import { createDeadLetters, MemoryBus, OffsetTracker } from '@puente/bus';
import type { DeadLetters } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import type { CargoManifest, RiskAssessment, ScreeningOutcome } from '@puente/contracts';
import { silentLogger } from '@puente/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { AssessmentLedger } from './assessment-ledger.js';
import { AssessmentPublisher } from './assessment-publisher.js';
import { assessmentIdFor, shipperDigest } from './ids.js';
import { JoinBuffer, joinKeyOfResult } from './join-buffer.js';
import { OutputCatchUp } from './output-catch-up.js';
import type { PartyRole } from './risk-rules.js';
import { organizationKey, roleOfScreening } from './risk-rules.js';
import { ensureRiskTopics, readAssessments } from './testing/bus-helpers.js';
import { exampleManifest, screeningResultsFor } from './testing/fixtures.js';
import { consumedAt, US_CONTEXT, watchedBus, type WatchedBus } from './testing/parts.js';

const codec = createCodec();
const OUTPUT = 'us.risk-assessments.v1';
const MANIFESTS = 'us.cargo-manifests.v1';
const RESULTS = 'us.screening-results.v1';

describe('AssessmentPublisher', () => {
  let memory: MemoryBus;
  let bus: WatchedBus;
  let offsets: OffsetTracker;
  let buffer: JoinBuffer;
  let ledger: AssessmentLedger;
  let deadLetters: DeadLetters;
  let heard: RiskAssessment[];
  let catchUps: number;
  let nextOffset: number;

  const make = (onAssessment: (a: RiskAssessment) => void = (a) => heard.push(a)) => {
    const logger = silentLogger();
    const catchUp = new OutputCatchUp({
      bus,
      codec,
      outputTopic: OUTPUT,
      ledger,
      logger,
      now: Date.now,
      timeoutMs: 5_000,
    });
    return new AssessmentPublisher({
      bus,
      codec,
      outputTopic: OUTPUT,
      context: US_CONTEXT,
      buffer,
      ledger,
      catchUp: { run: () => ((catchUps += 1), catchUp.run()) },
      deadLetters,
      logger: silentLogger(),
      now: Date.now,
      onAssessment,
    });
  };
  /** Buffers a manifest with a result for every party; returns it. */
  const buffered = (manifest: CargoManifest, outcomes: Partial<Record<PartyRole, ScreeningOutcome>> = {}) => {
    const at = { topic: MANIFESTS, partition: 0, offset: nextOffset++ };
    buffer.addManifest(manifest, consumedAt(at), at);
    for (const result of screeningResultsFor(manifest, outcomes)) {
      const p = { topic: RESULTS, partition: 0, offset: nextOffset++ };
      buffer.addResult(joinKeyOfResult(result, null), roleOfScreening(result)!, result, p);
    }
    return manifest;
  };
  const output = async () => (await readAssessments(memory, codec, OUTPUT)).map((a) => a.value.subject.eventId);

  beforeEach(async () => {
    memory = new MemoryBus();
    await memory.start();
    await ensureRiskTopics(memory, 'us', 1);
    bus = watchedBus(memory);
    offsets = new OffsetTracker();
    buffer = new JoinBuffer(offsets, Date.now);
    ledger = new AssessmentLedger({ windowDays: 30, now: Date.now });
    deadLetters = createDeadLetters({ bus: memory, service: 'risk-us' });
    heard = [];
    catchUps = 0;
    nextOffset = 0;
  });
  afterEach(async () => {
    await memory.stop();
  });

  it('publishes the ready manifests in one call, then records, frees, counts and announces them', async () => {
    const publisher = make();
    const a = buffered(exampleManifest('us-northbound-laredo'));
    const b = buffered(exampleManifest('us-northbound-otay-mesa-produce'), { consignor: 'CONFIRMED_MATCH' });
    await publisher.publish(buffer.complete());
    expect(bus.published).toEqual([assessmentIdFor('US', a.meta.eventId), assessmentIdFor('US', b.meta.eventId)]);
    expect(await output()).toEqual([a.meta.eventId, b.meta.eventId]);
    expect([ledger.isAssessed(a.meta.eventId), ledger.isAssessed(b.meta.eventId)]).toEqual([true, true]);
    expect(ledger.historyOf(shipperDigest(organizationKey(b.consignor)))).toBe(1);
    expect(ledger.historyOf(shipperDigest(organizationKey(a.consignor)))).toBe(0);
    expect([buffer.pendingManifests, buffer.pendingResults]).toEqual([0, 0]);
    expect(offsets.get(MANIFESTS, 0)?.holds).toBe(0);
    expect(offsets.get(RESULTS, 0)?.holds).toBe(0);
    expect(publisher.published).toBe(2);
    expect(publisher.lanes()).toEqual({ EXPEDITED: 1, STANDARD: 0, SECONDARY_INSPECTION: 1, HOLD: 0 });
    expect(heard.map((h) => h.subject.entityId)).toEqual([a.manifestId, b.manifestId]);
    expect(catchUps).toBe(0);
  });

  it('does nothing with nothing ready', async () => {
    const publisher = make();
    await publisher.publish([]);
    expect(bus.published).toEqual([]);
    expect(publisher.published).toBe(0);
  });

  it('dead-letters a manifest that cannot be assessed, frees it unassessed, and publishes the others', async () => {
    const publisher = make();
    const invalid = exampleManifest('us-northbound-laredo');
    const bad = buffered({ ...invalid, meta: { ...invalid.meta, eventId: 'not-a-uuid' } });
    const good = buffered(exampleManifest('us-northbound-laredo'));
    await publisher.publish(buffer.pending());
    expect(await output()).toEqual([good.meta.eventId]);
    expect(ledger.isAssessed(bad.meta.eventId)).toBe(false);
    expect(buffer.pendingManifests).toBe(0);
    const counted = await deadLetters.counter.get();
    expect(counted.values.map((v) => [v.labels['topic'], v.labels['reason_class'], v.value])).toEqual([
      [MANIFESTS, 'invalid', 1],
    ]);
    expect(publisher.published).toBe(1);
  });

  it('after a failed publish that landed, learns the output tail first and publishes nothing twice', async () => {
    const publisher = make();
    const manifest = buffered(exampleManifest('us-northbound-laredo'));
    const other = buffered(exampleManifest('us-northbound-laredo'));
    bus.nextPublish = 'land-then-fail';
    await expect(publisher.publish(buffer.complete())).rejects.toThrow('publish timed out after it landed');
    expect([ledger.isAssessed(manifest.meta.eventId), buffer.pendingManifests]).toEqual([false, 2]);
    await publisher.publish(buffer.pending().slice(0, 1));
    expect(catchUps).toBe(1);
    expect(await output()).toEqual([manifest.meta.eventId, other.meta.eventId]);
    expect(bus.published).toHaveLength(2);
    // Both were found on the output topic: the one not asked about is let go as well.
    expect(buffer.pendingManifests).toBe(0);
    expect(ledger.isAssessed(other.meta.eventId)).toBe(true);
    expect(publisher.published).toBe(0);
    expect(heard).toEqual([]);
  });

  it('after a failed publish that did not land, resyncs once and publishes', async () => {
    const publisher = make();
    const manifest = buffered(exampleManifest('us-northbound-laredo'));
    bus.nextPublish = 'fail';
    await expect(publisher.publish(buffer.complete())).rejects.toThrow('publish failed');
    await publisher.publish(buffer.complete());
    await publisher.publish(buffer.complete());
    expect(catchUps).toBe(1);
    expect(await output()).toEqual([manifest.meta.eventId]);
    expect(publisher.published).toBe(1);
  });

  it('keeps going when the listener throws', async () => {
    const publisher = make(() => {
      throw new Error('listener broke');
    });
    buffered(exampleManifest('us-northbound-laredo'));
    buffered(exampleManifest('us-northbound-laredo'));
    await publisher.publish(buffer.complete());
    expect(publisher.published).toBe(2);
    expect(buffer.pendingManifests).toBe(0);
  });
});
