// What a value must also be beyond its Avro schema: rules of the domain that Avro cannot say
// (an array that must not be empty, a field that one mode requires). Every consumer of a topic
// that has such rules checks them the same way, and names each broken rule by its field path.
import type { TravellerCrossing } from './generated/avro-types.js';

/** One broken rule: the dotted field path (with array indices) and what is wrong there. */
export interface DomainProblem {
  readonly path: string;
  readonly message: string;
}

/** Modes in which the traveller is in a vehicle, which the crossing must then describe. */
const VEHICLE_MODES: ReadonlySet<TravellerCrossing['mode']> = new Set([
  'PASSENGER_VEHICLE',
  'BUS',
  'COMMERCIAL_DRIVER',
]);
/** Lanes a traveller can queue in; SECONDARY_INSPECTION and FAST are decided, never requested. */
const REQUESTABLE_LANES: ReadonlySet<TravellerCrossing['laneRequested']> = new Set([
  'TRUSTED_TRAVELLER',
  'READY_LANE',
  'GENERAL',
]);
/** The country a direction enters. */
const ENTERS = { NORTHBOUND: 'US', SOUTHBOUND: 'MX' } as const;
// What the bilateral 'document-number' hash strips (spaces, dashes, invisible format characters):
// a number made only of these hashes as the empty string, so every such number would match every
// other one, in either country's screening. Such a number is blank.
const DOCUMENT_NUMBER_NOISE = /[\s\p{White_Space}\p{Pd}\u2212\p{Cf}]/gu;
const isBlankNumber = (text: string) => text.replace(DOCUMENT_NUMBER_NOISE, '') === '';

/**
 * The rules a traveller crossing breaks, in field order; empty when it keeps them all. A crossing
 * presents at least one travel document with a number, describes its vehicle when the traveller
 * is in one, asks for a lane a traveller can queue in, enters the country of its port, and is
 * published by that country.
 */
export function travellerCrossingProblems(crossing: TravellerCrossing): DomainProblem[] {
  const problems: DomainProblem[] = [];
  const entered = ENTERS[crossing.direction];
  // The direction says which country is entered; the publisher and the port must both be it.
  if (crossing.meta.originCountry !== entered) {
    problems.push({
      path: 'meta.originCountry',
      message: `a ${crossing.direction} crossing is published by the country being entered (${entered}), not ${crossing.meta.originCountry}`,
    });
  }
  if (crossing.crossingId.trim() === '') problems.push({ path: 'crossingId', message: 'must not be blank' });
  if (crossing.travelDocuments.length === 0) {
    problems.push({ path: 'travelDocuments', message: 'a crossing presents at least one travel document' });
  }
  crossing.travelDocuments.forEach((document, index) => {
    if (isBlankNumber(document.documentNumber)) {
      problems.push({
        path: `travelDocuments[${index}].documentNumber`,
        message: 'must not be blank (nothing but spaces, dashes or invisible characters)',
      });
    }
  });
  crossing.memberships.forEach((membership, index) => {
    if (isBlankNumber(membership.membershipId)) {
      problems.push({
        path: `memberships[${index}].membershipId`,
        message: 'must not be blank (nothing but spaces, dashes or invisible characters)',
      });
    }
  });
  if (VEHICLE_MODES.has(crossing.mode) && crossing.conveyance === null) {
    problems.push({ path: 'conveyance', message: `a ${crossing.mode} crossing names its vehicle` });
  }
  if (crossing.mode === 'PEDESTRIAN' && crossing.conveyance !== null) {
    problems.push({ path: 'conveyance', message: 'a PEDESTRIAN crossing has no vehicle' });
  }
  if (crossing.portOfEntry.country !== entered) {
    problems.push({
      path: 'portOfEntry.country',
      message: `${crossing.direction} enters ${entered}, but the port is in ${crossing.portOfEntry.country}`,
    });
  }
  if (!REQUESTABLE_LANES.has(crossing.laneRequested)) {
    problems.push({
      path: 'laneRequested',
      message: `${crossing.laneRequested} is not a lane a traveller queues in (TRUSTED_TRAVELLER, READY_LANE or GENERAL)`,
    });
  }
  return problems;
}

/** The problems as one sentence each, `path: message`, joined with '; '. */
export function describeDomainProblems(problems: readonly DomainProblem[]): string {
  return problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
}

/** The domain rules of each value type that has any, by full name. */
const RULES_BY_TYPE: Readonly<Record<string, (value: never) => DomainProblem[]>> = {
  'org.puente.v1.TravellerCrossing': travellerCrossingProblems,
};

/**
 * The domain rules of a value type (full name, e.g. `org.puente.v1.TravellerCrossing`), or
 * undefined when Avro says all there is to say about it. The check takes a decoded value.
 */
export function domainRulesOf(valueType: string): ((value: unknown) => DomainProblem[]) | undefined {
  const rules = RULES_BY_TYPE[valueType];
  return rules && ((value: unknown) => rules(value as never));
}
