import type { Country, PreClearanceDecision, RiskAssessment } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import {
  countAssessment,
  countDecision,
  countLane,
  type LaneCounts,
  laneText,
  revokedText,
  travellerLaneText,
} from './lanes.js';

const meta = (country: Country) => ({
  eventId: '0b6f1c2e-8d4a-4f0e-9a51-3c2d7e8f9a10',
  occurredAt: new Date('2026-11-27T15:00:00Z'),
  originCountry: country,
  originAgency: country === 'US' ? 'CBP' : 'ANAM',
  classification: 'SENSITIVE' as const,
  releasableTo: ['US', 'MX'] as Country[],
  purposes: ['BORDER_SECURITY' as const],
  correlationId: null,
  supersedes: null,
});

function assessment(
  country: Country,
  subjectType: RiskAssessment['subject']['subjectType'],
  lanes: Pick<RiskAssessment, 'recommendedLane' | 'portLane'>,
): RiskAssessment {
  return {
    meta: meta(country),
    assessmentId: `${country}-A-1`,
    subject: {
      subjectType,
      topic: `${country.toLowerCase()}.traveller-crossings.v1`,
      entityId: 'CBP-2504-20261127-00000001',
      eventId: '7d1e0a52-4b8c-4c1e-8f3a-0e9d2b6c5a41',
    },
    score: 0.1,
    level: 'LOW',
    factors: [],
    recommendedAction: 'RELEASE',
    modelVersion: 'test',
    validUntil: null,
    ...lanes,
  };
}

function decision(country: Country, type: PreClearanceDecision['decision']): PreClearanceDecision {
  return {
    meta: meta(country),
    decisionId: `${country}-D-1`,
    manifestId: 'TLBV0123456789',
    manifestEventId: '7d1e0a52-4b8c-4c1e-8f3a-0e9d2b6c5a41',
    decision: type,
    lane: type === 'GRANTED' ? 'FAST' : 'SECONDARY_INSPECTION',
    trustedShipper: null,
    factors: [],
    cause: null,
  };
}

describe('lanes', () => {
  it('counts shipments per country and recommended lane, listed in first-seen order', () => {
    const lanes: LaneCounts = new Map();
    countLane(lanes, 'US', 'GREEN');
    countLane(lanes, 'MX', 'RED');
    countLane(lanes, 'US', 'GREEN');
    expect(laneText(lanes)).toBe('US GREEN 2, MX RED 1');
  });

  it('says none yet before any assessment or decision', () => {
    expect(laneText(new Map())).toBe('none yet');
    expect(travellerLaneText(new Map())).toBe('none yet');
    expect(revokedText(new Map())).toBe('none yet');
  });

  it('counts travellers by port lane and shipments by recommended lane, under the assessing country', () => {
    const lanes: LaneCounts = new Map();
    countAssessment(
      lanes,
      assessment('US', 'TRAVELLER', { recommendedLane: 'EXPEDITED', portLane: 'TRUSTED_TRAVELLER' }),
    );
    countAssessment(lanes, assessment('US', 'TRAVELLER', { recommendedLane: 'STANDARD', portLane: 'READY_LANE' }));
    countAssessment(lanes, assessment('MX', 'TRAVELLER', { recommendedLane: 'STANDARD', portLane: 'GENERAL' }));
    countAssessment(
      lanes,
      assessment('US', 'TRAVELLER', { recommendedLane: 'EXPEDITED', portLane: 'TRUSTED_TRAVELLER' }),
    );
    // A shipment's FAST port lane does not make it a traveller; it counts by its coarse lane.
    countAssessment(lanes, assessment('US', 'SHIPMENT', { recommendedLane: 'EXPEDITED', portLane: 'FAST' }));
    // A traveller assessment without a port lane still counts, by its coarse lane.
    countAssessment(lanes, assessment('MX', 'TRAVELLER', { recommendedLane: 'HOLD', portLane: null }));
    expect(travellerLaneText(lanes)).toBe('US TRUSTED_TRAVELLER 2, US READY_LANE 1, MX GENERAL 1, MX HOLD 1');
    expect(laneText(lanes)).toBe('US EXPEDITED 1');
  });

  it('counts revoked pre-clearances per country beside the grants, ignoring other decisions', () => {
    const lanes: LaneCounts = new Map();
    countDecision(lanes, decision('US', 'GRANTED'));
    countDecision(lanes, decision('US', 'GRANTED'));
    countDecision(lanes, decision('MX', 'GRANTED'));
    countDecision(lanes, decision('US', 'REVOKED'));
    countDecision(lanes, decision('US', 'DENIED'));
    countDecision(lanes, decision('MX', 'OTHER'));
    expect(revokedText(lanes)).toBe('US 1 of 2 granted, MX 0 of 1 granted');
    expect(laneText(lanes)).toBe('none yet');
    expect(travellerLaneText(lanes)).toBe('none yet');
  });
});
