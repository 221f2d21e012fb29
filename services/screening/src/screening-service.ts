// The screening service: consumes one country's cargo manifests and traveller crossings, screens
// every party (consignor, consignee, carrier, driver) and every traveller against the watchlists
// in force — travellers also against the partner's shared, hashed lists — and publishes one
// ScreeningResult per party (keyed by manifest id) and per crossing (keyed by crossing id).
// Offsets are committed only after a batch's results are acknowledged (at least once); result
// ids are derived from the input's eventId, so a redelivered input yields the same ids and
// partners can dedupe. The pieces live beside it: parties.ts, screen-party.ts, result-events.ts,
// screen-record.ts, screen-traveller.ts, crossing-result.ts, screen-crossing-record.ts,
// batch-handler.ts; this file wires them and owns the one subscription to both input topics.
import { type Bus, createDeadLetters, type DeadLetters, type Subscription } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import { type Country, type Logger, silentLogger } from '@puente/runtime';

import { createBatchHandler } from './batch-handler.js';
import type { DocumentHasher } from './document-hasher.js';
import { DEFAULT_THRESHOLDS, type MatchThresholds } from './name-matching.js';
import { createPartnerKeyCheck } from './partner-keys.js';
import { createCrossingScreener } from './screen-crossing-record.js';
import { validateThresholds } from './screen-party.js';
import {
  createRecordScreener,
  type RecordScreener,
  type ScreeningCounters,
  type ScreeningStats,
} from './screen-record.js';
import { crossingTopicOf, manifestTopicOf, resultTopicOf, topicsToEnsure } from './topics.js';
import type { WatchlistSource } from './watchlists.js';

export { PARTY_ROLES, type PartyRole } from './parties.js';
export { screenParty, type PartyScreening } from './screen-party.js';
export { screeningEventId, travellerScreeningEventId, uuidV5 } from './result-ids.js';
export { crossingTopicOf, manifestTopicOf, resultTopicOf } from './topics.js';
export type { ScreeningStats } from './screen-record.js';

/** The countries screening runs for: every party to the agreement (kept as a name for callers). */
export type ScreeningCountry = Country;

export interface ScreeningServiceOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly country: ScreeningCountry;
  /** Lists in force, asked for each batch (a WatchlistStore reloads underneath). */
  readonly watchlists: WatchlistSource;
  /**
   * The partner's lists as shared (document numbers as keyed hashes), asked for each batch;
   * travellers are screened against them too. Without it, against the own lists only.
   */
  readonly partnerWatchlists?: WatchlistSource | undefined;
  /** Hashes travellers' document numbers under the bilateral key, to match the partner's hashes. */
  readonly documentHasher?: DocumentHasher | undefined;
  readonly logger?: Logger;
  /** Defaults to potential 0.85, confirmed 0.95. */
  readonly thresholds?: MatchThresholds;
  /** Defaults to `puente.screening.<country>`. */
  readonly groupId?: string;
  /** Create the input, output and dead-letter topics with this many partitions if missing (development). */
  readonly ensureTopics?: { readonly partitions: number } | false;
  /** Where records that cannot be screened go; by default `dlq.<input topic>` as `screening-<country>`. */
  readonly deadLetters?: DeadLetters;
  readonly now?: () => number;
}

export interface ScreeningService {
  /** The manifests topic. */
  readonly inputTopic: string;
  /** The traveller-crossings topic. */
  readonly crossingTopic: string;
  readonly outputTopic: string;
  readonly deadLetters: DeadLetters;
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): ScreeningStats;
}

export function createScreeningService(options: ScreeningServiceOptions): ScreeningService {
  const { bus, codec, country, watchlists, partnerWatchlists, documentHasher } = options;
  const logger = options.logger ?? silentLogger();
  const thresholds = validateThresholds(options.thresholds ?? DEFAULT_THRESHOLDS);
  // The partner's document numbers must never be held here in clear: only a shared set will do.
  if (partnerWatchlists && partnerWatchlists.current().kind !== 'shared') {
    throw new TypeError(
      `partnerWatchlists must be the partner's shared lists (loadSharedWatchlists, or shareWatchlists on the partner's side), not ${partnerWatchlists.current().source}`,
    );
  }
  const groupId = options.groupId ?? `puente.screening.${country.toLowerCase()}`;
  const inputTopic = manifestTopicOf(country);
  const crossingTopic = crossingTopicOf(country);
  const outputTopic = resultTopicOf(country);
  const deadLetters =
    options.deadLetters ?? createDeadLetters({ bus, service: `screening-${country.toLowerCase()}`, logger });
  let subscription: Subscription | undefined;
  // The bus may hand over a batch before subscribe() resolves; the handler waits for the handle.
  let subscribed: Promise<Subscription> | undefined;
  const stats: ScreeningCounters = { manifests: 0, crossings: 0, results: 0, hits: 0, travellerHits: 0, skipped: 0 };
  const screenManifest = createRecordScreener({ codec, country, inputTopic, outputTopic, thresholds, logger, stats });
  const screenCrossing = createCrossingScreener({
    codec,
    country,
    crossingTopic,
    outputTopic,
    thresholds,
    logger,
    stats,
  });
  const screenRecord: RecordScreener = (record, lists, at) =>
    record.topic === crossingTopic ? screenCrossing(record, lists, at) : screenManifest(record, lists, at);
  // The partner's file and our keys both change while running: checked whenever either has.
  const checkPartnerKeys = documentHasher ? createPartnerKeyCheck(documentHasher, logger) : () => undefined;
  const partnerLists = () => {
    const partner = partnerWatchlists?.current();
    if (partner) checkPartnerKeys(partner);
    return partner;
  };
  const handler = createBatchHandler({
    bus,
    outputTopic,
    lists: () => ({ own: watchlists.current(), partner: partnerLists(), hasher: documentHasher }),
    deadLetters,
    screenRecord,
    stats,
    logger,
    now: options.now ?? Date.now,
    subscription: () => subscribed,
  });

  const topics = [inputTopic, crossingTopic];
  return {
    inputTopic,
    crossingTopic,
    outputTopic,
    deadLetters,
    async start() {
      if (subscribed) return;
      const ensure = options.ensureTopics;
      if (ensure) await bus.admin.ensureTopics(topicsToEnsure(topics, outputTopic, ensure.partitions));
      const set = watchlists.current();
      const partner = partnerLists();
      subscribed = bus.subscribe({ groupId, topics, fromBeginning: true, autoCommit: false, handler });
      try {
        subscription = await subscribed;
      } catch (error) {
        subscribed = undefined;
        throw error;
      }
      const lists = set.lists.map((list) => list.listId);
      const partnerListIds = partner?.lists.map((list) => list.listId) ?? [];
      logger.info(
        {
          groupId,
          inputTopics: topics,
          outputTopic,
          lists,
          partnerLists: partnerListIds,
          entries: set.size,
          thresholds,
          // Which bilateral keys travellers' documents are hashed with (the id defaults to usmx-dev-1).
          hashKeyIds: documentHasher?.keyIds() ?? [],
        },
        'screening started',
      );
      if (!partner || !documentHasher) {
        // Said once: a configuration gap, not a per-crossing event.
        logger.warn(
          { partnerLists: partner !== undefined, documentHasher: documentHasher !== undefined },
          partner
            ? "no document hasher: the partner's hashed document numbers cannot match; travellers are matched to its lists by name only"
            : "no partner watchlists: travellers are screened against this country's own lists only",
        );
      }
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
