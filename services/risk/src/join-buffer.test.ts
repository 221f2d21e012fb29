import type { ConsumedRecord } from '@puente/bus';
import { OffsetTracker } from '@puente/bus';
import type { CargoManifest, ScreeningResult } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import { JoinBuffer, joinKeyOfResult, joinKeysOf } from './join-buffer.js';
import type { Position } from './position.js';
import { roleOfScreening } from './risk-rules.js';
import { exampleManifest, screeningResultsFor } from './testing/fixtures.js';

const MANIFESTS = 'us.cargo-manifests.v1';
const RESULTS = 'us.screening-results.v1';

const at = (topic: string, offset: number, partition = 0): Position => ({ topic, partition, offset });
const recordAt = (p: Position): ConsumedRecord => ({
  topic: p.topic,
  partition: p.partition,
  offset: String(p.offset),
  key: null,
  value: Buffer.from('x'),
  headers: {},
  timestamp: 0,
});

function setup(start = 1_000) {
  const offsets = new OffsetTracker();
  const clock = { t: start };
  const buffer = new JoinBuffer(offsets, () => clock.t);
  /** The commit position of a partition after taking records up to `taken` (inclusive). */
  const commitAt = (topic: string, taken: number, partition = 0) => {
    offsets.partition(topic, partition).take(taken);
    return offsets.partition(topic, partition).position();
  };
  const addManifest = (manifest: CargoManifest, p: Position) => buffer.addManifest(manifest, recordAt(p), p);
  const addResult = (result: ScreeningResult, p: Position, key: string | null = null) =>
    buffer.addResult(joinKeyOfResult(result, key), roleOfScreening(result)!, result, p);
  return { offsets, clock, buffer, commitAt, addManifest, addResult };
}

const eventIds = (pending: readonly { manifest: CargoManifest }[]) => pending.map((p) => p.manifest.meta.eventId);

describe('join keys', () => {
  it('puts a manifest under its eventId and then its manifestId', () => {
    const manifest = exampleManifest('us-northbound-laredo', { manifestId: 'M-1' });
    expect(joinKeysOf(manifest)).toEqual([manifest.meta.eventId, 'manifest:M-1']);
  });

  it('puts a result under its correlation id, else under the record key, else under its screeningId prefix', () => {
    const manifest = exampleManifest('us-northbound-laredo', { manifestId: 'M-1' });
    const [result] = screeningResultsFor(manifest);
    expect(joinKeyOfResult(result!, 'M-1')).toBe(manifest.meta.eventId);
    const uncorrelated = { ...result!, meta: { ...result!.meta, correlationId: null } };
    expect(joinKeyOfResult(uncorrelated, 'KEYED')).toBe('manifest:KEYED');
    expect(joinKeyOfResult({ ...uncorrelated, screeningId: 'M-9/x/consignor' }, null)).toBe('manifest:M-9/x');
  });
});

