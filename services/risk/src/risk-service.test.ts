import { join } from 'node:path';

import { type ConsumedRecord, DEAD_LETTER_HEADERS, MemoryBus } from '@puente/bus';
import { type AvroCodec, createCodec } from '@puente/contracts';
import { NOT_AVRO, unknownSchemaIdRecord, withEventId } from '@puente/contracts/testing';
import type { Country } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { assessmentEventIdFor, assessmentIdFor } from './ids.js';
import { loadRiskRules } from './risk-rules.js';
import { createRiskService } from './risk-service.js';
import type { RiskService, RiskServiceOptions } from './risk-service.js';
import { ensureRiskTopics, publishManifest, publishResults, readAssessments } from './testing/bus-helpers.js';
import { exampleManifest, repoRoot, screeningResultsFor } from './testing/fixtures.js';
import { loadTrustedShippers } from './trusted-shippers.js';

const codec = createCodec();
const load = (c: 'us' | 'mx') => ({
  rules: loadRiskRules(join(repoRoot, `deploy/risk/${c}.yaml`)),
  trustedShippers: loadTrustedShippers(join(repoRoot, `deploy/trusted-shippers/${c}.yaml`)),
});

describe('risk service on MemoryBus', () => {
  let bus: MemoryBus;
  const services: RiskService[] = [];

  const make = (country: Country = 'US', extra: Partial<RiskServiceOptions> = {}) => {
    const service = createRiskService({
      bus,
      codec,
      country,
      ...load(country === 'US' ? 'us' : 'mx'),
      sweepIntervalMs: 20,
      ...extra,
    });
    services.push(service);
    return service;
  };
  const assessments = (topic = 'us.risk-assessments.v1') => readAssessments(bus, codec, topic);
  const waitForCount = (n: number, topic = 'us.risk-assessments.v1') =>
    waitFor(async () => (await assessments(topic)).length >= n, 5_000, `${n} assessment(s) on ${topic}`);

  beforeEach(async () => {
    bus = new MemoryBus();
    await bus.start();
    await ensureRiskTopics(bus, 'us');
    await ensureRiskTopics(bus, 'mx');
  });
  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
    await bus.stop();
  });

  it('assesses a manifest with a confirmed match as HIGH / secondary inspection, keyed deterministically', async () => {
    await make().start();
    const manifest = exampleManifest('us-northbound-laredo');
    await publishManifest(bus, codec, manifest);
    await publishResults(bus, codec, manifest, screeningResultsFor(manifest, { consignee: 'CONFIRMED_MATCH' }));
    await waitForCount(1);
    const [record] = await assessments();
    const eventId = manifest.meta.eventId;
    expect(record?.key).toBe(assessmentIdFor('US', eventId));
    expect(record?.value).toMatchObject({
      assessmentId: assessmentIdFor('US', eventId),
      level: 'HIGH',
      recommendedLane: 'SECONDARY_INSPECTION',
      modelVersion: 'puente-risk-us-2026.11',
      subject: { subjectType: 'SHIPMENT', topic: 'us.cargo-manifests.v1', entityId: manifest.manifestId, eventId },
      meta: {
        eventId: assessmentEventIdFor('US', eventId),
        originCountry: 'US',
        originAgency: 'CBP',
        classification: 'SENSITIVE',
        releasableTo: ['US', 'MX'],
        correlationId: eventId,
      },
    });
    expect(record?.value.validUntil?.getTime()).toBeGreaterThan(Date.now());
  });

  it('assesses a trusted shipper with all-clear screening as LOW / EXPEDITED', async () => {
    await make().start();
    const manifest = exampleManifest('us-northbound-laredo');
    await publishManifest(bus, codec, manifest);
    await publishResults(bus, codec, manifest, screeningResultsFor(manifest));
    await waitForCount(1);
    expect((await assessments())[0]?.value).toMatchObject({
      level: 'LOW',
      recommendedLane: 'EXPEDITED',
      recommendedAction: 'RELEASE',
    });
  });

  it('waits for every party: nothing is published until the last result arrives', async () => {
    await make().start();
    const manifest = exampleManifest('us-northbound-laredo');
    const results = screeningResultsFor(manifest);
    await publishManifest(bus, codec, manifest);
    await publishResults(bus, codec, manifest, results.slice(0, 3));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await assessments()).toHaveLength(0);
    await publishResults(bus, codec, manifest, results.slice(3));
    await waitForCount(1);
  });

  it('joins results that arrive before their manifest', async () => {
    await make().start();
    const manifest = exampleManifest('us-northbound-otay-mesa-produce');
    await publishResults(bus, codec, manifest, screeningResultsFor(manifest, { driver: 'POTENTIAL_MATCH' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await publishManifest(bus, codec, manifest);
    await waitForCount(1);
    const [record] = await assessments();
    expect(record?.value.level).toBe('HIGH');
    expect(record?.value.factors.map((f) => f.code)).not.toContain('SCREENING_INCOMPLETE');
  });

  it('raises the score for firearms southbound (MX) and precursors northbound (US)', async () => {
    await make('US').start();
    await make('MX').start();
    const usPlain = exampleManifest('us-northbound-laredo', { manifestId: 'US-PLAIN' });
    const usBase = exampleManifest('us-northbound-laredo');
    const usPrecursor = { ...usBase, manifestId: 'US-PRECURSOR', goods: [{ ...usBase.goods[0]!, hsCode: '293399' }] };
    const mxPlain = exampleManifest('mx-southbound-ciudad-juarez', { manifestId: 'MX-PLAIN' });
    const mxBase = exampleManifest('mx-southbound-ciudad-juarez');
    const mxArms = { ...mxBase, manifestId: 'MX-ARMS', goods: [{ ...mxBase.goods[0]!, hsCode: '930190' }] };
    for (const m of [usPlain, usPrecursor, mxPlain, mxArms]) {
      await publishManifest(bus, codec, m);
      await publishResults(bus, codec, m, screeningResultsFor(m));
    }
    await waitForCount(2);
    await waitForCount(2, 'mx.risk-assessments.v1');
    const score = async (topic: string, id: string) =>
      (await assessments(topic)).find((a) => a.value.subject.entityId === id)?.value.score ?? -1;
    expect(await score('us.risk-assessments.v1', 'US-PRECURSOR')).toBeGreaterThan(
      await score('us.risk-assessments.v1', 'US-PLAIN'),
    );
    expect(await score('mx.risk-assessments.v1', 'MX-ARMS')).toBeGreaterThan(
      await score('mx.risk-assessments.v1', 'MX-PLAIN'),
    );
  });

  it('does not publish a second assessment after a restart', async () => {
    const first = make();
    await first.start();
    const manifest = exampleManifest('us-northbound-laredo');
    await publishManifest(bus, codec, manifest);
    await publishResults(bus, codec, manifest, screeningResultsFor(manifest));
    await waitForCount(1);
    await first.stop();
    // A crash after publishing but before committing: the new instance re-reads everything.
    const second = make('US', { groupId: 'puente.risk.us.fresh-group' });
    await second.start();
    await waitFor(() => second.stats().alreadyAssessed === 1, 5_000, 're-read manifest recognised');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await assessments()).toHaveLength(1);
    expect(second.stats().published).toBe(0);
  });

  it('keeps unfinished joins across a restart: results after the restart complete the manifest', async () => {
    const first = make();
    await first.start();
    const manifest = exampleManifest('us-northbound-laredo');
    const results = screeningResultsFor(manifest);
    await publishManifest(bus, codec, manifest);
    await publishResults(bus, codec, manifest, results.slice(0, 2));
    await waitFor(() => first.stats().pendingManifests === 1, 5_000, 'manifest buffered');
    await first.stop();
    const second = make();
    await second.start();
    await publishResults(bus, codec, manifest, results.slice(2));
    await waitForCount(1);
    const [record] = await assessments();
    expect(record?.value.factors.map((f) => f.code)).not.toContain('SCREENING_INCOMPLETE');
  });

  it('assesses without the missing results when the join times out', async () => {
    await make('US', { joinTimeoutMs: 50 }).start();
    const manifest = exampleManifest('us-northbound-laredo');
    await publishManifest(bus, codec, manifest);
    await publishResults(bus, codec, manifest, screeningResultsFor(manifest).slice(0, 1));
    await waitForCount(1);
    const [record] = await assessments();
    expect(record?.value.level).toBe('MEDIUM');
    expect(record?.value.factors.map((f) => f.code)).toContain('SCREENING_INCOMPLETE');
  });

  it('counts the consignor history, rebuilt from the output topic after a restart', async () => {
    const first = make();
    await first.start();
    const hit = exampleManifest('us-northbound-otay-mesa-produce');
    await publishManifest(bus, codec, hit);
    await publishResults(bus, codec, hit, screeningResultsFor(hit, { consignor: 'POTENTIAL_MATCH' }));
    await waitForCount(1);
    await first.stop();
    await make().start();
    const next = exampleManifest('us-northbound-otay-mesa-produce', { manifestId: 'VBPT-NEXT' });
    await publishManifest(bus, codec, next);
    await publishResults(bus, codec, next, screeningResultsFor(next));
    await waitForCount(2);
    const second = (await assessments()).find((a) => a.value.subject.entityId === 'VBPT-NEXT');
    expect(second?.value.factors.map((f) => f.code)).toContain('SHIPPER_RECENT_HIGH_RISK');
  });

  /** Every record on a topic's single-partition dead-letter topic. */
  async function deadLetters(topic: string): Promise<ConsumedRecord[]> {
    const info = (await bus.admin.listTopics()).find((t) => t.topic === `dlq.${topic}`);
    const high = Number(info?.partitions[0]?.high ?? 0);
    if (high === 0) return [];
    const letters: ConsumedRecord[] = [];
    const reader = await bus.readFrom({
      topic: `dlq.${topic}`,
      positions: [{ partition: 0, offset: '0' }],
      handler: async (batch) => void letters.push(...batch.records),
    });
    await waitFor(() => letters.length >= high, 5_000, `dead letters of ${topic}`);
    await reader.stop();
    return letters;
  }
  const classes = (letters: readonly ConsumedRecord[]) =>
    letters.map((r) => r.headers[DEAD_LETTER_HEADERS.reasonClass]?.toString());

  it('dead-letters records it cannot use on both inputs, and keeps going', async () => {
    const service = make();
    await service.start();
    const bad = exampleManifest('us-northbound-laredo', { manifestId: 'BAD-EVENT-ID' });
    const badBytes = withEventId(codec.encode('us.cargo-manifests.v1', bad), 'not-a-uuid');
    await bus.publish('us.cargo-manifests.v1', [
      { key: 'junk', value: NOT_AVRO },
      { key: 'junk', value: unknownSchemaIdRecord() },
      { key: 'junk', value: badBytes },
    ]);
    const badResult = screeningResultsFor(bad)[0]!;
    await bus.publish('us.screening-results.v1', [
      { key: 'junk', value: NOT_AVRO },
      { key: 'junk', value: withEventId(codec.encode('us.screening-results.v1', badResult), 'nope') },
    ]);
    const manifest = exampleManifest('us-northbound-laredo');
    await publishManifest(bus, codec, manifest);
    await publishResults(bus, codec, manifest, screeningResultsFor(manifest));
    await waitForCount(1);
    expect((await assessments())[0]?.value.subject.entityId).toBe(manifest.manifestId);
    const manifestLetters = await deadLetters('us.cargo-manifests.v1');
    expect(classes(manifestLetters)).toEqual(['undecodable', 'unknown-schema', 'invalid']);
    expect(manifestLetters[2]?.value).toEqual(badBytes);
    expect(manifestLetters[2]?.headers[DEAD_LETTER_HEADERS.service]?.toString()).toBe('risk-us');
    expect(classes(await deadLetters('us.screening-results.v1'))).toEqual(['undecodable', 'invalid']);
    const counted = await service.deadLetters.counter.get();
    expect(counted.values.reduce((sum, v) => sum + v.value, 0)).toBe(5);
    await waitFor(
      async () =>
        (await bus.admin.describeGroup('puente.risk.us', service.inputTopics)).partitions.every((p) => p.lag === '0'),
      5_000,
      'every input committed past the bad records',
    );
  });

  it('dead-letters a manifest whose assessment cannot be written, and assesses the next', async () => {
    // A codec that, like an older version, lets a non-UUID eventId through on input.
    const lenient: AvroCodec = { ...codec, validate: () => [] };
    // Its screening results never come: the join times out and assessing it fails.
    const service = make('US', { codec: lenient, joinTimeoutMs: 100 });
    await service.start();
    const bad = exampleManifest('us-northbound-laredo', { manifestId: 'BAD-EVENT-ID' });
    const badBytes = withEventId(codec.encode('us.cargo-manifests.v1', bad), 'not-a-uuid');
    await bus.publish('us.cargo-manifests.v1', [{ key: bad.manifestId, value: badBytes }]);
    const manifest = exampleManifest('us-northbound-laredo');
    await publishManifest(bus, codec, manifest);
    await publishResults(bus, codec, manifest, screeningResultsFor(manifest));
    await waitForCount(1);
    await waitFor(() => service.stats().pendingManifests === 0, 5_000, 'the bad manifest set aside');
    const letters = await deadLetters('us.cargo-manifests.v1');
    expect(classes(letters)).toEqual(['invalid']);
    expect(letters[0]?.headers[DEAD_LETTER_HEADERS.reason]?.toString()).toContain('subject.eventId');
    expect(letters[0]?.value).toEqual(badBytes);
  });

  it('commits only what it has finished: a buffered manifest holds back its partition', async () => {
    const service = make();
    await service.start();
    const manifest = exampleManifest('us-northbound-laredo');
    await publishManifest(bus, codec, manifest);
    await waitFor(() => service.stats().pendingManifests === 1, 5_000, 'manifest buffered');
    await new Promise((resolve) => setTimeout(resolve, 60));
    const group = await bus.admin.describeGroup('puente.risk.us', ['us.cargo-manifests.v1']);
    expect(group.partitions.reduce((sum, p) => sum + Number(p.lag), 0)).toBe(1);
    await publishResults(bus, codec, manifest, screeningResultsFor(manifest));
    await waitFor(
      async () =>
        (await bus.admin.describeGroup('puente.risk.us', ['us.cargo-manifests.v1'])).partitions.every(
          (p) => p.lag === '0',
        ),
      5_000,
      'manifest partition committed',
    );
  });
});
