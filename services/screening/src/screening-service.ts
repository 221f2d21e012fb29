// The screening service: consumes one country's cargo manifests, screens every party
// (consignor, consignee, carrier, driver) against the watchlists in force, and publishes one
// ScreeningResult per party, keyed by manifest id. Offsets are committed only after a batch's
// results are acknowledged (at least once); result ids are derived from the manifest's eventId
// and the party's role, so a redelivered manifest yields the same ids and partners can dedupe.
// The pieces live beside it: parties.ts, screen-party.ts, result-events.ts, screen-record.ts,
// batch-handler.ts; this file wires them and owns the subscription.
import { type Bus, createDeadLetters, type DeadLetters, type Subscription } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import { type Country, type Logger, silentLogger } from '@puente/runtime';

import { createBatchHandler } from './batch-handler.js';
import { DEFAULT_THRESHOLDS, type MatchThresholds } from './name-matching.js';
import { validateThresholds } from './screen-party.js';
import { createRecordScreener, type ScreeningCounters, type ScreeningStats } from './screen-record.js';
import { manifestTopicOf, resultTopicOf, topicsToEnsure } from './topics.js';
import type { WatchlistSource } from './watchlists.js';

export { PARTY_ROLES, type PartyRole } from './parties.js';
export { screenParty, type PartyScreening } from './screen-party.js';
export { screeningEventId, uuidV5 } from './result-ids.js';
export { manifestTopicOf, resultTopicOf } from './topics.js';
export type { ScreeningStats } from './screen-record.js';

/** The countries screening runs for: every party to the agreement (kept as a name for callers). */
export type ScreeningCountry = Country;

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

export interface ScreeningService {
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly deadLetters: DeadLetters;
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): ScreeningStats;
}

export function createScreeningService(options: ScreeningServiceOptions): ScreeningService {
  const { bus, codec, country, watchlists } = options;
  const logger = options.logger ?? silentLogger();
  const thresholds = validateThresholds(options.thresholds ?? DEFAULT_THRESHOLDS);
  const groupId = options.groupId ?? `puente.screening.${country.toLowerCase()}`;
  const inputTopic = manifestTopicOf(country);
  const outputTopic = resultTopicOf(country);
  const deadLetters =
    options.deadLetters ?? createDeadLetters({ bus, service: `screening-${country.toLowerCase()}`, logger });
  let subscription: Subscription | undefined;
  // The bus may hand over a batch before subscribe() resolves; the handler waits for the handle.
  let subscribed: Promise<Subscription> | undefined;
  const stats: ScreeningCounters = { manifests: 0, results: 0, hits: 0, skipped: 0 };
  const screenRecord = createRecordScreener({ codec, country, inputTopic, outputTopic, thresholds, logger, stats });
  const handler = createBatchHandler({
    bus,
    outputTopic,
    watchlists,
    deadLetters,
    screenRecord,
    stats,
    logger,
    now: options.now ?? Date.now,
    subscription: () => subscribed,
  });

  return {
    inputTopic,
    outputTopic,
    deadLetters,
    async start() {
      if (subscribed) return;
      const ensure = options.ensureTopics;
      if (ensure) await bus.admin.ensureTopics(topicsToEnsure(inputTopic, outputTopic, ensure.partitions));
      const set = watchlists.current();
      subscribed = bus.subscribe({ groupId, topics: [inputTopic], fromBeginning: true, autoCommit: false, handler });
      try {
        subscription = await subscribed;
      } catch (error) {
        subscribed = undefined;
        throw error;
      }
      const lists = set.lists.map((list) => list.listId);
      logger.info({ groupId, inputTopic, outputTopic, lists, entries: set.size, thresholds }, 'screening started');
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
