// The ScreeningResult events of one manifest — one per party, in party order — and the bus
// records that carry them, with CloudEvents headers and the manifest id as key.
import type { BusRecord } from '@puente/bus';
import type {
  AvroCodec,
  CargoManifest,
  EventMeta,
  ScreeningResult,
  Watchlist as WatchlistRecord,
} from '@puente/contracts';
import { COUNTRIES, type Country } from '@puente/runtime';

import { PROFILES } from './country-profiles.js';
import type { MatchThresholds } from './name-matching.js';
import { partiesOf, type PartyToScreen } from './parties.js';
import { screeningEventId } from './result-ids.js';
import { screenParty } from './screen-party.js';
import type { WatchlistSet } from './watchlists.js';

export interface ResultOptions {
  readonly country: Country;
  readonly thresholds: MatchThresholds;
  /** When the results occurred (epoch milliseconds). */
  readonly at: number;
}

function resultMeta(manifest: CargoManifest, party: PartyToScreen, options: ResultOptions): EventMeta {
  return {
    eventId: screeningEventId(manifest.meta.eventId, party.role),
    occurredAt: new Date(options.at),
    originCountry: options.country,
    originAgency: PROFILES[options.country].agency,
    classification: 'LAW_ENFORCEMENT_SENSITIVE',
    releasableTo: [...COUNTRIES],
    purposes: ['BORDER_SECURITY', 'CUSTOMS'],
    correlationId: manifest.meta.eventId,
    supersedes: null,
  };
}

/** Screens every party of `manifest` against `set` and returns one result per party. */
export function screeningResults(
  manifest: CargoManifest,
  set: WatchlistSet,
  options: ResultOptions,
): ScreeningResult[] {
  const profile = PROFILES[options.country];
  const lists: WatchlistRecord[] = set.lists.map(({ listId, name, owner }) => ({ listId, name, owner }));
  return partiesOf(manifest).map((party) => {
    const screening = screenParty(
      {
        kind: party.subjectType === 'PARTY' ? 'organization' : 'person',
        names: party.names,
        dateOfBirth: party.dateOfBirth,
      },
      set,
      options.thresholds,
    );
    return {
      meta: resultMeta(manifest, party, options),
      screeningId: `${manifest.manifestId}/${party.role}`,
      subjectType: party.subjectType,
      traveller: party.person ?? null,
      conveyance: null,
      shipmentReference: null,
      party: party.organization ?? null,
      portOfEntry: manifest.portOfEntry,
      screeningSystem: profile.screeningSystem,
      lists,
      outcome: screening.outcome,
      score: screening.score,
      matchedEntry: screening.matchedEntry,
      ruleId: party.subjectType === 'PARTY' ? profile.ruleIds.party : profile.ruleIds.traveller,
      referredForInspection: screening.outcome !== 'CLEAR',
      crossingReference: null,
      manifestReference: manifest.manifestId,
      partyRole:
        party.role === 'driver'
          ? 'DRIVER'
          : party.role === 'consignor'
            ? 'CONSIGNOR'
            : party.role === 'consignee'
              ? 'CONSIGNEE'
              : 'CARRIER',
    };
  });
}

export interface ResultRecordOptions {
  readonly codec: AvroCodec;
  readonly outputTopic: string;
  readonly country: Country;
}

/**
 * The bus record of one result: Avro-encoded (throws if it breaks its schema), keyed by the
 * manifest or crossing id it screened; the CloudEvents source names the publishing agency.
 */
export function resultRecord(key: string, result: ScreeningResult, options: ResultRecordOptions): BusRecord {
  const time = result.meta.occurredAt;
  return {
    key,
    value: options.codec.encode(options.outputTopic, result),
    timestamp: time.getTime(),
    headers: {
      ce_specversion: '1.0',
      ce_id: result.meta.eventId,
      ce_source: `/puente/${options.country}/${result.meta.originAgency}/screening`,
      ce_type: 'org.puente.v1.screening-results',
      ce_time: time.toISOString(),
      'content-type': 'application/vnd.confluent.avro',
    },
  };
}
