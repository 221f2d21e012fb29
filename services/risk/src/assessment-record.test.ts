import { join } from 'node:path';

import { createCodec } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import {
  assessmentRecord,
  buildAssessment,
  buildScoredAssessment,
  FAST_MEMBERSHIP_HEADER,
  readFastMembership,
  SHIPPER_HEADER,
} from './assessment-record.js';
import type { AssessmentContext } from './assessment-record.js';
import { assessmentEventIdFor, assessmentIdFor } from './ids.js';
import { assess, loadRiskRules } from './risk-rules.js';
import { exampleManifest, repoRoot, screeningResultsFor } from './testing/fixtures.js';
import { loadTrustedShippers } from './trusted-shippers.js';

const context: AssessmentContext = {
  country: 'US',
  rules: loadRiskRules(join(repoRoot, 'deploy/risk/us.yaml')),
  trustedShippers: loadTrustedShippers(join(repoRoot, 'deploy/trusted-shippers/us.yaml')),
  manifestTopic: 'us.cargo-manifests.v1',
};
const AT = Date.UTC(2026, 10, 3, 12, 0, 0);

describe('buildAssessment', () => {
  it('derives its ids from the manifest eventId and its times from `at`', () => {
    const manifest = exampleManifest('us-northbound-laredo');
    const eventId = manifest.meta.eventId;
    const input = { manifest, results: screeningResultsFor(manifest), shipperHistory: 0, at: AT };
    const assessment = buildAssessment(input, context);
    expect(assessment).toMatchObject({
      assessmentId: assessmentIdFor('US', eventId),
      meta: {
        eventId: assessmentEventIdFor('US', eventId),
        occurredAt: new Date(AT),
        originCountry: 'US',
        originAgency: 'CBP',
        classification: 'SENSITIVE',
        releasableTo: ['US', 'MX'],
        purposes: ['BORDER_SECURITY', 'CUSTOMS', 'TRADE_FACILITATION'],
        correlationId: eventId,
        supersedes: null,
      },
      subject: { subjectType: 'SHIPMENT', topic: 'us.cargo-manifests.v1', entityId: manifest.manifestId, eventId },
      level: 'LOW',
      recommendedLane: 'EXPEDITED',
      recommendedAction: 'RELEASE',
      portLane: 'FAST',
      modelVersion: 'puente-risk-us-2026.11',
      validUntil: new Date(AT + context.rules.validityHours * 3_600_000),
    });
    expect(buildAssessment(input, context)).toEqual(assessment);
    expect(() => createCodec().encode('us.risk-assessments.v1', assessment)).not.toThrow();
  });

  it('scores the results it is given and the shipper history with the rules', () => {
    const manifest = exampleManifest('us-northbound-otay-mesa-produce');
    const match = screeningResultsFor(manifest, { consignee: 'POTENTIAL_MATCH' });
    const flagged = buildAssessment({ manifest, results: match, shipperHistory: 2, at: AT }, context);
    const expected = assess(manifest, match, { ...context, shipperHistory: 2 });
    expect(flagged).toMatchObject({
      score: expected.score,
      level: expected.level,
      factors: [...expected.factors],
      recommendedLane: expected.lane,
      recommendedAction: expected.action,
    });
    expect(flagged.factors.map((f) => f.code)).toEqual(
      expect.arrayContaining(['PARTY_WATCHLIST_POTENTIAL_MATCH', 'SHIPPER_RECENT_HIGH_RISK']),
    );
    const missing = buildAssessment({ manifest, results: [], shipperHistory: 0, at: AT }, context);
    expect(missing.factors.map((f) => f.code)).toContain('SCREENING_INCOMPLETE');
    expect(missing.factors.map((f) => f.code)).not.toContain('SHIPPER_RECENT_HIGH_RISK');
  });
});