describe('JoinBuffer', () => {
  it('joins a manifest whose results come after it, once every party has one', () => {
    const { buffer, addManifest, addResult } = setup();
    const manifest = exampleManifest('us-northbound-laredo');
    const results = screeningResultsFor(manifest);
    expect(results).toHaveLength(4);
    expect(addManifest(manifest, at(MANIFESTS, 0))).toBe(true);
    results.slice(0, 3).forEach((r, i) => addResult(r, at(RESULTS, i)));
    expect(buffer.complete()).toEqual([]);
    addResult(results[3]!, at(RESULTS, 3));
    expect(eventIds(buffer.complete())).toEqual([manifest.meta.eventId]);
    expect(
      buffer
        .resultsFor(manifest)
        .map((r) => r.screeningId)
        .sort(),
    ).toEqual(results.map((r) => r.screeningId).sort());
  });

  it('joins results that came before their manifest', () => {
    const { buffer, addManifest, addResult } = setup();
    const manifest = exampleManifest('us-northbound-otay-mesa-produce');
    screeningResultsFor(manifest).forEach((r, i) => addResult(r, at(RESULTS, i)));
    expect(buffer.pendingResults).toBe(1);
    expect(buffer.complete()).toEqual([]);
    addManifest(manifest, at(MANIFESTS, 0));
    expect(eventIds(buffer.complete())).toEqual([manifest.meta.eventId]);
  });

  it('joins results without a correlation id by manifestId, and prefers the correlated one for a role', () => {
    const { buffer, addManifest, addResult } = setup();
    const manifest = exampleManifest('us-northbound-laredo', { manifestId: 'M-KEYED' });
    const [consignor, ...others] = screeningResultsFor(manifest, { consignor: 'POTENTIAL_MATCH' });
    const plain = (r: ScreeningResult) => ({ ...r, meta: { ...r.meta, correlationId: null } });
    addManifest(manifest, at(MANIFESTS, 0));
    others.forEach((r, i) => addResult(plain(r), at(RESULTS, i), 'M-KEYED'));
    addResult({ ...plain(consignor!), outcome: 'CLEAR' }, at(RESULTS, 3), 'M-KEYED');
    addResult(consignor!, at(RESULTS, 4));
    expect(buffer.pendingResults).toBe(2);
    expect(eventIds(buffer.complete())).toEqual([manifest.meta.eventId]);
    const joined = buffer.resultsFor(manifest);
    expect(joined).toHaveLength(4);
    expect(joined.find((r) => r.screeningId === 'M-KEYED/consignor')?.outcome).toBe('POTENTIAL_MATCH');
  });

  it('keeps several manifests apart, each joined only with its own parties', () => {
    const { buffer, addManifest, addResult } = setup();
    const a = exampleManifest('us-northbound-laredo', { manifestId: 'A' });
    const b = exampleManifest('us-northbound-laredo', { manifestId: 'B' });
    addManifest(a, at(MANIFESTS, 0));
    addManifest(b, at(MANIFESTS, 1));
    screeningResultsFor(b).forEach((r, i) => addResult(r, at(RESULTS, i)));
    screeningResultsFor(a)
      .slice(0, 2)
      .forEach((r, i) => addResult(r, at(RESULTS, 10 + i)));
    expect(eventIds(buffer.complete())).toEqual([b.meta.eventId]);
    expect(buffer.resultsFor(a).map((r) => r.screeningId)).toEqual(['A/consignor', 'A/consignee']);
    expect(buffer.pendingManifests).toBe(2);
    expect(buffer.pendingResults).toBe(2);
  });

  it('takes a redelivered manifest once, and a role twice as its latest result', () => {
    const { buffer, offsets, addManifest, addResult } = setup();
    const manifest = exampleManifest('us-northbound-laredo');
    expect(addManifest(manifest, at(MANIFESTS, 5))).toBe(true);
    expect(addManifest(manifest, at(MANIFESTS, 9))).toBe(false);
    expect(buffer.pendingManifests).toBe(1);
    expect(buffer.pending()[0]?.pin.offset).toBe(5);
    expect(offsets.get(MANIFESTS, 0)?.holds).toBe(1);
    const [first] = screeningResultsFor(manifest);
    addResult(first!, at(RESULTS, 0));
    addResult({ ...first!, outcome: 'CONFIRMED_MATCH' }, at(RESULTS, 1));
    expect(buffer.resultsFor(manifest).map((r) => r.outcome)).toEqual(['CONFIRMED_MATCH']);
    expect(offsets.get(RESULTS, 0)?.holds).toBe(2);
  });

  it('pins what it buffers and releases all of it when the manifest is finished', () => {
    const { buffer, commitAt, addManifest, addResult } = setup();
    const manifest = exampleManifest('us-northbound-laredo');
    addManifest(manifest, at(MANIFESTS, 3));
    screeningResultsFor(manifest).forEach((r, i) => addResult(r, at(RESULTS, 7 + i)));
    expect(commitAt(MANIFESTS, 3)).toBe(3);
    expect(commitAt(RESULTS, 10)).toBe(7);
    buffer.finish(buffer.pending()[0]!);
    expect(commitAt(MANIFESTS, 3)).toBe(4);
    expect(commitAt(RESULTS, 10)).toBe(11);
    expect(buffer.pendingManifests).toBe(0);
    expect(buffer.pendingResults).toBe(0);
  });

  it('lists the manifests that waited the join timeout or longer', () => {
    const { buffer, clock, addManifest } = setup(1_000);
    const early = exampleManifest('us-northbound-laredo', { manifestId: 'EARLY' });
    const late = exampleManifest('us-northbound-laredo', { manifestId: 'LATE' });
    addManifest(early, at(MANIFESTS, 0));
    clock.t = 1_050;
    addManifest(late, at(MANIFESTS, 1));
    expect(buffer.overdue(1_099, 100)).toEqual([]);
    expect(eventIds(buffer.overdue(1_100, 100))).toEqual([early.meta.eventId]);
    expect(eventIds(buffer.overdue(1_150, 100))).toEqual([early.meta.eventId, late.meta.eventId]);
  });

  it('drops orphan results after the orphan timeout, but not those a manifest waits for', () => {
    const { buffer, clock, commitAt, addManifest, addResult } = setup(0);
    const waited = exampleManifest('us-northbound-laredo', { manifestId: 'WAITED' });
    const orphan = exampleManifest('us-northbound-laredo', { manifestId: 'ORPHAN' });
    addManifest(waited, at(MANIFESTS, 0));
    addResult(screeningResultsFor(waited)[0]!, at(RESULTS, 0));
    addResult(screeningResultsFor(orphan)[0]!, at(RESULTS, 1));
    addResult(screeningResultsFor(orphan)[1]!, at(RESULTS, 2));
    clock.t = 500;
    expect(buffer.dropOrphans(999, 1_000)).toEqual([]);
    expect(buffer.dropOrphans(1_000, 1_000)).toEqual([['ORPHAN/consignor', 'ORPHAN/consignee']]);
    expect(buffer.pendingResults).toBe(1);
    expect(commitAt(RESULTS, 2)).toBe(0);
    expect(buffer.dropOrphans(5_000, 1_000)).toEqual([]);
    buffer.finish(buffer.pending()[0]!);
    expect(commitAt(RESULTS, 2)).toBe(3);
  });

  it('after a rebalance, lets go of what came from partitions it no longer owns', () => {
    const { buffer, offsets, addManifest, addResult } = setup();
    const kept = exampleManifest('us-northbound-laredo', { manifestId: 'KEPT' });
    const lost = exampleManifest('us-northbound-laredo', { manifestId: 'LOST' });
    addManifest(kept, at(MANIFESTS, 0, 0));
    addManifest(lost, at(MANIFESTS, 0, 1));
    const [k1, k2] = screeningResultsFor(kept);
    addResult(k1!, at(RESULTS, 0, 0));
    addResult(k2!, at(RESULTS, 0, 1)); // one of its pins is on a lost partition: the group goes
    addResult(screeningResultsFor(lost)[0]!, at(RESULTS, 1, 0));
    buffer.retain([
      { topic: MANIFESTS, partition: 0 },
      { topic: RESULTS, partition: 0 },
    ]);
    expect(buffer.pending().map((p) => p.manifest.manifestId)).toEqual(['KEPT']);
    expect(buffer.pendingResults).toBe(1);
    expect(buffer.resultsFor(kept)).toEqual([]);
    expect(buffer.resultsFor(lost).map((r) => r.screeningId)).toEqual(['LOST/consignor']);
    expect(offsets.get(MANIFESTS, 1)?.holds).toBe(0);
    expect(offsets.get(RESULTS, 0)?.holds).toBe(1);
    expect(offsets.get(RESULTS, 1)?.holds).toBe(0);
  });

  it('forgets everything on clear', () => {
    const { buffer, addManifest, addResult } = setup();
    const manifest = exampleManifest('us-northbound-laredo');
    addManifest(manifest, at(MANIFESTS, 0));
    addResult(screeningResultsFor(manifest)[0]!, at(RESULTS, 0));
    buffer.clear();
    expect([buffer.pendingManifests, buffer.pendingResults]).toEqual([0, 0]);
    expect(buffer.resultsFor(manifest)).toEqual([]);
  });
});
