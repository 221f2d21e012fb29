// The pure decision for one traveller crossing: the port lane, and every factor that led to it.
// A screening hit always means secondary inspection; the trusted-traveller lane needs a claimed
// membership in a programme honoured here that this country's registry confirms, and a CLEAR
// screening; otherwise the Ready Lane for an RFID document, else the general lane.
import type {
  Lane,
  PortLane,
  RiskAction,
  RiskFactor,
  RiskLevel,
  ScreeningResult,
  TravellerCrossing,
  TrustedTravellerMembership,
  TrustedTravellerProgramme,
} from '@puente/contracts';

import type { Confirmation, TrustedTravellerRegistry } from './trusted-traveller-registry.js';
import type { TravellerRules } from './traveller-rules.js';

export interface TravellerAssessContext {
  readonly rules: TravellerRules;
  readonly registry: Pick<TrustedTravellerRegistry, 'confirm'>;
}

export interface TravellerAssessment {
  /** 0.0 (no risk) to 1.0, as RiskAssessment.score. */
  readonly score: number;
  readonly level: RiskLevel;
  /** Largest weight first. */
  readonly factors: readonly RiskFactor[];
  readonly portLane: PortLane;
  /** The coarse treatment the port lane stands for. */
  readonly lane: Lane;
  readonly action: RiskAction;
}

/** The coarse treatment of each port lane (ISSUE18: TRUSTED_TRAVELLER and FAST expedite). */
export const LANE_OF_PORT_LANE: Readonly<Record<PortLane, Lane>> = {
  TRUSTED_TRAVELLER: 'EXPEDITED',
  FAST: 'EXPEDITED',
  READY_LANE: 'STANDARD',
  GENERAL: 'STANDARD',
  SECONDARY_INSPECTION: 'SECONDARY_INSPECTION',
  OTHER: 'STANDARD',
};

const PROGRAMME_NAMES: Record<TrustedTravellerProgramme, string> = {
  SENTRI: 'SENTRI',
  GLOBAL_ENTRY: 'Global Entry',
  VIAJERO_CONFIABLE: 'Viajero Confiable',
  OTHER: 'an unrecognised programme',
};

/** The factor of an assessment made without a screening result (the join gave up waiting). */
export const SCREENING_INCOMPLETE = 'SCREENING_INCOMPLETE';

/** Factors of the lane asked for: moot once a screening hit sends the traveller to secondary. */
const LANE_FACTOR_CODES = new Set([
  'TRUSTED_LANE_WITHOUT_CONFIRMED_MEMBERSHIP',
  'READY_LANE_RFID_DOCUMENT',
  'READY_LANE_WITHOUT_RFID_DOCUMENT',
]);
const SCREENING_FACTOR_CODES = new Set([
  SCREENING_INCOMPLETE,
  'WATCHLIST_CONFIRMED_MATCH',
  'WATCHLIST_POTENTIAL_MATCH',
]);

const round = (value: number) => Math.round(value * 1000) / 1000;
const RISK_LEVELS: readonly RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

function levelOf(score: number, rules: TravellerRules): RiskLevel {
  const { MEDIUM, HIGH, CRITICAL } = rules.thresholds;
  if (score >= CRITICAL) return 'CRITICAL';
  if (score >= HIGH) return 'HIGH';
  if (score >= MEDIUM) return 'MEDIUM';
  return 'LOW';
}

// Factor descriptions are free text every agreement shares as they are: they name codes, list ids,
// programmes, countries and document types, never a membership or document number, a date, a watchlist
// entry id or a score (the screening agreement withholds the entry and, for restricted lists, the score).
function screeningFactors(screening: ScreeningResult | undefined, rules: TravellerRules): RiskFactor[] {
  const w = rules.weights;
  if (!screening) {
    return [
      {
        code: SCREENING_INCOMPLETE,
        description: 'no screening result arrived in time; the trusted-traveller lane needs a CLEAR screening',
        weight: w.screeningIncomplete,
      },
    ];
  }
  if (screening.outcome === 'CLEAR') return [];
  const confirmed = screening.outcome === 'CONFIRMED_MATCH';
  const list = screening.matchedEntry ? ` on list ${screening.matchedEntry.listId}` : '';
  return [
    {
      code: confirmed ? 'WATCHLIST_CONFIRMED_MATCH' : 'WATCHLIST_POTENTIAL_MATCH',
      description: `screening outcome ${screening.outcome}: ${confirmed ? 'confirmed' : 'potential'} watchlist match${list}`,
      weight: confirmed ? w.watchlistConfirmedMatch : w.watchlistPotentialMatch,
    },
  ];
}

