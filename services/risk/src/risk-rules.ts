// A country's risk rules (YAML, deploy/risk/<country>.yaml) and the pure scoring function over
// them: every point of the score is an explainable factor, the score maps to a level, and the
// level to a lane and an action. Each country configures its own weights: complementary, not equal.
import { readFileSync } from 'node:fs';

import type {
  CargoManifest,
  Lane,
  Organization,
  PortLane,
  RiskAction,
  RiskFactor,
  RiskLevel,
  ScreeningResult,
  TrustedTraderMembership,
  TrustedTraderProgramme,
} from '@puente/contracts';
import { COUNTRIES } from '@puente/runtime';
import { z } from 'zod';

import { parseYamlDocument } from './yaml-document.js';
import type { TrustedShipperRegistry } from './trusted-shippers.js';

export const RISK_LEVELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const satisfies readonly RiskLevel[];
export type PartyRole = 'consignor' | 'consignee' | 'carrier' | 'driver';

const level = z.enum(RISK_LEVELS);
const weight = z.number().min(-1).max(1);
const lane = z.enum(['EXPEDITED', 'STANDARD', 'SECONDARY_INSPECTION', 'HOLD']);
const action = z.enum([
  'RELEASE',
  'DOCUMENT_REVIEW',
  'NON_INTRUSIVE_INSPECTION',
  'PHYSICAL_INSPECTION',
  'REFER_TO_INVESTIGATIONS',
]);
const programme = z.enum(['CTPAT', 'OEA', 'NEEC', 'FAST', 'OTHER']);
const role = z.enum(['consignor', 'consignee', 'carrier', 'driver']);
const treatment = z.strictObject({ lane, action });
const screeningRule = z.strictObject({ weight, minimumLevel: level.optional() });

const rulesSchema = z
  .strictObject({
    country: z.enum(COUNTRIES),
    agency: z.string().min(1),
    modelVersion: z.string().min(1),
    validityHours: z.number().positive(),
    /** Lowest score of each level above LOW. */
    thresholds: z.strictObject({ MEDIUM: z.number(), HIGH: z.number(), CRITICAL: z.number() }),
    treatment: z.strictObject({ LOW: treatment, MEDIUM: treatment, HIGH: treatment, CRITICAL: treatment }),
    screening: z.strictObject({
      confirmedMatch: screeningRule,
      potentialMatch: screeningRule,
      /** A party without a screening result when the join gave up waiting. */
      incomplete: screeningRule,
    }),
    goods: z.array(
      z.strictObject({
        code: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'factor codes are UPPER_SNAKE_CASE'),
        description: z.string().min(1),
        hsPrefixes: z.array(z.string().regex(/^\d{2,6}$/, 'HS prefixes are 2 to 6 digits')).min(1),
        /** Omitted: any direction. */
        directions: z.array(z.enum(['NORTHBOUND', 'SOUTHBOUND'])).optional(),
        weight,
      }),
    ),
    dangerousGoods: z.strictObject({ weight }).optional(),
    trustedShipper: z.strictObject({
      /** Parties whose certification makes the shipment trusted (any one suffices). */
      roles: z.array(role).min(1),
      /** Programmes recognised, with the (negative) weight a verified membership earns. */
      programmes: z.partialRecord(programme, weight),
      notTrustedWeight: weight,
      unverifiedWeight: weight,
      suspendedWeight: weight,
    }),
    /**
     * The cargo FAST lane: a pre-cleared (CLEARED) shipment goes there when a party of
     * `trustedShipper.roles` holds a verified membership in one of these programmes, screening
     * found nothing and the level is LOW.
     */
    fastLane: z.strictObject({ programmes: z.array(programme).min(1) }),
    seals: z.strictObject({
      sealedConveyanceTypes: z.array(z.string()),
      missingWeight: weight,
      duplicateWeight: weight,
    }),
    history: z.strictObject({
      windowDays: z.number().positive(),
      weightPerAssessment: weight,
      maxWeight: weight,
    }),
  })
  .superRefine((rules, ctx) => {
    const { MEDIUM, HIGH, CRITICAL } = rules.thresholds;
    if (!(0 < MEDIUM && MEDIUM < HIGH && HIGH < CRITICAL && CRITICAL <= 1)) {
      ctx.addIssue({ code: 'custom', path: ['thresholds'], message: 'need 0 < MEDIUM < HIGH < CRITICAL <= 1' });
    }
    // A FAST programme the registry lookup never asks about could never earn the lane.
    rules.fastLane.programmes.forEach((p, i) => {
      if (rules.trustedShipper.programmes[p] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['fastLane', 'programmes', i],
          message: `${p} is not among trustedShipper.programmes, so no membership in it is ever verified`,
        });
      }
    });
  });

