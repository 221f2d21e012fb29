// The screening service: consumes one country's cargo manifests, screens every party
// (consignor, consignee, carrier, driver) against the watchlists in force, and publishes one
// ScreeningResult per party, keyed by manifest id. Offsets are committed only after a batch's
// results are acknowledged (at least once); result ids are derived from the manifest's eventId
// and the party's role, so a redelivered manifest yields the same ids and partners can dedupe.
import {
  type Bus,
  type BusRecord,
  type ConsumedRecord,
  createDeadLetters,
  type DeadLetters,
  decodeChecked,
  type RecordBatch,
  type Subscription,
} from '@puente/bus';
import {
  type AvroCodec,
  type CargoManifest,
  type EventMeta,
  type Organization,
  type Person,
  type ScreeningOutcome,
  type ScreeningResult,
  type Watchlist as WatchlistRecord,
  type WatchlistMatch,
} from '@puente/contracts';
import {
  COUNTRIES,
  type Country,
  deadLetterTopicOf,
  domainTopic,
  type Logger,
  nameBasedUuid,
  silentLogger,
} from '@puente/runtime';

import { DEFAULT_THRESHOLDS, matchName, outcomeOf, type MatchThresholds } from './name-matching.js';
import type { WatchlistEntry, WatchlistSet, WatchlistSource } from './watchlists.js';

/** The countries screening runs for: every party to the agreement (kept as a name for callers). */
export type ScreeningCountry = Country;
export type PartyRole = 'consignor' | 'consignee' | 'carrier' | 'driver';

export const PARTY_ROLES: readonly PartyRole[] = ['consignor', 'consignee', 'carrier', 'driver'];

interface CountryProfile {
  readonly agency: string;
  readonly screeningSystem: string;
  readonly ruleIds: { readonly party: string; readonly traveller: string };
}

const PROFILES: Readonly<Record<ScreeningCountry, CountryProfile>> = {
  US: {
    agency: 'CBP',
    screeningSystem: 'CBP ATS',
    ruleIds: { party: 'CBP-ATS-PARTY-001', traveller: 'CBP-ATS-TRV-001' },
  },
  MX: {
    agency: 'ANAM',
    screeningSystem: 'ANAM SIAVE',
    ruleIds: { party: 'ANAM-SIAVE-PARTE-001', traveller: 'ANAM-SIAVE-VIAJERO-001' },
  },
};

/** RFC 4122 namespace for screening result ids (a fixed random UUID; never change it). */
const RESULT_ID_NAMESPACE = '6f1c2e4a-93b7-4d0e-8a55-2c7d9e1f4b38';

/** RFC 4122 version-5 UUID of `name` in screening's namespace unless another is given. */
export function uuidV5(name: string, namespace: string = RESULT_ID_NAMESPACE): string {
  return nameBasedUuid(namespace, name);
}

/** The eventId of the result for one party of one manifest event. */
export function screeningEventId(manifestEventId: string, role: PartyRole): string {
  return uuidV5(`${manifestEventId}/${role}`);
}

export const manifestTopicOf = (country: ScreeningCountry): string => domainTopic(country, 'cargo-manifests');
export const resultTopicOf = (country: ScreeningCountry): string => domainTopic(country, 'screening-results');

export interface ScreeningServiceOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly country: ScreeningCountry;
  /** Lists in force, asked for each batch (a WatchlistStore reloads underneath). */
  readonly watchlists: WatchlistSource;
  readonly logger?: Logger;
  /** Defaults to potential 0.85, confirmed 0.95. */
  readonly thresholds?: MatchThresholds;
  /** Defaults to `puente.screening.<country>`. */
  readonly groupId?: string;
  /** Create the input, output and dead-letter topics with this many partitions if missing (development). */
  readonly ensureTopics?: { readonly partitions: number } | false;
  /** Where manifests that cannot be screened go; by default `dlq.<input topic>` as `screening-<country>`. */
  readonly deadLetters?: DeadLetters;
  readonly now?: () => number;
}

export interface ScreeningStats {
  readonly manifests: number;
  readonly results: number;
  readonly hits: number;
  readonly skipped: number;
}

export interface ScreeningService {
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly deadLetters: DeadLetters;
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): ScreeningStats;
}

interface PartyToScreen {
  readonly role: PartyRole;
  readonly subjectType: 'PARTY' | 'TRAVELLER';
  readonly names: readonly string[];
  readonly dateOfBirth: string | null;
  readonly organization?: Organization;
  readonly person?: Person;
}