const NOT_CONFIRMED: Record<Exclude<Confirmation['kind'], 'confirmed' | 'not-issued-here'>, [string, string]> = {
  'not-found': ['MEMBERSHIP_NOT_FOUND', 'is not in the registry'],
  suspended: ['MEMBERSHIP_SUSPENDED', 'is suspended in the registry'],
  revoked: ['MEMBERSHIP_REVOKED', 'is revoked in the registry'],
  expired: ['MEMBERSHIP_EXPIRED', 'has expired in the registry'],
  'holder-mismatch': [
    'MEMBERSHIP_HOLDER_MISMATCH',
    'is enrolled to someone else: no presented identity document, nor surname and birth date, match the holder',
  ],
  'unknown-status': ['MEMBERSHIP_STATUS_UNKNOWN', 'has a registry status this service does not know'],
};

interface MembershipJudgement {
  readonly confirmed: RiskFactor | undefined;
  readonly factors: readonly RiskFactor[];
}

/** Judges every claimed membership; the first the registry confirms earns the trusted lane. */
function membershipFactors(crossing: TravellerCrossing, context: TravellerAssessContext): MembershipJudgement {
  const { rules, registry } = context;
  const w = rules.weights;
  const onDate = crossing.arrivedAt.toISOString().slice(0, 10);
  const honoured = new Set<string>(rules.programmes);
  const problems: RiskFactor[] = [];
  // Descriptions are free text the agreements share as they are: they name the programme, never the
  // membership number, which the agreements only ever release as a keyed hash.
  const label = (m: TrustedTravellerMembership) => `${PROGRAMME_NAMES[m.programme]} membership`;
  for (const claim of crossing.memberships) {
    if (!honoured.has(claim.programme)) {
      problems.push({
        code: 'PROGRAMME_NOT_HONOURED',
        description: `${label(claim)} (issued by ${claim.issuingCountry}) is not a programme honoured at ${rules.country} ports (${rules.programmes.join(', ')})`,
        weight: w.programmeNotHonoured,
      });
      continue;
    }
    const result = registry.confirm(claim, crossing, onDate);
    if (result.kind === 'confirmed') {
      // No expiry date: SENTRI and Global Entry expire on the holder's birthday.
      return {
        confirmed: {
          code: 'TRUSTED_TRAVELLER_CONFIRMED',
          description: `${label(claim)} confirmed ACTIVE by ${result.status.issuingAgency}`,
          weight: w.trustedTravellerConfirmed,
        },
        factors: [],
      };
    }
    if (result.kind === 'not-issued-here') {
      problems.push({
        code: 'PROGRAMME_NOT_HONOURED',
        description: `${label(claim)} is issued by ${claim.issuingCountry}; the ${rules.country} registry cannot confirm it (left for a cross-border confirmation)`,
        weight: w.programmeNotHonoured,
      });
      continue;
    }
    const [code, why] = NOT_CONFIRMED[result.kind];
    problems.push({ code, description: `${label(claim)} ${why}`, weight: w.membershipNotConfirmed });
  }
  return { confirmed: undefined, factors: problems };
}

function laneOf(
  crossing: TravellerCrossing,
  screening: ScreeningResult | undefined,
  confirmed: RiskFactor | undefined,
  rules: TravellerRules,
): { portLane: PortLane; factors: RiskFactor[] } {
  const w = rules.weights;
  const hit = screening !== undefined && screening.outcome !== 'CLEAR';
  if (hit) return { portLane: 'SECONDARY_INSPECTION', factors: [] };
  if (confirmed && screening) return { portLane: 'TRUSTED_TRAVELLER', factors: [] };
  if (crossing.laneRequested === 'TRUSTED_TRAVELLER') {
    // As CBP does: the dedicated lane without a vetted membership is sent to secondary.
    if (confirmed) return { portLane: 'SECONDARY_INSPECTION', factors: [] }; // screening incomplete: said by its factor
    return {
      portLane: 'SECONDARY_INSPECTION',
      factors: [
        {
          code: 'TRUSTED_LANE_WITHOUT_CONFIRMED_MEMBERSHIP',
          description: 'queued in the trusted-traveller lane without a membership this country’s registry confirms',
          weight: w.trustedLaneWithoutConfirmedMembership,
        },
      ],
    };
  }
  if (crossing.laneRequested === 'READY_LANE') {
    const rfid = new Set<string>(rules.rfidDocumentTypes);
    const document = crossing.travelDocuments.find((d) => rfid.has(d.documentType));
    if (document) {
      return {
        portLane: 'READY_LANE',
        factors: [
          {
            code: 'READY_LANE_RFID_DOCUMENT',
            description: `presented an RFID-enabled ${document.documentType} issued by ${document.issuingCountry}`,
            weight: w.readyLaneRfidDocument,
          },
        ],
      };
    }
    return {
      portLane: 'GENERAL',
      factors: [
        {
          code: 'READY_LANE_WITHOUT_RFID_DOCUMENT',
          description: `queued in the Ready Lane without an RFID-enabled document (presented ${crossing.travelDocuments.map((d) => d.documentType).join(', ')})`,
          weight: w.readyLaneWithoutRfidDocument,
        },
      ],
    };
  }
  return { portLane: 'GENERAL', factors: [] };
}