export type RiskRules = Readonly<z.infer<typeof rulesSchema>>;

export function parseRiskRules(text: string, source = 'risk rules'): RiskRules {
  return Object.freeze(parseYamlDocument(rulesSchema, text, source, 'INVALID_RULES'));
}

export function loadRiskRules(file: string): RiskRules {
  return parseRiskRules(readFileSync(file, 'utf8'), file);
}

export interface AssessContext {
  readonly rules: RiskRules;
  readonly trustedShippers: TrustedShipperRegistry;
  /** The consignor's HIGH/CRITICAL assessments within the rules' history window. */
  readonly shipperHistory?: number;
}

export interface Assessment {
  /** 0.0 (no risk) to 1.0, as RiskAssessment.score. */
  readonly score: number;
  readonly level: RiskLevel;
  /** Largest weight first. */
  readonly factors: readonly RiskFactor[];
  readonly lane: Lane;
  readonly action: RiskAction;
  /** The lane at the port: FAST, GENERAL or SECONDARY_INSPECTION for a shipment. */
  readonly portLane: PortLane;
  /** For FAST: the verified membership that earned it. */
  readonly fastMembership?: TrustedTraderMembership | undefined;
}

/** The parties screening is expected to report for a manifest (driver only when there is one). */
export function expectedRoles(manifest: CargoManifest): PartyRole[] {
  return manifest.driver ? ['consignor', 'consignee', 'carrier', 'driver'] : ['consignor', 'consignee', 'carrier'];
}

/** Role of a screening result from its screeningId (`<manifestId>/<role>`), if it names one. */
export function roleOfScreening(result: Pick<ScreeningResult, 'screeningId'>): PartyRole | undefined {
  const suffix = result.screeningId.slice(result.screeningId.lastIndexOf('/') + 1);
  return (role.options as readonly string[]).includes(suffix) ? (suffix as PartyRole) : undefined;
}

/** A stable key for a company across manifests: its first strong identifier, else its name. */
export function organizationKey(organization: Organization): string {
  const preferred = ['MX_RFC', 'US_EIN', 'DUNS', 'CBP_IMPORTER_NUMBER', 'MX_PADRON_IMPORTADORES', 'SCAC', 'CAAT'];
  for (const scheme of preferred) {
    const id = organization.identifiers.find((i) => i.scheme === scheme);
    if (id) return `${scheme}:${id.value.trim().toUpperCase()}`;
  }
  const name = organization.name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
  return `NAME:${organization.countryCode}:${name}`;
}

const round = (value: number) => Math.round(value * 1000) / 1000;
const levelIndex = (value: RiskLevel) => RISK_LEVELS.indexOf(value);

function levelOf(score: number, rules: RiskRules): RiskLevel {
  const { MEDIUM, HIGH, CRITICAL } = rules.thresholds;
  if (score >= CRITICAL) return 'CRITICAL';
  if (score >= HIGH) return 'HIGH';
  if (score >= MEDIUM) return 'MEDIUM';
  return 'LOW';
}