describe('assessmentRecord', () => {
  it('is keyed by the assessmentId and carries CloudEvents headers and the shipper digest', () => {
    const manifest = exampleManifest('us-northbound-laredo');
    const assessment = buildAssessment(
      { manifest, results: screeningResultsFor(manifest), shipperHistory: 0, at: AT },
      context,
    );
    const value = Buffer.from('encoded');
    expect(assessmentRecord(assessment, { value, shipper: 'digest-1' }, context)).toEqual({
      key: assessmentIdFor('US', manifest.meta.eventId),
      value,
      timestamp: AT,
      headers: {
        ce_specversion: '1.0',
        ce_id: assessmentEventIdFor('US', manifest.meta.eventId),
        ce_source: '/puente/US/CBP/risk',
        ce_type: 'org.puente.v1.risk-assessments',
        ce_time: '2026-11-03T12:00:00.000Z',
        'content-type': 'application/vnd.confluent.avro',
        [SHIPPER_HEADER]: 'digest-1',
      },
    });
    expect(SHIPPER_HEADER).toBe('puente-risk-shipper');
  });
});

describe('the FAST lane on the record', () => {
  it('carries the verified membership of a FAST assessment in a header that reads back', () => {
    const manifest = exampleManifest('us-northbound-laredo');
    const input = { manifest, results: screeningResultsFor(manifest), shipperHistory: 0, at: AT };
    const { assessment, fastMembership } = buildScoredAssessment(input, context);
    expect(assessment.portLane).toBe('FAST');
    const record = assessmentRecord(assessment, { value: Buffer.from('x'), shipper: 'd', fastMembership }, context);
    const headers = Object.fromEntries(
      Object.entries(record.headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]),
    );
    expect(readFastMembership(headers)).toEqual({
      kind: 'valid',
      membership: { programme: 'OEA', membershipId: 'OEA-I-2018-1142', tier: 'AAA', validUntil: '2027-05-31' },
    });
  });

  it('has no membership header for a shipment not in the FAST lane', () => {
    const manifest = exampleManifest('us-northbound-laredo', { preClearanceStatus: 'PENDING' });
    const input = { manifest, results: screeningResultsFor(manifest), shipperHistory: 0, at: AT };
    const { assessment, fastMembership } = buildScoredAssessment(input, context);
    expect(assessment.portLane).toBe('GENERAL');
    const record = assessmentRecord(assessment, { value: Buffer.from('x'), shipper: 'd', fastMembership }, context);
    expect(Object.keys(record.headers ?? {})).not.toContain(FAST_MEMBERSHIP_HEADER);
  });

  it('calls a header invalid, naming what is wrong, when a grant built from it could not be encoded', () => {
    const read = (text: string) => readFastMembership({ [FAST_MEMBERSHIP_HEADER]: Buffer.from(text) });
    expect(read('{not json')).toEqual({ kind: 'invalid', why: `${FAST_MEMBERSHIP_HEADER}: not JSON` });
    expect(read('["OEA"]')).toMatchObject({ kind: 'invalid', why: expect.stringContaining('not a JSON object') });
    const bad = read(JSON.stringify({ programme: 'SENTRI', membershipId: 'OEA-I-2018-1142', tier: 3 }));
    expect(bad).toMatchObject({ kind: 'invalid' });
    const why = bad.kind === 'invalid' ? bad.why : '';
    expect(why).toContain('programme must be one of CTPAT, OEA, NEEC, FAST, OTHER');
    expect(why).toContain('tier must be a string or null');
    expect(read(JSON.stringify({ programme: 'FAST', membershipId: ' ' }))).toMatchObject({
      kind: 'invalid',
      why: expect.stringContaining('membershipId must be a non-empty string'),
    });
    expect(read(JSON.stringify({ programme: 'FAST', membershipId: 'FAST-4410' }))).toEqual({
      kind: 'valid',
      membership: { programme: 'FAST', membershipId: 'FAST-4410', tier: null, validUntil: null },
    });
  });
});
