// The traveller risk service on a real Kafka: a SENTRI member the registry confirms, screened CLEAR,
// gets the trusted-traveller lane; after the registry suspends the membership her next crossing does
// not; a restarted service assesses neither crossing again; an invalid crossing is dead-lettered. A
// screening hit that comes after its crossing was assessed without screening supersedes that
// assessment once, and a restart does not supersede it again.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { DEAD_LETTER_HEADERS, KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec } from '@puente/contracts';
import type { RiskAssessment } from '@puente/contracts';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
import { createTravellerRiskService } from './traveller-risk-service.js';
import { loadTravellerRules } from './traveller-rules.js';

const codec = createCodec();
const rules = loadTravellerRules(join(repoRoot, 'deploy/risk/us-travellers.yaml'));
const OUTPUT = 'us.risk-assessments.v1';

/** The reason header of the dead letter keyed `key` on `topic`, once it is there. */
async function deadLetterReason(bus: KafkaBus, topic: string, key: string): Promise<string> {
  let reason: string | undefined;
  const reader = await bus.readFrom({
    topic,
    positions: [{ partition: 0, offset: '0' }],
    handler: async (batch) => {
      for (const record of batch.records) {
        if (record.key === key) reason = record.headers[DEAD_LETTER_HEADERS.reason]?.toString('utf8') ?? '';
      }
    },
  });
  try {
    await waitFor(() => reason !== undefined, 60_000, `a dead letter keyed ${key}`);
  } finally {
    await reader.stop();
  }
  return reason ?? '';
}