const PROGRAMME_NAMES: Record<TrustedTraderProgramme, string> = {
  CTPAT: 'C-TPAT',
  OEA: 'OEA',
  NEEC: 'NEEC',
  FAST: 'FAST',
  OTHER: 'trusted trader',
};

interface Scored extends RiskFactor {
  readonly minimumLevel?: RiskLevel | undefined;
}

/**
 * The list(s) a hit names in a factor description, which the screening agreement's partner sees:
 * the matched list id, or for a RESTRICTED result (whose matchedEntry the agreement withholds)
 * the names of the lists screened. Never the entry id nor the score, which the agreements withhold.
 */
function listsNamed(result: ScreeningResult): string {
  if (result.matchedEntry && result.meta.classification !== 'RESTRICTED') return result.matchedEntry.listId;
  return result.lists.map((l) => l.name).join(', ');
}

function screeningFactors(manifest: CargoManifest, results: readonly ScreeningResult[], rules: RiskRules): Scored[] {
  const factors: Scored[] = [];
  const byRole = new Map<PartyRole, ScreeningResult>();
  for (const result of results) {
    const r = roleOfScreening(result);
    if (r) byRole.set(r, result);
  }
  for (const r of expectedRoles(manifest)) {
    const result = byRole.get(r);
    if (!result || result.outcome === 'CLEAR') continue;
    const confirmed = result.outcome === 'CONFIRMED_MATCH';
    const rule = confirmed ? rules.screening.confirmedMatch : rules.screening.potentialMatch;
    const lists = listsNamed(result);
    factors.push({
      code: confirmed ? 'PARTY_WATCHLIST_CONFIRMED_MATCH' : 'PARTY_WATCHLIST_POTENTIAL_MATCH',
      description: `${r} ${confirmed ? 'confirmed' : 'potential'} watchlist match${lists ? ` on ${lists}` : ''}`,
      weight: rule.weight,
      minimumLevel: rule.minimumLevel,
    });
  }
  const missing = expectedRoles(manifest).filter((r) => !byRole.has(r));
  if (missing.length > 0) {
    factors.push({
      code: 'SCREENING_INCOMPLETE',
      description: `no screening result for ${missing.join(', ')}`,
      weight: rules.screening.incomplete.weight,
      minimumLevel: rules.screening.incomplete.minimumLevel,
    });
  }
  return factors;
}

function goodsFactors(manifest: CargoManifest, rules: RiskRules): Scored[] {
  const factors: Scored[] = [];
  for (const rule of rules.goods) {
    if (rule.directions && !rule.directions.includes(manifest.direction)) continue;
    const lines = manifest.goods.filter((g) => rule.hsPrefixes.some((prefix) => g.hsCode.startsWith(prefix)));
    if (lines.length === 0) continue;
    const listed = lines.map((g) => `line ${g.lineNumber} HS ${g.hsCode}`).join(', ');
    factors.push({ code: rule.code, description: `${rule.description}: ${listed}`, weight: rule.weight });
  }
  const dangerous = manifest.goods.filter((g) => g.dangerousGoodsUnNumber !== null);
  if (rules.dangerousGoods && dangerous.length > 0) {
    factors.push({
      code: 'DANGEROUS_GOODS',
      description: `declared dangerous goods: ${dangerous.map((g) => g.dangerousGoodsUnNumber ?? '').join(', ')}`,
      weight: rules.dangerousGoods.weight,
    });
  }
  return factors;
}

/** A membership the registry confirmed for a party of the shipment. */
interface VerifiedMembership {
  readonly role: PartyRole;
  readonly membership: TrustedTraderMembership;
}

interface Trust {
  readonly factors: Scored[];
  readonly verified: readonly VerifiedMembership[];
}

