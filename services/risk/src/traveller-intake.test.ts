import { join } from 'node:path';

import { OffsetTracker } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import type { ScreeningResult, TravellerCrossing } from '@puente/contracts';
import { silentLogger } from '@puente/runtime';
import { beforeEach, describe, expect, it } from 'vitest';

import { exampleManifest, repoRoot, screeningResultsFor } from './testing/fixtures.js';
import { consumedAt } from './testing/parts.js';
import { crossing, crossingScreening } from './testing/traveller-fixtures.js';
import { TrustedTravellerRegistry } from './trusted-traveller-registry.js';
import { buildSupersedingTravellerAssessment, buildTravellerAssessment } from './traveller-assessment-record.js';
import { TravellerIntake } from './traveller-intake.js';
import { TravellerJoinBuffer } from './traveller-join-buffer.js';
import { TravellerLateHits } from './traveller-late-hits.js';
import { TravellerLedger } from './traveller-ledger.js';
import { loadTravellerRules } from './traveller-rules.js';

const codec = createCodec();
const CROSSINGS = 'us.traveller-crossings.v1';
const RESULTS = 'us.screening-results.v1';
const context = {
  country: 'US' as const,
  rules: loadTravellerRules(join(repoRoot, 'deploy/risk/us-travellers.yaml')),
  registry: new TrustedTravellerRegistry('US'),
  crossingTopic: CROSSINGS,
};

describe('TravellerIntake', () => {
  let offsets: OffsetTracker;
  let buffer: TravellerJoinBuffer;
  let lateHits: TravellerLateHits;
  let ledger: TravellerLedger;
  let intake: TravellerIntake;
  let offset: number;

  const take = (topic: string, value: Buffer) => {
    const position = { topic, partition: 0, offset: offset++ };
    intake.accept(topic, value, consumedAt(position, value), position);
  };
  const crossingIn = (c: TravellerCrossing) => take(CROSSINGS, codec.encode(CROSSINGS, c));
  const resultIn = (r: ScreeningResult) => take(RESULTS, codec.encode(RESULTS, r));
  const holds = (topic: string) => offsets.get(topic, 0)?.holds ?? 0;

  beforeEach(() => {
    offsets = new OffsetTracker();
    buffer = new TravellerJoinBuffer(offsets, Date.now);
    lateHits = new TravellerLateHits(offsets);
    ledger = new TravellerLedger({ windowDays: 1, now: Date.now });
    intake = new TravellerIntake({
      codec,
      topics: { crossingTopic: CROSSINGS, resultTopic: RESULTS },
      buffer,
      lateHits,
      ledger,
      logger: silentLogger(),
    });
    offset = 0;
  });

  it('joins a crossing with its result in either order, pinning both until finished', () => {
    const c = crossing();
    resultIn(crossingScreening(c));
    expect(buffer.complete()).toEqual([]);
    crossingIn(c);
    crossingIn(c); // redelivered
    const [ready] = buffer.complete();
    expect(ready?.crossing.crossingId).toBe(c.crossingId);
    expect([holds(CROSSINGS), holds(RESULTS)]).toEqual([1, 1]);
    buffer.finish(ready!);
    expect([holds(CROSSINGS), holds(RESULTS), buffer.pendingResults]).toEqual([0, 0, 0]);
  });

  it("ignores cargo parties' results", () => {
    for (const r of screeningResultsFor(exampleManifest('us-northbound-laredo'))) resultIn(r);
    expect([buffer.pendingResults, holds(RESULTS)]).toEqual([0, 0]);
  });

  it('throws on a crossing breaking the domain rules, naming every problem, and buffers nothing', () => {
    const bad = crossing({ mode: 'BUS', conveyance: null, laneRequested: 'FAST' });
    expect(() => crossingIn(bad)).toThrow(
      expect.objectContaining({
        code: 'SCHEMA_VALIDATION',
        message: expect.stringMatching(/conveyance: a BUS crossing names its vehicle; laneRequested: FAST is not/),
      }),
    );
    expect(buffer.pendingCrossings).toBe(0);
  });

  it('counts and drops a crossing assessed before, and a late result for it', () => {
    const c = crossing();
    ledger.record(
      {
        subject: { subjectType: 'TRAVELLER', topic: CROSSINGS, entityId: c.crossingId, eventId: c.meta.eventId },
        level: 'LOW',
        meta: c.meta,
      },
      undefined,
    );
    crossingIn(c);
    resultIn(crossingScreening(c, 'POTENTIAL_MATCH'));
    expect(intake.alreadyAssessed).toBe(1);
    expect([buffer.pendingCrossings, buffer.pendingResults, holds(CROSSINGS), holds(RESULTS)]).toEqual([0, 0, 0, 0]);
  });

  it('drops a result whose crossing never came after the orphan timeout', () => {
    const c = crossing();
    resultIn(crossingScreening(c));
    expect(buffer.dropOrphans(Date.now() + 1_000, 60_000)).toEqual([]);
    expect(buffer.dropOrphans(Date.now() + 61_000, 60_000)).toEqual([`${c.crossingId}/traveller`]);
    expect(holds(RESULTS)).toBe(0);
  });

  it('keeps a hit for a crossing assessed without screening as a late hit, pinned once, and drops CLEAR', () => {
    const c = crossing();
    const earlier = buildTravellerAssessment(c, undefined, Date.now(), context);
    ledger.record(earlier, undefined);
    resultIn(crossingScreening(c, 'CLEAR'));
    expect([lateHits.size, holds(RESULTS)]).toEqual([0, 0]);
    const hit = crossingScreening(c, 'CONFIRMED_MATCH');
    resultIn(hit);
    resultIn(hit); // redelivered
    expect(lateHits.pending().map((h) => [h.crossingEventId, h.result.meta.eventId])).toEqual([
      [c.meta.eventId, hit.meta.eventId],
    ]);
    expect([buffer.pendingResults, holds(RESULTS)]).toEqual([0, 1]);
    lateHits.finish(lateHits.pending()[0]!);
    expect(holds(RESULTS)).toBe(0);
  });

  it('drops a hit for a crossing assessed with its screening, or whose unscreened assessment was superseded', () => {
    const screened = crossing();
    ledger.record(buildTravellerAssessment(screened, crossingScreening(screened), Date.now(), context), undefined);
    resultIn(crossingScreening(screened, 'POTENTIAL_MATCH'));
    const superseded = crossing();
    const earlier = buildTravellerAssessment(superseded, undefined, Date.now(), context);
    ledger.record(earlier, undefined);
    const first = crossingScreening(superseded, 'POTENTIAL_MATCH');
    ledger.record(buildSupersedingTravellerAssessment(earlier, first, Date.now(), context), undefined);
    resultIn(crossingScreening(superseded, 'CONFIRMED_MATCH'));
    expect([lateHits.size, buffer.pendingResults, holds(RESULTS)]).toEqual([0, 0, 0]);
  });
});
