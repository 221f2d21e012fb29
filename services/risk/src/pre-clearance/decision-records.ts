// The events the pre-clearance service publishes, built from what it knows: the GRANTED decision
// of a FAST assessment, and for a partner's screening hit the REVOKED (or DENIED) decision with the
// superseding RiskAssessment. Ids are name-based UUIDs of the inputs' eventIds, so handling the
// same inputs again (a redelivery, a restart) gives the same ids and partners drop the duplicate.
import type {
  EventMeta,
  PreClearanceDecision,
  PreClearanceDecisionType,
  RiskAssessment,
  RiskFactor,
  SubjectReference,
  TrustedTraderMembership,
} from '@puente/contracts';
import { nameBasedUuid, type Country } from '@puente/runtime';

import type { PartnerHit } from './partner-hit.js';

/** Namespace of every id this service derives (a fixed, random UUID). */
const NAMESPACE = '1b0f6a4e-5f0c-4d43-9a55-3c8b7e2d9f61';

export const REVOKED_FACTOR = 'PRE_CLEARANCE_REVOKED_BY_PARTNER_SCREENING';
export const DENIED_FACTOR = 'PRE_CLEARANCE_DENIED_BY_PARTNER_SCREENING';

export function grantEventIdFor(assessmentEventId: string): string {
  return nameBasedUuid(NAMESPACE, `granted:${assessmentEventId}`);
}

export function decisionIdFor(country: Country, decisionEventId: string): string {
  return `PCD-${country}-${decisionEventId.replace(/-/g, '').slice(0, 16).toUpperCase()}`;
}

function metaOf(
  country: Country,
  agency: string,
  ids: { eventId: string; correlationId: string; supersedes: string | null },
  at: number,
): EventMeta {
  return {
    eventId: ids.eventId,
    occurredAt: new Date(at),
    originCountry: country,
    originAgency: agency,
    // It names the partner's watchlist finding (for REVOKED and DENIED) and the lane at the port.
    classification: 'LAW_ENFORCEMENT_SENSITIVE',
    releasableTo: ['US', 'MX'],
    purposes: ['BORDER_SECURITY', 'CUSTOMS', 'TRADE_FACILITATION'],
    correlationId: ids.correlationId,
    supersedes: ids.supersedes,
  };
}

/** The GRANTED decision for a FAST assessment: lane FAST, the membership that earned it, the assessment's factors. */
export function grantFor(
  country: Country,
  assessment: RiskAssessment,
  trustedShipper: TrustedTraderMembership | undefined,
  at: number,
): PreClearanceDecision {
  const eventId = grantEventIdFor(assessment.meta.eventId);
  return {
    meta: metaOf(
      country,
      assessment.meta.originAgency,
      { eventId, correlationId: assessment.subject.eventId, supersedes: null },
      at,
    ),
    decisionId: decisionIdFor(country, eventId),
    manifestId: assessment.subject.entityId,
    manifestEventId: assessment.subject.eventId,
    decision: 'GRANTED',
    lane: 'FAST',
    trustedShipper: trustedShipper ?? null,
    factors: [...assessment.factors],
    cause: null,
  };
}

const ROLE_WORDS: Record<PartnerHit['partyRole'], string> = {
  CONSIGNOR: 'consignor',
  CONSIGNEE: 'consignee',
  CARRIER: 'carrier',
  CUSTOMS_BROKER: 'customs broker',
  DRIVER: 'driver',
  OTHER: 'party',
};

/** The factor naming the partner's finding: country, agency, role, outcome, list and screening. */
export function partnerFactor(code: string, hit: PartnerHit): RiskFactor {
  const match = hit.outcome === 'CONFIRMED_MATCH' ? 'confirmed' : 'potential';
  const lists = hit.lists.length > 0 ? ` on ${hit.lists.join(', ')}` : '';
  const agency = hit.originAgency ? ` (${hit.originAgency})` : '';
  const verb = code === REVOKED_FACTOR ? 'revoked' : 'denied';
  return {
    code,
    description: `pre-clearance ${verb}: ${hit.originCountry}${agency} screening found a ${match} watchlist match of the ${ROLE_WORDS[hit.partyRole]}${lists} (screening ${hit.screeningId})`,
    // The score is the risk model's; the finding overrides the lane, not the score.
    weight: 0,
  };
}

/** The partner's screening result as the cause of a decision: a driver is a traveller, any other party a party. */
export function causeOf(hit: PartnerHit): SubjectReference {
  return {
    subjectType: hit.partyRole === 'DRIVER' ? 'TRAVELLER' : 'PARTY',
    topic: hit.topic,
    entityId: hit.screeningId,
    eventId: hit.eventId,
  };
}

/** REVOKED (superseding the grant) or DENIED (a FAST assessment whose shipment the partner had hit already). */
export function withdrawalFor(
  country: Country,
  kind: Extract<PreClearanceDecisionType, 'REVOKED' | 'DENIED'>,
  grounds: { readonly assessment: RiskAssessment; readonly grantEventId: string | null },
  hit: PartnerHit,
  at: number,
): PreClearanceDecision {
  const { assessment, grantEventId } = grounds;
  const basis = grantEventId ?? assessment.meta.eventId;
  const eventId = nameBasedUuid(NAMESPACE, `${kind.toLowerCase()}:${basis}:${hit.eventId}`);
  const factor = partnerFactor(kind === 'REVOKED' ? REVOKED_FACTOR : DENIED_FACTOR, hit);
  return {
    meta: metaOf(
      country,
      assessment.meta.originAgency,
      { eventId, correlationId: assessment.subject.eventId, supersedes: kind === 'REVOKED' ? grantEventId : null },
      at,
    ),
    decisionId: decisionIdFor(country, eventId),
    manifestId: assessment.subject.entityId,
    manifestEventId: assessment.subject.eventId,
    decision: kind,
    lane: 'SECONDARY_INSPECTION',
    trustedShipper: null,
    factors: [...assessment.factors, factor],
    cause: causeOf(hit),
  };
}

/**
 * The RiskAssessment that supersedes a FAST one after a partner hit: same id and subject, the
 * same score and level (the model's), lane SECONDARY_INSPECTION and the finding among its factors.
 */
export function supersedingAssessment(
  assessment: RiskAssessment,
  decision: PreClearanceDecision,
  at: number,
): RiskAssessment {
  const hitFactor = decision.factors[decision.factors.length - 1];
  return {
    ...assessment,
    meta: {
      ...assessment.meta,
      eventId: nameBasedUuid(NAMESPACE, `superseding:${assessment.meta.eventId}:${decision.cause?.eventId ?? ''}`),
      occurredAt: new Date(at),
      classification: 'LAW_ENFORCEMENT_SENSITIVE',
      supersedes: assessment.meta.eventId,
    },
    factors: [...assessment.factors, ...(hitFactor ? [hitFactor] : [])],
    portLane: 'SECONDARY_INSPECTION',
    recommendedLane: 'SECONDARY_INSPECTION',
    recommendedAction: 'NON_INTRUSIVE_INSPECTION',
  };
}
