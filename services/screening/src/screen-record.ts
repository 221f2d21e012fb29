// Screening one consumed manifest record: decode the manifest, build and encode its results,
// count them and log each watchlist hit (ids and scores only). Throws when the record cannot be
// screened, so the caller can dead-letter it. (Crossings: screen-crossing-record.ts.)
import { type BusRecord, type ConsumedRecord, decodeChecked } from '@puente/bus';
import type { AvroCodec, CargoManifest, ScreeningResult } from '@puente/contracts';
import type { Country, Logger } from '@puente/runtime';

import type { MatchThresholds } from './name-matching.js';
import { resultRecord, screeningResults } from './result-events.js';
import type { ListsInForce } from './screen-traveller.js';

export interface ScreeningStats {
  readonly manifests: number;
  /** Traveller crossings screened. */
  readonly crossings: number;
  readonly results: number;
  /** Manifest parties with a potential or confirmed match. */
  readonly hits: number;
  /** Crossings whose traveller had a potential or confirmed match. */
  readonly travellerHits: number;
  readonly skipped: number;
}

/** The service's running counts, written by the record screener and the batch handler. */
export type ScreeningCounters = { -readonly [K in keyof ScreeningStats]: ScreeningStats[K] };

export interface RecordScreenerOptions {
  readonly codec: AvroCodec;
  readonly country: Country;
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly thresholds: MatchThresholds;
  readonly logger: Logger;
  readonly stats: ScreeningCounters;
}

/** The result records of one consumed record, screened against the lists in force for its batch. */
export type RecordScreener = (record: ConsumedRecord, lists: ListsInForce, at: number) => BusRecord[];

function logHits(manifestId: string, results: readonly ScreeningResult[], options: RecordScreenerOptions): void {
  for (const result of results) {
    if (result.outcome === 'CLEAR') continue;
    options.stats.hits++;
    // Ids and scores only: names of parties are personal data and stay out of logs.
    options.logger.info(
      {
        manifestId,
        screeningId: result.screeningId,
        outcome: result.outcome,
        score: result.score,
        listId: result.matchedEntry?.listId,
        entryId: result.matchedEntry?.entryId,
      },
      'watchlist hit',
    );
  }
}

/**
 * The result records of one consumed record. Throws when it cannot be screened (undecodable,
 * or its results break their schema): the caller dead-letters it.
 */
export function createRecordScreener(options: RecordScreenerOptions): RecordScreener {
  const { codec, country, inputTopic, outputTopic, thresholds, logger, stats } = options;
  return (record, lists, at) => {
    if (!record.value) {
      stats.skipped++;
      logger.warn(
        { topic: record.topic, partition: record.partition, offset: record.offset },
        'skipped a record without a value',
      );
      return [];
    }
    const manifest = decodeChecked(codec, inputTopic, record.value) as CargoManifest;
    const results = screeningResults(manifest, lists.own, { country, thresholds, at });
    const records = results.map((result) => resultRecord(manifest.manifestId, result, { codec, outputTopic, country }));
    stats.manifests++;
    stats.results += results.length;
    logHits(manifest.manifestId, results, options);
    return records;
  };
}
