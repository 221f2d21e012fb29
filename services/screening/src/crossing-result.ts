// The ScreeningResult of one traveller crossing: the traveller (with the documents presented at
// the booth, so agreements can hash their numbers) screened against the country's own lists and
// the partner's shared ones, keyed and referenced by the crossing id.
import type { EventMeta, ScreeningResult, TravellerCrossing, Watchlist as WatchlistRecord } from '@puente/contracts';
import { COUNTRIES, type Country } from '@puente/runtime';

import { PROFILES } from './country-profiles.js';
import type { MatchThresholds } from './name-matching.js';
import { travellerScreeningEventId } from './result-ids.js';
import { screenTraveller, type ListsInForce } from './screen-traveller.js';

export interface CrossingResultOptions {
  readonly country: Country;
  readonly thresholds: MatchThresholds;
  /** When the result occurred (epoch milliseconds). */
  readonly at: number;
}

function resultMeta(crossing: TravellerCrossing, options: CrossingResultOptions): EventMeta {
  return {
    eventId: travellerScreeningEventId(crossing.meta.eventId),
    occurredAt: new Date(options.at),
    originCountry: options.country,
    originAgency: PROFILES[options.country].crossings.agency,
    classification: 'LAW_ENFORCEMENT_SENSITIVE',
    releasableTo: [...COUNTRIES],
    purposes: ['BORDER_SECURITY'],
    correlationId: crossing.meta.eventId,
    supersedes: null,
  };
}

/** The names a traveller is screened under: the full name as the booth read it, then the aliases. */
function travellerNames(crossing: TravellerCrossing): string[] {
  const { givenNames, surname, secondSurname, aliases } = crossing.traveller;
  return [[givenNames, surname, secondSurname ?? ''].join(' ').trim(), ...aliases];
}

/** Screens the traveller of `crossing` and returns its one result. */
export function crossingScreeningResult(
  crossing: TravellerCrossing,
  lists: ListsInForce,
  options: CrossingResultOptions,
): ScreeningResult {
  const profile = PROFILES[options.country].crossings;
  const screened = lists.partner ? [...lists.own.lists, ...lists.partner.lists] : lists.own.lists;
  const records: WatchlistRecord[] = screened.map(({ listId, name, owner }) => ({ listId, name, owner }));
  const screening = screenTraveller(
    {
      names: travellerNames(crossing),
      dateOfBirth: crossing.traveller.dateOfBirth,
      documents: crossing.travelDocuments,
    },
    lists,
    options.thresholds,
  );
  return {
    meta: resultMeta(crossing, options),
    screeningId: `${crossing.crossingId}/traveller`,
    subjectType: 'TRAVELLER',
    traveller: { ...crossing.traveller, documents: crossing.travelDocuments.map((document) => ({ ...document })) },
    conveyance: null,
    shipmentReference: null,
    party: null,
    portOfEntry: crossing.portOfEntry,
    screeningSystem: profile.screeningSystem,
    lists: records,
    outcome: screening.outcome,
    score: screening.score,
    matchedEntry: screening.matchedEntry,
    ruleId: profile.ruleId,
    referredForInspection: screening.outcome !== 'CLEAR',
    crossingReference: crossing.crossingId,
    manifestReference: null,
    partyRole: null,
  };
}