function actionOf(portLane: PortLane, level: RiskLevel, screening: ScreeningResult | undefined): RiskAction {
  if (portLane === 'SECONDARY_INSPECTION') {
    if (screening?.outcome === 'CONFIRMED_MATCH') return 'REFER_TO_INVESTIGATIONS';
    if (screening?.outcome === 'POTENTIAL_MATCH') return 'PHYSICAL_INSPECTION';
    return 'DOCUMENT_REVIEW';
  }
  return level === 'LOW' ? 'RELEASE' : 'DOCUMENT_REVIEW';
}

/** Scores the factors, ranks them and names the treatment of the port lane. */
function scored(
  all: readonly RiskFactor[],
  portLane: PortLane,
  screening: ScreeningResult | undefined,
  rules: TravellerRules,
): TravellerAssessment {
  let score = round(
    Math.min(
      1,
      Math.max(
        0,
        all.reduce((sum, f) => sum + f.weight, 0),
      ),
    ),
  );
  let level = levelOf(score, rules);
  // Secondary inspection is never LOW risk, whatever credits lowered the score; the score follows the level.
  if (portLane === 'SECONDARY_INSPECTION' && RISK_LEVELS.indexOf(level) < 1) {
    level = 'MEDIUM';
    score = Math.max(score, rules.thresholds.MEDIUM);
  }
  const factors = all
    .map((f) => ({ ...f, weight: round(f.weight) }))
    .sort((a, b) => b.weight - a.weight || a.code.localeCompare(b.code));
  return {
    score,
    level,
    factors,
    portLane,
    lane: LANE_OF_PORT_LANE[portLane],
    action: actionOf(portLane, level, screening),
  };
}

/** Assesses one crossing with its screening result (undefined: none came in time). Pure. */
export function assessCrossing(
  crossing: TravellerCrossing,
  screening: ScreeningResult | undefined,
  context: TravellerAssessContext,
): TravellerAssessment {
  const { rules } = context;
  const membership = membershipFactors(crossing, context);
  const lane = laneOf(crossing, screening, membership.confirmed, rules);
  const all = [
    ...screeningFactors(screening, rules),
    ...(membership.confirmed ? [membership.confirmed] : membership.factors),
    ...lane.factors,
  ];
  return scored(all, lane.portLane, screening, rules);
}

/** Whether an assessment was made without a screening result, so a later hit must supersede it. */
export function assessedWithoutScreening(assessment: { readonly factors: readonly RiskFactor[] }): boolean {
  return assessment.factors.some((f) => f.code === SCREENING_INCOMPLETE);
}

/**
 * Reassesses a crossing assessed without screening once a screening hit (not CLEAR) arrives: the
 * earlier membership judgement stands (the registry's word on the day of the crossing), the hit
 * replaces the missing screening, and the lane asked for no longer counts: secondary inspection, as
 * {@link assessCrossing} would have said had the hit come in time. The caller passes hits only
 * (a CLEAR result changes nothing). Pure.
 */
export function assessLateScreeningHit(
  earlier: { readonly factors: readonly RiskFactor[] },
  screening: ScreeningResult,
  rules: TravellerRules,
): TravellerAssessment {
  const kept = earlier.factors.filter((f) => !SCREENING_FACTOR_CODES.has(f.code) && !LANE_FACTOR_CODES.has(f.code));
  return scored([...screeningFactors(screening, rules), ...kept], 'SECONDARY_INSPECTION', screening, rules);
}