export interface PartyScreening {
  readonly outcome: ScreeningOutcome;
  readonly score: number;
  readonly matchedEntry: WatchlistMatch | null;
}

function partiesOf(manifest: CargoManifest): PartyToScreen[] {
  const organization = (role: PartyRole, party: Organization): PartyToScreen => ({
    role,
    subjectType: 'PARTY',
    names: party.tradeName ? [party.name, party.tradeName] : [party.name],
    dateOfBirth: null,
    organization: party,
  });
  const parties = [
    organization('consignor', manifest.consignor),
    organization('consignee', manifest.consignee),
    organization('carrier', manifest.carrier),
  ];
  const driver = manifest.driver;
  if (driver) {
    parties.push({
      role: 'driver',
      subjectType: 'TRAVELLER',
      names: [[driver.givenNames, driver.surname, driver.secondSurname ?? ''].join(' ').trim(), ...driver.aliases],
      dateOfBirth: driver.dateOfBirth,
      person: driver,
    });
  }
  return parties;
}

/**
 * Screens one party against every entry of its kind. Persons: an equal date of birth joins
 * `matchedOn`; a different one caps the outcome at potential (same name, other person?).
 */
export function screenParty(
  party: {
    readonly kind: 'person' | 'organization';
    readonly names: readonly string[];
    readonly dateOfBirth?: string | null;
  },
  watchlists: WatchlistSet,
  thresholds: MatchThresholds = DEFAULT_THRESHOLDS,
): PartyScreening {
  let best: { score: number; listId: string; entry: WatchlistEntry; matchedName: string } | undefined;
  for (const list of watchlists.lists) {
    for (const entry of list.entries) {
      if (entry.type !== party.kind) continue;
      for (const name of party.names) {
        const match = matchName(name, entry);
        if (!best || match.score > best.score) {
          best = { score: match.score, listId: list.listId, entry, matchedName: match.matchedName };
        }
      }
    }
  }
  if (!best) return { outcome: 'CLEAR', score: 0, matchedEntry: null };
  let score = best.score;
  const matchedOn = ['name'];
  const dob = party.dateOfBirth;
  if (dob && best.entry.dateOfBirth) {
    if (dob === best.entry.dateOfBirth) matchedOn.push('dateOfBirth');
    else score = Math.min(score, Math.max(0, thresholds.confirmed - 0.01));
  }
  score = Math.round(score * 1000) / 1000;
  const outcome = outcomeOf(score, thresholds);
  return {
    outcome,
    score,
    matchedEntry:
      outcome === 'CLEAR'
        ? null
        : { listId: best.listId, entryId: best.entry.entryId, matchedName: best.matchedName, matchedOn },
  };
}

function validateThresholds(thresholds: MatchThresholds): MatchThresholds {
  const { potential, confirmed } = thresholds;
  if (!(potential > 0 && potential <= confirmed && confirmed <= 1)) {
    throw new RangeError(`thresholds must satisfy 0 < potential ≤ confirmed ≤ 1 (got ${potential}, ${confirmed})`);
  }
  return Object.freeze({ potential, confirmed });
}

