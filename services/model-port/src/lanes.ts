// What risk management and the pre-clearance services decided, counted per country for the
// summary line: cargo by recommended lane, travellers by port lane, pre-clearances granted and
// revoked. One map holds them all (the model port shares it between services); the key says
// which count it is, and only this file reads or writes keys.
import type { PreClearanceDecision, RiskAssessment } from '@puente/contracts';
import type { Country } from '@puente/runtime';

export type LaneCounts = Map<string, number>;

const TRAVELLER = 'traveller';
const PRE_CLEARANCE = 'pre-clearance';

const add = (lanes: LaneCounts, key: string) => lanes.set(key, (lanes.get(key) ?? 0) + 1);

/** Counts a shipment's recommended lane ("US STANDARD"). */
export function countLane(lanes: LaneCounts, country: Country, recommendedLane: string): void {
  add(lanes, `${country} ${recommendedLane}`);
}

/**
 * Counts one assessment of a country's risk service (pass it as `onAssessment`): a TRAVELLER by
 * the port lane it was assigned (its coarse lane when it has none), anything else by its
 * recommended lane, both under the assessing country (meta.originCountry).
 */
export function countAssessment(lanes: LaneCounts, assessment: RiskAssessment): void {
  const country = assessment.meta.originCountry;
  if (assessment.subject.subjectType === 'TRAVELLER')
    add(lanes, `${country} ${TRAVELLER} ${assessment.portLane ?? assessment.recommendedLane}`);
  else countLane(lanes, country, assessment.recommendedLane);
}

/** Counts a pre-clearance decision (pass it as the pre-clearance service's `onDecision`): GRANTED and REVOKED. */
export function countDecision(lanes: LaneCounts, decision: PreClearanceDecision): void {
  if (decision.decision === 'GRANTED' || decision.decision === 'REVOKED')
    add(lanes, `${decision.meta.originCountry} ${PRE_CLEARANCE} ${decision.decision}`);
}

/** The counts of one kind, as [country, lane, count] in first-seen order. */
function entries(lanes: LaneCounts, kind: string | undefined): [string, string, number][] {
  return [...lanes].flatMap(([key, n]): [string, string, number][] => {
    const [country = '', ...rest] = key.split(' ');
    if (kind === undefined) return rest.length === 1 ? [[country, rest[0] ?? '', n]] : [];
    return rest.length === 2 && rest[0] === kind ? [[country, rest[1] ?? '', n]] : [];
  });
}

const listed = (items: readonly [string, string, number][]) =>
  items.map(([country, lane, n]) => `${country} ${lane} ${n}`).join(', ') || 'none yet';

/** Cargo lanes, "US EXPEDITED 3, MX STANDARD 1" in first-seen order, or "none yet". */
export function laneText(lanes: LaneCounts): string {
  return listed(entries(lanes, undefined));
}

/** Traveller port lanes, "US TRUSTED_TRAVELLER 2, US GENERAL 5" in first-seen order, or "none yet". */
export function travellerLaneText(lanes: LaneCounts): string {
  return listed(entries(lanes, TRAVELLER));
}

/** Revoked pre-clearances per country with the grants beside them, "US 1 of 4 granted", or "none yet". */
export function revokedText(lanes: LaneCounts): string {
  const byCountry = new Map<string, { granted: number; revoked: number }>();
  for (const [country, decision, n] of entries(lanes, PRE_CLEARANCE)) {
    const counts = byCountry.get(country) ?? { granted: 0, revoked: 0 };
    if (decision === 'GRANTED') counts.granted += n;
    else counts.revoked += n;
    byCountry.set(country, counts);
  }
  return (
    [...byCountry].map(([country, c]) => `${country} ${c.revoked} of ${c.granted} granted`).join(', ') || 'none yet'
  );
}