describe('traveller risk service on Kafka', () => {
  const run = randomUUID().slice(0, 8);
  const groupId = `puente.risk-travellers.us.it-${run}`;
  const membershipId = `98${run.replace(/[^0-9]/g, '7').slice(0, 7)}`;
  let bus: KafkaBus;

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: `risk-trav-it-${run}` });
    await bus.start();
    await ensureTravellerTopics(bus, 'us');
  });
  afterAll(async () => {
    await bus.stop();
  });

  const ofCrossing = (all: { value: RiskAssessment }[], eventId: string) =>
    all.filter((a) => a.value.subject.eventId === eventId).map((a) => a.value);

  it('gives a confirmed member the trusted lane, not after a suspension, and never assesses a crossing twice', async () => {
    await publishValue(bus, codec, 'us.trusted-travellers.v1', membershipId, registryStatus(membershipId));
    const seen: RiskAssessment[] = [];
    const service = createTravellerRiskService({
      bus,
      codec,
      country: 'US',
      rules,
      groupId,
      sweepIntervalMs: 200,
      onAssessment: (a) => seen.push(a),
    });
    await service.start();
    expect(service.registry.statusOf(membershipId)?.status).toBe('ACTIVE');

    // Screening's result may come first: the join waits for the crossing.
    const monday = crossing({ laneRequested: 'TRUSTED_TRAVELLER', memberships: [sentri(membershipId)] });
    await publishValue(bus, codec, 'us.screening-results.v1', monday.crossingId, crossingScreening(monday));
    await publishValue(bus, codec, 'us.traveller-crossings.v1', monday.crossingId, monday);
    await waitFor(() => seen.length >= 1, 60_000, 'the first assessment');
    const trusted = seen[0]!;
    expect(trusted.portLane).toBe('TRUSTED_TRAVELLER');
    expect(trusted.recommendedLane).toBe('EXPEDITED');
    expect(trusted.recommendedAction).toBe('RELEASE');
    expect(trusted.subject).toEqual({
      subjectType: 'TRAVELLER',
      topic: 'us.traveller-crossings.v1',
      entityId: monday.crossingId,
      eventId: monday.meta.eventId,
    });
    expect(trusted.meta.classification).toBe('LAW_ENFORCEMENT_SENSITIVE');
    expect(trusted.factors.map((f) => f.code)).toEqual(['TRUSTED_TRAVELLER_CONFIRMED']);
    expect(trusted.factors[0]?.description).toContain('SENTRI membership');
    expect(trusted.factors.map((f) => f.description).join(' ')).not.toContain(membershipId);

    // The registry suspends her; the next crossing, published right after, must see it.
    await publishValue(
      bus,
      codec,
      'us.trusted-travellers.v1',
      membershipId,
      registryStatus(membershipId, { status: 'SUSPENDED' }),
    );
    const tuesday = crossing({ laneRequested: 'TRUSTED_TRAVELLER', memberships: [sentri(membershipId)] });
    await publishValue(bus, codec, 'us.traveller-crossings.v1', tuesday.crossingId, tuesday);
    await publishValue(bus, codec, 'us.screening-results.v1', tuesday.crossingId, crossingScreening(tuesday));
    // And a crossing that breaks the domain rules: a bus crossing without its bus.
    const bad = crossing({ mode: 'BUS', conveyance: null });
    await publishValue(bus, codec, 'us.traveller-crossings.v1', bad.crossingId, bad);
    await waitFor(() => seen.length >= 2, 60_000, 'the second assessment');
    const suspended = seen[1]!;
    expect(suspended.subject.eventId).toBe(tuesday.meta.eventId);
    expect(suspended.portLane).toBe('SECONDARY_INSPECTION');
    expect(suspended.factors.map((f) => f.code)).toEqual(
      expect.arrayContaining(['MEMBERSHIP_SUSPENDED', 'TRUSTED_LANE_WITHOUT_CONFIRMED_MEMBERSHIP']),
    );
    const reason = await deadLetterReason(bus, 'dlq.us.traveller-crossings.v1', bad.crossingId);
    expect(reason).toContain('conveyance: a BUS crossing names its vehicle');
    expect(seen).toHaveLength(2);
    await service.stop();

    // A restart with a fresh group re-reads both crossings from the start: the output topic says they are done.
    const again: RiskAssessment[] = [];
    const restarted = createTravellerRiskService({
      bus,
      codec,
      country: 'US',
      rules,
      groupId: `${groupId}-again`,
      sweepIntervalMs: 200,
      onAssessment: (a) => again.push(a),
    });
    await restarted.start();
    await waitFor(() => restarted.stats().alreadyAssessed >= 2, 60_000, 'both crossings re-read');
    await restarted.stop();
    expect(again.filter((a) => [monday.meta.eventId, tuesday.meta.eventId].includes(a.subject.eventId))).toEqual([]);
    const all = await readAssessments(bus, codec, OUTPUT);
    expect(ofCrossing(all, monday.meta.eventId)).toHaveLength(1);
    expect(ofCrossing(all, tuesday.meta.eventId)).toHaveLength(1);
    expect(ofCrossing(all, bad.meta.eventId)).toHaveLength(0);
  });

  it('supersedes an assessment made without screening when the hit comes late, once across a restart', async () => {
    const seen: RiskAssessment[] = [];
    const lateGroup = `${groupId}-late`;
    const service = createTravellerRiskService({
      bus,
      codec,
      country: 'US',
      rules,
      groupId: lateGroup,
      joinTimeoutMs: 500,
      sweepIntervalMs: 200,
      onAssessment: (a) => seen.push(a),
    });
    await service.start();
    const late = crossing({ laneRequested: 'READY_LANE' });
    await publishValue(bus, codec, 'us.traveller-crossings.v1', late.crossingId, late);
    await waitFor(() => seen.some((a) => a.subject.eventId === late.meta.eventId), 60_000, 'the unscreened assessment');
    const earlier = seen.find((a) => a.subject.eventId === late.meta.eventId)!;
    expect(earlier.factors.map((f) => f.code)).toContain('SCREENING_INCOMPLETE');
    expect(earlier.meta.supersedes).toBeNull();

    const hit = crossingScreening(late, 'POTENTIAL_MATCH');
    const [landed] = await bus.publish('us.screening-results.v1', [
      { key: late.crossingId, value: codec.encode('us.screening-results.v1', hit) },
    ]);
    await waitFor(() => seen.some((a) => a.meta.supersedes === earlier.meta.eventId), 60_000, 'the superseding one');
    const superseding = seen.find((a) => a.meta.supersedes === earlier.meta.eventId)!;
    expect(superseding).toMatchObject({
      assessmentId: earlier.assessmentId,
      subject: earlier.subject,
      portLane: 'SECONDARY_INSPECTION',
      recommendedLane: 'SECONDARY_INSPECTION',
      recommendedAction: 'PHYSICAL_INSPECTION',
      meta: { eventId: supersedingEventIdFor(earlier.meta.eventId, hit.meta.eventId) },
    });
    expect(superseding.factors.map((f) => f.code)).toEqual(['WATCHLIST_POTENTIAL_MATCH']);
    await service.stop();

    // A fresh group re-reads the crossing and the hit: the output topic says both are done.
    const again: RiskAssessment[] = [];
    const restarted = createTravellerRiskService({
      bus,
      codec,
      country: 'US',
      rules,
      groupId: `${lateGroup}-again`,
      joinTimeoutMs: 500,
      sweepIntervalMs: 200,
      onAssessment: (a) => again.push(a),
    });
    await restarted.start();
    // Committed past the hit: it was re-read and let go (other suites' results may stay pinned elsewhere).
    await waitFor(
      async () => {
        const group = await bus.admin.describeGroup(`${lateGroup}-again`, ['us.screening-results.v1']);
        const p = group.partitions.find((x) => x.partition === landed!.partition);
        return p?.committed != null && BigInt(p.committed) > BigInt(landed!.offset);
      },
      60_000,
      'the hit re-read and committed',
    );
    await restarted.stop();
    expect(again.filter((a) => a.subject.eventId === late.meta.eventId)).toEqual([]);
    const all = await readAssessments(bus, codec, OUTPUT);
    expect(ofCrossing(all, late.meta.eventId).map((a) => a.meta.eventId)).toEqual([
      earlier.meta.eventId,
      superseding.meta.eventId,
    ]);
  });
});