export function createScreeningService(options: ScreeningServiceOptions): ScreeningService {
  const { bus, codec, country, watchlists } = options;
  const profile = PROFILES[country];
  const logger = options.logger ?? silentLogger();
  const thresholds = validateThresholds(options.thresholds ?? DEFAULT_THRESHOLDS);
  const groupId = options.groupId ?? `puente.screening.${country.toLowerCase()}`;
  const inputTopic = manifestTopicOf(country);
  const outputTopic = resultTopicOf(country);
  const now = options.now ?? Date.now;
  const deadLetters =
    options.deadLetters ?? createDeadLetters({ bus, service: `screening-${country.toLowerCase()}`, logger });
  let subscription: Subscription | undefined;
  // The bus may hand over a batch before subscribe() resolves; the handler waits for the handle.
  let subscribed: Promise<Subscription> | undefined;
  const stats = { manifests: 0, results: 0, hits: 0, skipped: 0 };

  const resultsFor = (manifest: CargoManifest, set: WatchlistSet, at: number): ScreeningResult[] => {
    const lists: WatchlistRecord[] = set.lists.map(({ listId, name, owner }) => ({ listId, name, owner }));
    return partiesOf(manifest).map((party) => {
      const screening = screenParty(
        {
          kind: party.subjectType === 'PARTY' ? 'organization' : 'person',
          names: party.names,
          dateOfBirth: party.dateOfBirth,
        },
        set,
        thresholds,
      );
      const meta: EventMeta = {
        eventId: screeningEventId(manifest.meta.eventId, party.role),
        occurredAt: new Date(at),
        originCountry: country,
        originAgency: profile.agency,
        classification: 'LAW_ENFORCEMENT_SENSITIVE',
        releasableTo: [...COUNTRIES],
        purposes: ['BORDER_SECURITY', 'CUSTOMS'],
        correlationId: manifest.meta.eventId,
        supersedes: null,
      };
      return {
        meta,
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
      };
    });
  };

  const toBusRecord = (manifestId: string, result: ScreeningResult): BusRecord => {
    const time = result.meta.occurredAt;
    return {
      key: manifestId,
      value: codec.encode(outputTopic, result),
      timestamp: time.getTime(),
      headers: {
        ce_specversion: '1.0',
        ce_id: result.meta.eventId,
        ce_source: `/puente/${country}/${profile.agency}/screening`,
        ce_type: 'org.puente.v1.screening-results',
        ce_time: time.toISOString(),
        'content-type': 'application/vnd.confluent.avro',
      },
    };
  };

  /**
   * The result records of one consumed record. Throws when it cannot be screened (undecodable,
   * or its results break their schema): the caller dead-letters it.
   */
  const screenRecord = (record: ConsumedRecord, set: WatchlistSet, at: number): BusRecord[] => {
    if (!record.value) {
      stats.skipped++;
      logger.warn(
        { topic: record.topic, partition: record.partition, offset: record.offset },
        'skipped a record without a value',
      );
      return [];
    }
    const manifest = decodeChecked(codec, inputTopic, record.value) as CargoManifest;
    const results = resultsFor(manifest, set, at);
    const records = results.map((result) => toBusRecord(manifest.manifestId, result));
    stats.manifests++;
    stats.results += results.length;
    for (const result of results) {
      if (result.outcome === 'CLEAR') continue;
      stats.hits++;
      // Ids and scores only: names of parties are personal data and stay out of logs.
      logger.info(
        {
          manifestId: manifest.manifestId,
          screeningId: result.screeningId,
          outcome: result.outcome,
          score: result.score,
          listId: result.matchedEntry?.listId,
          entryId: result.matchedEntry?.entryId,
        },
        'watchlist hit',
      );
    }
    return records;
  };

  const handleBatch = async (batch: RecordBatch): Promise<void> => {
    const last = batch.records.at(-1);
    const pending = subscribed;
    if (!last || !pending) return;
    const set = watchlists.current();
    const at = now();
    const records: BusRecord[] = [];
    for (const record of batch.records) {
      // A manifest that cannot be screened is set aside; a failed dead-letter write fails the batch.
      const screened = await deadLetters.guard(record, () => screenRecord(record, set, at));
      if (screened) records.push(...screened);
      else stats.skipped++;
    }
    // A failed publish throws: nothing is committed and the batch comes again (at least once).
    if (records.length > 0) {
      try {
        await bus.publish(outputTopic, records);
      } catch (error) {
        logger.warn(
          { topic: batch.topic, partition: batch.partition, outputTopic, err: error },
          'publishing screening results failed; the batch will be redelivered',
        );
        throw error;
      }
    }
    const current = await pending;
    await current.commit([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
    ]);
  };

  return {
    inputTopic,
    outputTopic,
    deadLetters,
    async start() {
      if (subscribed) return;
      const ensure = options.ensureTopics;
      if (ensure) {
        await bus.admin.ensureTopics(
          [inputTopic, outputTopic, deadLetterTopicOf(inputTopic)].map((topic) => ({
            topic,
            partitions: topic === deadLetterTopicOf(inputTopic) ? 1 : ensure.partitions,
          })),
        );
      }
      const set = watchlists.current();
      subscribed = bus.subscribe({
        groupId,
        topics: [inputTopic],
        fromBeginning: true,
        autoCommit: false,
        handler: handleBatch,
      });
      try {
        subscription = await subscribed;
      } catch (error) {
        subscribed = undefined;
        throw error;
      }
      logger.info(
        {
          groupId,
          inputTopic,
          outputTopic,
          lists: set.lists.map((list) => list.listId),
          entries: set.size,
          thresholds,
        },
        'screening started',
      );
    },
    async stop() {
      const current = subscription;
      subscription = undefined;
      subscribed = undefined;
      await current?.stop();
    },
    stats: () => ({ ...stats }),
  };
}
