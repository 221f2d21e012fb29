// The traveller risk service on the in-memory bus: what happens when screening is late.
import { join } from 'node:path';

import { MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import type { RiskAssessment } from '@puente/contracts';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { readAssessments } from './testing/bus-helpers.js';
import { repoRoot } from './testing/fixtures.js';
import {
  crossing,
  crossingScreening,
  ensureTravellerTopics,
  publishValue,
  registryStatus,
  sentri,
} from './testing/traveller-fixtures.js';
import { supersedingEventIdFor } from './traveller-assessment-record.js';
import { createTravellerRiskService, type TravellerRiskService } from './traveller-risk-service.js';
import { loadTravellerRules } from './traveller-rules.js';

const codec = createCodec();
const rules = loadTravellerRules(join(repoRoot, 'deploy/risk/us-travellers.yaml'));
const OUTPUT = 'us.risk-assessments.v1';

describe('traveller risk service on MemoryBus', () => {
  let bus: MemoryBus;
  const services: TravellerRiskService[] = [];
  const make = (groupId: string, seen: RiskAssessment[]) => {
    const service = createTravellerRiskService({
      bus,
      codec,
      country: 'US',
      rules,
      groupId,
      joinTimeoutMs: 50,
      sweepIntervalMs: 20,
      onAssessment: (a) => seen.push(a),
    });
    services.push(service);
    return service;
  };
  const onTopic = async (eventId: string) =>
    (await readAssessments(bus, codec, OUTPUT)).map((r) => r.value).filter((a) => a.subject.eventId === eventId);

  beforeEach(async () => {
    bus = new MemoryBus();
    await bus.start();
    await ensureTravellerTopics(bus, 'us');
  });
  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
    await bus.stop();
  });

  it('supersedes an assessment made without screening once when a hit comes late, and not again after a restart', async () => {
    const member = '981234567';
    await publishValue(bus, codec, 'us.trusted-travellers.v1', member, registryStatus(member));
    const seen: RiskAssessment[] = [];
    await make('g1', seen).start();
    const c = crossing({ laneRequested: 'GENERAL', memberships: [sentri(member)] });
    await publishValue(bus, codec, 'us.traveller-crossings.v1', c.crossingId, c);
    await waitFor(() => seen.length >= 1, 5_000, 'the assessment without screening');
    const earlier = seen[0]!;
    expect(earlier.factors.map((f) => f.code)).toContain('SCREENING_INCOMPLETE');
    expect(earlier.portLane).toBe('GENERAL');

    const hit = crossingScreening(c, 'CONFIRMED_MATCH');
    await publishValue(bus, codec, 'us.screening-results.v1', c.crossingId, hit);
    await publishValue(bus, codec, 'us.screening-results.v1', c.crossingId, hit); // published twice
    // A second, different hit for the same crossing: it supersedes nothing more.
    await publishValue(bus, codec, 'us.screening-results.v1', c.crossingId, crossingScreening(c, 'POTENTIAL_MATCH'));
    await waitFor(() => seen.length >= 2, 5_000, 'the superseding assessment');
    const superseding = seen[1]!;
    expect(superseding).toMatchObject({
      assessmentId: earlier.assessmentId,
      subject: earlier.subject,
      portLane: 'SECONDARY_INSPECTION',
      recommendedLane: 'SECONDARY_INSPECTION',
      recommendedAction: 'REFER_TO_INVESTIGATIONS',
      meta: {
        eventId: supersedingEventIdFor(earlier.meta.eventId, hit.meta.eventId),
        supersedes: earlier.meta.eventId,
        correlationId: c.meta.eventId,
      },
    });
    expect(superseding.factors.map((f) => f.code)).toEqual([
      'WATCHLIST_CONFIRMED_MATCH',
      'TRUSTED_TRAVELLER_CONFIRMED',
    ]);
    await waitFor(() => services[0]!.stats().superseded === 1, 5_000, 'the counter');
    for (const s of services.splice(0)) await s.stop();

    // A restart re-reading every input: the output topic says the hit was acted on.
    const again: RiskAssessment[] = [];
    const restarted = make('g2', again);
    await restarted.start();
    await waitFor(() => restarted.stats().alreadyAssessed >= 1, 5_000, 'the crossing re-read');
    // The re-read hits are let go (their records committed) without a publish.
    await waitFor(
      async () =>
        (await bus.admin.describeGroup('g2', ['us.screening-results.v1'])).partitions.every((p) => p.lag === '0'),
      5_000,
      'the results committed',
    );
    expect(again).toEqual([]);
    expect((await onTopic(c.meta.eventId)).map((a) => a.meta.eventId)).toEqual([
      earlier.meta.eventId,
      superseding.meta.eventId,
    ]);
  });

  it('does not supersede an assessment made with a screening result', async () => {
    const seen: RiskAssessment[] = [];
    const service = make('g3', seen);
    await service.start();
    const c = crossing();
    await publishValue(bus, codec, 'us.screening-results.v1', c.crossingId, crossingScreening(c));
    await publishValue(bus, codec, 'us.traveller-crossings.v1', c.crossingId, c);
    await waitFor(() => seen.length >= 1, 5_000, 'the assessment');
    await publishValue(bus, codec, 'us.screening-results.v1', c.crossingId, crossingScreening(c, 'CONFIRMED_MATCH'));
    await waitFor(
      async () =>
        (await bus.admin.describeGroup('g3', ['us.screening-results.v1'])).partitions.every((p) => p.lag === '0'),
      5_000,
      'the late result committed',
    );
    expect(seen).toHaveLength(1);
    expect(service.stats().superseded).toBe(0);
  });
});
