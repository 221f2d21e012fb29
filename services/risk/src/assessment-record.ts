// One manifest's RiskAssessment and the record that carries it on the output topic. Ids are
// derived from the manifest eventId (ids.ts), so assessing the same manifest again after a crash
// gives the same key and eventId; the shipper's hashed key travels in a header for the history,
// and for a FAST lane the verified trusted-shipper membership that earned it (the pre-clearance
// service names it in its grant; RiskAssessment has no field for it).
import type { BusRecord } from '@puente/bus';
import {
  enumSymbols,
  type CargoManifest,
  type RiskAssessment,
  type ScreeningResult,
  type TrustedTraderMembership,
} from '@puente/contracts';
import type { Country } from '@puente/runtime';

import { assessmentEvent } from './assessment-event.js';
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
  const assessment = assessmentEvent({
    country,
    model: rules,
    classification: 'SENSITIVE',
    purposes: ['BORDER_SECURITY', 'CUSTOMS', 'TRADE_FACILITATION'],
    subject: { subjectType: 'SHIPMENT', topic: context.manifestTopic, entityId: manifest.manifestId, eventId },
    scored,
    at,
  });
  return { assessment, fastMembership: scored.fastMembership };
}

/** The FAST-membership header of a record: absent, a valid membership, or invalid (with why). */
export type FastMembershipHeader =
  | { readonly kind: 'absent' }
  | { readonly kind: 'valid'; readonly membership: TrustedTraderMembership }
  | { readonly kind: 'invalid'; readonly why: string };

const PROGRAMMES: readonly string[] = enumSymbols.TrustedTraderProgramme;
const nullableText = (value: unknown) => value === undefined || value === null || typeof value === 'string';

/**
 * Reads the FAST-membership header. Checked field by field against TrustedTraderMembership, so a
 * grant built from it always encodes: a bad programme would otherwise make the grant's encoding
 * throw on every redelivery.
 */
export function readFastMembership(headers: Readonly<Record<string, Buffer>>): FastMembershipHeader {
  const raw = headers[FAST_MEMBERSHIP_HEADER];
  if (!raw) return { kind: 'absent' };
  let m: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { kind: 'invalid', why: `${FAST_MEMBERSHIP_HEADER}: not a JSON object` };
    }
    m = parsed as Record<string, unknown>;
  } catch {
    return { kind: 'invalid', why: `${FAST_MEMBERSHIP_HEADER}: not JSON` };
  }
  const problems = [
    !(typeof m['programme'] === 'string' && PROGRAMMES.includes(m['programme'])) &&
      `programme must be one of ${PROGRAMMES.join(', ')}`,
    !(typeof m['membershipId'] === 'string' && m['membershipId'].trim() !== '') &&
      'membershipId must be a non-empty string',
    !nullableText(m['tier']) && 'tier must be a string or null',
    !nullableText(m['validUntil']) && 'validUntil must be a string or null',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) return { kind: 'invalid', why: `${FAST_MEMBERSHIP_HEADER}: ${problems.join('; ')}` };
  return {
    kind: 'valid',
    membership: {
      programme: m['programme'] as TrustedTraderMembership['programme'],
      membershipId: m['membershipId'] as string,
      tier: typeof m['tier'] === 'string' ? m['tier'] : null,
      validUntil: typeof m['validUntil'] === 'string' ? m['validUntil'] : null,
    },
  };
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
