// One crossing's RiskAssessment, the one superseding it when a screening hit comes after it was
// assessed without screening, and the record that carries either on the output topic. Ids are
// derived from the inputs' eventIds (ids.ts, and a name-based UUID for the superseding one), so
// assessing the same inputs again after a crash gives the same key and eventId.
import type { BusRecord } from '@puente/bus';
import type { RiskAssessment, ScreeningResult, TravellerCrossing } from '@puente/contracts';
import { nameBasedUuid, type Country } from '@puente/runtime';

import { assessmentEvent } from './assessment-event.js';
import type { TrustedTravellerRegistry } from './trusted-traveller-registry.js';
import { assessCrossing, assessLateScreeningHit } from './traveller-lanes.js';
import type { TravellerRules } from './traveller-rules.js';

/** What every assessment of one traveller service shares. */
export interface TravellerAssessmentContext {
  readonly country: Country;
  readonly rules: TravellerRules;
  readonly registry: Pick<TrustedTravellerRegistry, 'confirm'>;
  /** Where assessed crossings come from: the assessment's subject topic. */
  readonly crossingTopic: string;
}

/** Assesses a crossing with its screening result (undefined: none in time) at `at` and wraps it as the event. */
export function buildTravellerAssessment(
  crossing: TravellerCrossing,
  screening: ScreeningResult | undefined,
  at: number,
  context: TravellerAssessmentContext,
): RiskAssessment {
  const { country, rules } = context;
  const eventId = crossing.meta.eventId;
  return assessmentEvent({
    country,
    model: rules,
    classification: 'LAW_ENFORCEMENT_SENSITIVE',
    purposes: ['BORDER_SECURITY'],
    subject: { subjectType: 'TRAVELLER', topic: context.crossingTopic, entityId: crossing.crossingId, eventId },
    scored: assessCrossing(crossing, screening, context),
    at,
  });
}

/** Namespace of the superseding assessments' eventIds (a fixed, random UUID). */
const SUPERSEDING_NAMESPACE = '6f3c2d8a-9b41-4e7a-8c15-2a9d4e0b7f33';

/** The eventId of the assessment superseding `assessmentEventId` for the screening result `resultEventId`. */
export function supersedingEventIdFor(assessmentEventId: string, resultEventId: string): string {
  return nameBasedUuid(SUPERSEDING_NAMESPACE, `late-screening:${assessmentEventId}:${resultEventId}`);
}

/**
 * The assessment superseding one made without screening, now that a screening hit has come: the same
 * assessmentId and subject, secondary inspection, meta.supersedes the earlier assessment's eventId.
 */
export function buildSupersedingTravellerAssessment(
  earlier: RiskAssessment,
  hit: ScreeningResult,
  at: number,
  context: Pick<TravellerAssessmentContext, 'rules'>,
): RiskAssessment {
  const { rules } = context;
  const scored = assessLateScreeningHit(earlier, hit, rules);
  return {
    meta: {
      ...earlier.meta,
      eventId: supersedingEventIdFor(earlier.meta.eventId, hit.meta.eventId),
      occurredAt: new Date(at),
      supersedes: earlier.meta.eventId,
    },
    assessmentId: earlier.assessmentId,
    subject: earlier.subject,
    score: scored.score,
    level: scored.level,
    factors: [...scored.factors],
    recommendedLane: scored.lane,
    portLane: scored.portLane,
    recommendedAction: scored.action,
    modelVersion: rules.modelVersion,
    validUntil: new Date(at + rules.validityHours * 3_600_000),
  };
}

/** The output record of an encoded assessment: keyed by assessmentId, with CloudEvents headers. */
export function travellerAssessmentRecord(
  assessment: RiskAssessment,
  value: Buffer,
  context: Pick<TravellerAssessmentContext, 'country' | 'rules'>,
): BusRecord {
  return {
    key: assessment.assessmentId,
    value,
    timestamp: assessment.meta.occurredAt.getTime(),
    headers: {
      ce_specversion: '1.0',
      ce_id: assessment.meta.eventId,
      ce_source: `/puente/${context.country}/${context.rules.agency}/risk`,
      ce_type: 'org.puente.v1.risk-assessments',
      ce_time: assessment.meta.occurredAt.toISOString(),
      'content-type': 'application/vnd.confluent.avro',
    },
  };
}
