import { OffsetTracker } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import type { CargoManifest, ScreeningResult } from '@puente/contracts';
import { NOT_AVRO } from '@puente/contracts/testing';
import { silentLogger } from '@puente/runtime';
import { beforeEach, describe, expect, it } from 'vitest';

import { AssessmentLedger } from './assessment-ledger.js';
import { Intake } from './intake.js';
import { JoinBuffer } from './join-buffer.js';
import { exampleManifest, screeningResultsFor } from './testing/fixtures.js';
import { assessmentOf, consumedAt } from './testing/parts.js';

const codec = createCodec();
const MANIFESTS = 'us.cargo-manifests.v1';
const RESULTS = 'us.screening-results.v1';

describe('Intake', () => {
  let offsets: OffsetTracker;
  let buffer: JoinBuffer;
  let ledger: AssessmentLedger;
  let intake: Intake;
  let offset: number;

  const take = (topic: string, value: Buffer, key: string | null = null) => {
    const position = { topic, partition: 0, offset: offset++ };
    intake.accept(topic, value, consumedAt(position, value, key), position);
  };
  const manifestIn = (m: CargoManifest) => take(MANIFESTS, codec.encode(MANIFESTS, m), m.manifestId);
  const resultIn = (r: ScreeningResult, key: string | null = null) => take(RESULTS, codec.encode(RESULTS, r), key);
  const holds = (topic: string) => offsets.get(topic, 0)?.holds ?? 0;

  beforeEach(() => {
    offsets = new OffsetTracker();
    buffer = new JoinBuffer(offsets, Date.now);
    ledger = new AssessmentLedger({ windowDays: 30, now: Date.now });
    intake = new Intake({
      codec,
      topics: { manifestTopic: MANIFESTS, resultTopic: RESULTS },
      buffer,
      ledger,
      logger: silentLogger(),
    });
    offset = 0;
  });

  it('buffers a manifest and its results until they join, each pinned', () => {
    const manifest = exampleManifest('us-northbound-laredo');
    manifestIn(manifest);
    manifestIn(manifest); // redelivered
    for (const r of screeningResultsFor(manifest)) resultIn(r, manifest.manifestId);
    expect(buffer.complete().map((p) => p.manifest.manifestId)).toEqual([manifest.manifestId]);
    expect(buffer.pendingManifests).toBe(1);
    expect([holds(MANIFESTS), holds(RESULTS)]).toEqual([1, 4]);
    expect(intake.alreadyAssessed).toBe(0);
  });

  it('joins a result without a correlation id under its record key', () => {
    const manifest = exampleManifest('us-northbound-laredo', { manifestId: 'KEYED-1' });
    manifestIn(manifest);
    for (const r of screeningResultsFor(manifest))
      resultIn({ ...r, meta: { ...r.meta, correlationId: null } }, 'KEYED-1');
    expect(buffer.complete()).toHaveLength(1);
    expect(buffer.pendingResults).toBe(1);
  });

  it('counts and drops a manifest assessed before, and drops its results', () => {
    const manifest = exampleManifest('us-northbound-laredo');
    ledger.record(assessmentOf(manifest), undefined);
    manifestIn(manifest);
    manifestIn(manifest);
    for (const r of screeningResultsFor(manifest, { consignee: 'POTENTIAL_MATCH' })) resultIn(r);
    expect(intake.alreadyAssessed).toBe(2);
    expect([buffer.pendingManifests, buffer.pendingResults]).toEqual([0, 0]);
    expect([holds(MANIFESTS), holds(RESULTS)]).toEqual([0, 0]);
  });

  it('skips a result that names no party role', () => {
    const [result] = screeningResultsFor(exampleManifest('us-northbound-laredo'));
    resultIn({ ...result!, screeningId: 'M-1/stowaway' });
    expect(buffer.pendingResults).toBe(0);
    expect(holds(RESULTS)).toBe(0);
  });

  it("leaves a traveller's crossing result to the traveller service, even one with a party role", () => {
    const [result] = screeningResultsFor(exampleManifest('us-northbound-laredo'));
    resultIn({ ...result!, screeningId: 'SYS-1/driver', crossingReference: 'SYS-1' }, 'SYS-1');
    expect(buffer.pendingResults).toBe(0);
    expect(holds(RESULTS)).toBe(0);
  });

  it('throws on a record it cannot decode, buffering nothing', () => {
    expect(() => take(MANIFESTS, NOT_AVRO)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    expect(() => take(RESULTS, NOT_AVRO)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    expect([buffer.pendingManifests, buffer.pendingResults]).toEqual([0, 0]);
  });

  it('throws on a valid manifest sent to the results topic', () => {
    const manifest = exampleManifest('us-northbound-laredo');
    expect(() => take(RESULTS, codec.encode(MANIFESTS, manifest))).toThrow();
    expect(buffer.pendingResults).toBe(0);
  });
});
