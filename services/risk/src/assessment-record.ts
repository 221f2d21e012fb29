// One manifest's RiskAssessment and the record that carries it on the output topic. Ids are
// derived from the manifest eventId (ids.ts), so assessing the same manifest again after a crash
// gives the same key and eventId; the shipper's hashed key travels in a header for the history,
// and for a FAST lane the verified trusted-shipper membership that earned it (the pre-clearance
// service names it in its grant; RiskAssessment has no field for it).
import type { BusRecord } from '@puente/bus';
import type { CargoManifest, RiskAssessment, ScreeningResult, TrustedTraderMembership } from '@puente/contracts';
import type { Country } from '@puente/runtime';

import { assessmentEventIdFor, assessmentIdFor } from './ids.js';
import { assess } from './risk-rules.js';
import type { RiskRules } from './risk-rules.js';
import type { TrustedShipperRegistry } from './trusted-shippers.js';

export const SHIPPER_HEADER = 'puente-risk-shipper';
/** JSON of the TrustedTraderMembership behind a FAST port lane; absent otherwise. */
export const FAST_MEMBERSHIP_HEADER = 'puente-risk-fast-membership';

/** A RiskAssessment with what its record carries beside it. */
export interface BuiltAssessment {
  readonly assessment: RiskAssessment;
  /** For a FAST port lane: the verified membership that earned it. */
  readonly fastMembership?: TrustedTraderMembership | undefined;
}

/** What every assessment of one service shares. */
export interface AssessmentContext {
  readonly country: Country;
  readonly rules: RiskRules;
  readonly trustedShippers: TrustedShipperRegistry;
  /** Where assessed manifests come from: the assessment's subject topic. */
  readonly manifestTopic: string;
}

export interface AssessmentInput {
  readonly manifest: CargoManifest;
  readonly results: readonly ScreeningResult[];
  /** The consignor's HIGH and CRITICAL assessments within the history window. */
  readonly shipperHistory: number;
  /** When it is assessed, in milliseconds since the epoch. */
  readonly at: number;
}

/** Scores a manifest with its results and wraps the score as the RiskAssessment event. */
export function buildAssessment(input: AssessmentInput, context: AssessmentContext): RiskAssessment {
  return buildScoredAssessment(input, context).assessment;
}

/** As buildAssessment, with the FAST membership for the record's header. */
export function buildScoredAssessment(input: AssessmentInput, context: AssessmentContext): BuiltAssessment {
  const { manifest, at } = input;
  const { country, rules } = context;
  const eventId = manifest.meta.eventId;
  const scored = assess(manifest, input.results, {
    rules,
    trustedShippers: context.trustedShippers,
    shipperHistory: input.shipperHistory,
  });
  const assessment: RiskAssessment = {
    meta: {
      eventId: assessmentEventIdFor(country, eventId),
      occurredAt: new Date(at),
      originCountry: country,
      originAgency: rules.agency,
      classification: 'SENSITIVE',
      releasableTo: ['US', 'MX'],
      purposes: ['BORDER_SECURITY', 'CUSTOMS', 'TRADE_FACILITATION'],
      correlationId: eventId,
      supersedes: null,
    },
    assessmentId: assessmentIdFor(country, eventId),
    subject: { subjectType: 'SHIPMENT', topic: context.manifestTopic, entityId: manifest.manifestId, eventId },
    score: scored.score,
    level: scored.level,
    factors: [...scored.factors],
    recommendedLane: scored.lane,
    portLane: scored.portLane,
    recommendedAction: scored.action,
    modelVersion: rules.modelVersion,
    validUntil: new Date(at + rules.validityHours * 3_600_000),
  };
  return { assessment, fastMembership: scored.fastMembership };
}

/** The FAST membership a record's header carries, or undefined when it has none or it is unreadable. */
export function fastMembershipOf(headers: Readonly<Record<string, Buffer>>): TrustedTraderMembership | undefined {
  const raw = headers[FAST_MEMBERSHIP_HEADER];
  if (!raw) return undefined;
  try {
    const m = JSON.parse(raw.toString('utf8')) as Partial<TrustedTraderMembership>;
    if (typeof m.programme !== 'string' || typeof m.membershipId !== 'string') return undefined;
    return {
      programme: m.programme,
      membershipId: m.membershipId,
      tier: typeof m.tier === 'string' ? m.tier : null,
      validUntil: typeof m.validUntil === 'string' ? m.validUntil : null,
    };
  } catch {
    return undefined;
  }
}

/** The output record of an encoded assessment: keyed by assessmentId, with CloudEvents headers and the shipper's digest. */
export function assessmentRecord(
  assessment: RiskAssessment,
  encoded: {
    readonly value: Buffer;
    readonly shipper: string;
    readonly fastMembership?: TrustedTraderMembership | undefined;
  },
  context: Pick<AssessmentContext, 'country' | 'rules'>,
): BusRecord {
  return {
    key: assessment.assessmentId,
    value: encoded.value,
    timestamp: assessment.meta.occurredAt.getTime(),
    headers: {
      ce_specversion: '1.0',
      ce_id: assessment.meta.eventId,
      ce_source: `/puente/${context.country}/${context.rules.agency}/risk`,
      ce_type: 'org.puente.v1.risk-assessments',
      ce_time: assessment.meta.occurredAt.toISOString(),
      'content-type': 'application/vnd.confluent.avro',
      [SHIPPER_HEADER]: encoded.shipper,
      ...(encoded.fastMembership ? { [FAST_MEMBERSHIP_HEADER]: JSON.stringify(encoded.fastMembership) } : {}),
    },
  };
}
