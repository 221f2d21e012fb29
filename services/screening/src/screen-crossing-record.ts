// Screening one consumed traveller-crossing record: decode it, check the domain rules Avro cannot
// state, screen the traveller, encode its one result, count it and log a hit (ids and scores
// only). Throws when the crossing cannot be screened, so the caller dead-letters it with the reason.
import { type BusRecord, type ConsumedRecord, decodeChecked } from '@puente/bus';
import {
  describeDomainProblems,
  travellerCrossingProblems,
  type AvroCodec,
  type TravellerCrossing,
} from '@puente/contracts';
import { type Country, type Logger, PuenteError } from '@puente/runtime';

import { crossingScreeningResult } from './crossing-result.js';
import type { MatchThresholds } from './name-matching.js';
import { resultRecord } from './result-events.js';
import type { RecordScreener, ScreeningCounters } from './screen-record.js';

/** A crossing that decodes but breaks the domain rules: the record's fault, so it is dead-lettered. */
export class CrossingRejectedError extends PuenteError<'CROSSING_BREAKS_DOMAIN_RULES'> {
  override readonly name = 'CrossingRejectedError';
  constructor(message: string) {
    super({ code: 'CROSSING_BREAKS_DOMAIN_RULES', message, retriable: false });
  }
}

export interface CrossingScreenerOptions {
  readonly codec: AvroCodec;
  readonly country: Country;
  readonly crossingTopic: string;
  readonly outputTopic: string;
  readonly thresholds: MatchThresholds;
  readonly logger: Logger;
  readonly stats: ScreeningCounters;
}

export function createCrossingScreener(options: CrossingScreenerOptions): RecordScreener {
  const { codec, country, crossingTopic, outputTopic, thresholds, logger, stats } = options;
  return (record: ConsumedRecord, lists, at): BusRecord[] => {
    if (!record.value) {
      stats.skipped++;
      logger.warn(
        { topic: record.topic, partition: record.partition, offset: record.offset },
        'skipped a record without a value',
      );
      return [];
    }
    const crossing = decodeChecked(codec, crossingTopic, record.value) as TravellerCrossing;
    const problems = travellerCrossingProblems(crossing);
    // The dead letter's reason is the problems themselves, each naming its field path.
    if (problems.length > 0) throw new CrossingRejectedError(describeDomainProblems(problems));
    const result = crossingScreeningResult(crossing, lists, { country, thresholds, at });
    const encoded = resultRecord(crossing.crossingId, result, { codec, outputTopic, country });
    stats.crossings++;
    stats.results++;
    if (result.outcome !== 'CLEAR') {
      stats.travellerHits++;
      // Ids and scores only: a traveller's name and document numbers are personal data.
      logger.info(
        {
          crossingId: crossing.crossingId,
          screeningId: result.screeningId,
          outcome: result.outcome,
          score: result.score,
          listId: result.matchedEntry?.listId,
          entryId: result.matchedEntry?.entryId,
          matchedOn: result.matchedEntry?.matchedOn,
        },
        'watchlist hit at a crossing',
      );
    }
    return [encoded];
  };
}