function trustFactors(manifest: CargoManifest, context: AssessContext): Trust {
  const { rules, trustedShippers } = context;
  const config = rules.trustedShipper;
  const onDate = manifest.estimatedArrival.toISOString().slice(0, 10);
  const problems: Scored[] = [];
  const verified: VerifiedMembership[] = [];
  let best: Scored | undefined;
  for (const r of config.roles) {
    if (r === 'driver') continue;
    const party = manifest[r];
    for (const [p, credit] of Object.entries(config.programmes) as [TrustedTraderProgramme, number][]) {
      const status = trustedShippers.statusOf(party, p, onDate);
      const name = PROGRAMME_NAMES[p];
      if (status.kind === 'trusted') {
        const tier = status.entry.tier ? ` ${status.entry.tier}` : '';
        const factor = {
          code: 'TRUSTED_SHIPPER',
          description: `${r} is a verified ${name}${tier} member (${status.entry.membershipId})`,
          weight: credit,
        };
        if (!best || factor.weight < best.weight) best = factor;
        const { membershipId, validUntil } = status.entry;
        verified.push({
          role: r,
          membership: { programme: p, membershipId, tier: status.entry.tier ?? null, validUntil: validUntil ?? null },
        });
      } else if (status.kind === 'suspended' || status.kind === 'expired') {
        problems.push({
          code: 'TRUSTED_STATUS_SUSPENDED',
          description: `${r}'s ${name} membership ${status.entry.membershipId} is ${status.kind}`,
          weight: config.suspendedWeight,
        });
      } else if (status.kind === 'unverified') {
        problems.push({
          code: 'TRUSTED_STATUS_UNVERIFIED',
          description: `${r} declares ${name} membership ${status.membershipId}, not in the registry`,
          weight: config.unverifiedWeight,
        });
      }
    }
  }
  if (best) return { factors: [best], verified };
  const factors = [
    {
      code: 'NOT_TRUSTED_SHIPPER',
      description: `no verified trusted-trader membership for ${config.roles.join(' or ')}`,
      weight: config.notTrustedWeight,
    },
    ...problems,
  ];
  return { factors, verified };
}

const SCREENING_HITS = new Set(['PARTY_WATCHLIST_CONFIRMED_MATCH', 'PARTY_WATCHLIST_POTENTIAL_MATCH']);

/** The port lane a level gives without pre-clearance: GENERAL for LOW and MEDIUM, else secondary. */
function laneOfLevel(level: RiskLevel): PortLane {
  return level === 'LOW' || level === 'MEDIUM' ? 'GENERAL' : 'SECONDARY_INSPECTION';
}

interface PortLaneDecision {
  readonly portLane: PortLane;
  /** Why a pre-cleared shipment did or did not get FAST; none for a shipment not pre-cleared. */
  readonly factor?: Scored;
  readonly fastMembership?: TrustedTraderMembership;
}

/**
 * FAST only for a CLEARED shipment with a verified membership in a FAST programme, no screening
 * hit (nor missing screening) and a LOW level; the factor names the first condition that failed.
 */
function portLaneOf(
  manifest: CargoManifest,
  level: RiskLevel,
  scored: readonly Scored[],
  verified: readonly VerifiedMembership[],
  rules: RiskRules,
): PortLaneDecision {
  const fallback = laneOfLevel(level);
  if (manifest.preClearanceStatus !== 'CLEARED') return { portLane: fallback };
  const notFast = (code: string, description: string): PortLaneDecision => ({
    portLane: fallback,
    factor: { code, description: `pre-cleared, not FAST: ${description}`, weight: 0 },
  });
  const hits = scored.filter((f) => SCREENING_HITS.has(f.code));
  if (hits.length > 0) return notFast('PRE_CLEARED_SCREENING_HIT', hits.map((f) => f.description).join('; '));
  if (scored.some((f) => f.code === 'SCREENING_INCOMPLETE')) {
    return notFast('PRE_CLEARED_SCREENING_INCOMPLETE', 'screening of the parties is incomplete');
  }
  const eligible = verified.find((v) => rules.fastLane.programmes.includes(v.membership.programme));
  if (!eligible) {
    const names = rules.fastLane.programmes.map((p) => PROGRAMME_NAMES[p]).join(' or ');
    const held = verified.map((v) => `${v.role} ${PROGRAMME_NAMES[v.membership.programme]}`).join(', ');
    return notFast(
      'PRE_CLEARED_NOT_TRUSTED',
      `no verified ${names} membership for ${rules.trustedShipper.roles.join(' or ')}${held ? ` (holds ${held}, not FAST-eligible)` : ''}`,
    );
  }
  if (level !== 'LOW') return notFast('PRE_CLEARED_RISK_LEVEL', `risk level ${level}`);
  const { role: r, membership } = eligible;
  return {
    portLane: 'FAST',
    factor: {
      code: 'PRE_CLEARED_TRUSTED_SHIPPER',
      description: `pre-cleared; ${r} is a verified ${PROGRAMME_NAMES[membership.programme]} member (${membership.membershipId}), screening clear, risk LOW`,
      weight: 0,
    },
    fastMembership: membership,
  };
}

