// One manifest's RiskAssessment and the record that carries it on the output topic. Ids are
// derived from the manifest eventId (ids.ts), so assessing the same manifest again after a crash
// gives the same key and eventId; the shipper's hashed key travels in a header for the history.
import type { BusRecord } from '@puente/bus';
import type { CargoManifest, RiskAssessment, ScreeningResult } from '@puente/contracts';
import type { Country } from '@puente/runtime';

import { assessmentEventIdFor, assessmentIdFor } from './ids.js';
import { assess } from './risk-rules.js';
import type { RiskRules } from './risk-rules.js';
import type { TrustedShipperRegistry } from './trusted-shippers.js';

export const SHIPPER_HEADER = 'puente-risk-shipper';

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
  const { manifest, at } = input;
  const { country, rules } = context;
  const eventId = manifest.meta.eventId;
  const scored = assess(manifest, input.results, {
    rules,
    trustedShippers: context.trustedShippers,
    shipperHistory: input.shipperHistory,
  });
  return {
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
    portLane: null,
    recommendedAction: scored.action,
    modelVersion: rules.modelVersion,
    validUntil: new Date(at + rules.validityHours * 3_600_000),
  };
}

/** The output record of an encoded assessment: keyed by assessmentId, with CloudEvents headers and the shipper's digest. */
export function assessmentRecord(
  assessment: RiskAssessment,
  encoded: { readonly value: Buffer; readonly shipper: string },
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
    },
  };
}
