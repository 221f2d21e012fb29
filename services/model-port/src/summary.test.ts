import type { PreClearanceDecision, RiskAssessment } from '@puente/contracts';
import { DEV_TOKENS_FILE } from '@puente/gateway/dev';
import { describe, expect, it } from 'vitest';

import { countAssessment, countDecision, countLane, type LaneCounts } from './lanes.js';
import { bannerText, summaryLine } from './summary.js';

const meta = (country: 'US' | 'MX') =>
  ({
    eventId: '0b6f1c2e-8d4a-4f0e-9a51-3c2d7e8f9a10',
    occurredAt: new Date('2026-11-27T15:00:00Z'),
    originCountry: country,
    originAgency: country === 'US' ? 'CBP' : 'INM',
    classification: 'SENSITIVE',
    releasableTo: ['US', 'MX'],
    purposes: ['BORDER_SECURITY'],
    correlationId: null,
    supersedes: null,
  }) as const;

const traveller = (country: 'US' | 'MX', portLane: RiskAssessment['portLane']): RiskAssessment => ({
  meta: { ...meta(country), releasableTo: ['US', 'MX'], purposes: ['BORDER_SECURITY'] },
  assessmentId: 'A-1',
  subject: {
    subjectType: 'TRAVELLER',
    topic: 'us.traveller-crossings.v1',
    entityId: 'C-1',
    eventId: meta(country).eventId,
  },
  score: 0,
  level: 'LOW',
  factors: [],
  recommendedLane: 'STANDARD',
  recommendedAction: 'RELEASE',
  modelVersion: 'test',
  validUntil: null,
  portLane,
});

const preClearance = (country: 'US' | 'MX', decision: PreClearanceDecision['decision']): PreClearanceDecision => ({
  meta: { ...meta(country), releasableTo: ['US', 'MX'], purposes: ['BORDER_SECURITY'] },
  decisionId: 'D-1',
  manifestId: 'TLBV0123456789',
  manifestEventId: meta(country).eventId,
  decision,
  lane: 'FAST',
  trustedShipper: null,
  factors: [],
  cause: null,
});

describe('bannerText', () => {
  it('names the gateway, metrics, tokens, agreements, ledgers, rate and seed', () => {
    const text = bannerText({
      gatewayPort: 50051,
      metricsPort: 9464,
      agreements: [
        { id: 'us-to-mx', version: 3 },
        { id: 'mx-to-us', version: 1 },
      ],
      ratePerSecond: 4,
      seed: 7,
    });
    expect(text.split('\n')).toEqual([
      'Puente model port — embedded (MemoryBus, no Kafka needed)',
      '  gateway    127.0.0.1:50051 (gRPC: puente.v1.ShareService; health and reflection on)',
      '  metrics    http://127.0.0.1:9464/metrics',
      `  tokens     ${DEV_TOKENS_FILE} (development fixture; send as "authorization: Bearer <token>")`,
      '  agreements us-to-mx v3, mx-to-us v1',
      '  ledgers    US and MX in embedded PGlite (in memory); checkpoints signed with development keys (puente.v1.OperatorService: VerifyLedger, WhoReceived, ListDisclosures)',
      'Synthetic agencies publish about 4 events/s (seed 7); partners print what their agreement lets them see. Ctrl-C stops.',
      '',
    ]);
  });
});

describe('summaryLine', () => {
  it('sums each counter over its labels, counts a missing one as 0, and lists the lanes', () => {
    const metrics = [
      { name: 'puente_published_total', values: [{ value: 3 }, { value: 4 }] },
      { name: 'puente_delivered_total', values: [{ value: 5 }] },
      { name: 'puente_acked_total', values: [] },
      { name: 'puente_other_total', values: [{ value: 99 }] },
    ];
    expect(summaryLine(metrics, new Map([['US GREEN', 2]]))).toBe(
      '— summary: 7 published by agencies, 5 shared across the border, 0 withheld by policy, 0 acknowledged; lanes: US GREEN 2; travellers: none yet; pre-clearances revoked: none yet —',
    );
  });

  it('adds the traveller lanes and the revoked pre-clearances per country', () => {
    const lanes: LaneCounts = new Map();
    countLane(lanes, 'MX', 'STANDARD');
    countAssessment(lanes, traveller('US', 'TRUSTED_TRAVELLER'));
    countAssessment(lanes, traveller('MX', 'GENERAL'));
    countAssessment(lanes, traveller('US', 'SECONDARY_INSPECTION'));
    countDecision(lanes, preClearance('US', 'GRANTED'));
    countDecision(lanes, preClearance('US', 'REVOKED'));
    expect(summaryLine([], lanes)).toBe(
      '— summary: 0 published by agencies, 0 shared across the border, 0 withheld by policy, 0 acknowledged; lanes: MX STANDARD 1; travellers: US TRUSTED_TRAVELLER 1, MX GENERAL 1, US SECONDARY_INSPECTION 1; pre-clearances revoked: US 1 of 1 granted —',
    );
  });
});