function sealFactors(manifest: CargoManifest, rules: RiskRules): Scored[] {
  const factors: Scored[] = [];
  const type = manifest.conveyance.conveyanceType;
  if (rules.seals.sealedConveyanceTypes.includes(type) && manifest.seals.length === 0) {
    factors.push({
      code: 'SEAL_MISSING',
      description: `no seal declared on a ${type.toLowerCase()} conveyance`,
      weight: rules.seals.missingWeight,
    });
  }
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const seal of manifest.seals) {
    const number = seal.sealNumber.trim().toUpperCase();
    if (seen.has(number)) duplicates.add(number);
    seen.add(number);
  }
  if (duplicates.size > 0) {
    factors.push({
      code: 'SEAL_DUPLICATE',
      description: `seal number declared more than once: ${[...duplicates].join(', ')}`,
      weight: rules.seals.duplicateWeight,
    });
  }
  return factors;
}

function historyFactors(count: number, rules: RiskRules): Scored[] {
  if (count <= 0) return [];
  return [
    {
      code: 'SHIPPER_RECENT_HIGH_RISK',
      description: `consignor had ${count} HIGH/CRITICAL assessment(s) in the last ${rules.history.windowDays} days`,
      weight: Math.min(rules.history.maxWeight, count * rules.history.weightPerAssessment),
    },
  ];
}

/**
 * Scores a manifest with its screening results. Pure: the same inputs give the same assessment.
 * A screening match floors the level (HIGH by default) whatever the other factors say.
 */
export function assess(
  manifest: CargoManifest,
  screeningResults: readonly ScreeningResult[],
  context: AssessContext,
): Assessment {
  const { rules } = context;
  const trust = trustFactors(manifest, context);
  const scored: Scored[] = [
    ...screeningFactors(manifest, screeningResults, rules),
    ...goodsFactors(manifest, rules),
    ...trust.factors,
    ...sealFactors(manifest, rules),
    ...historyFactors(context.shipperHistory ?? 0, rules),
  ];
  let score = round(
    Math.min(
      1,
      Math.max(
        0,
        scored.reduce((sum, f) => sum + f.weight, 0),
      ),
    ),
  );
  let level = levelOf(score, rules);
  for (const factor of scored) {
    const floor = factor.minimumLevel;
    if (floor && levelIndex(floor) > levelIndex(level)) level = floor;
  }
  // The score must still map to the level the schema says it does.
  if (level !== 'LOW') score = Math.max(score, rules.thresholds[level]);
  const port = portLaneOf(manifest, level, scored, trust.verified, rules);
  const factors = [...scored, ...(port.factor ? [port.factor] : [])]
    .map(({ code, description, weight: w }) => ({ code, description, weight: round(w) }))
    .sort((a, b) => b.weight - a.weight || a.code.localeCompare(b.code));
  const { lane: recommendedLane, action: recommendedAction } = rules.treatment[level];
  return {
    score,
    level,
    factors,
    lane: recommendedLane,
    action: recommendedAction,
    portLane: port.portLane,
    fastMembership: port.fastMembership,
  };
}
