// What the traveller risk service does with each input record: decodes it (throwing on a bad one,
// which the input loop dead-letters, a crossing breaking the domain rules included) and buffers it
// to be joined: a crossing to wait for its screening result, a traveller's result for its crossing.
// A screening hit for a crossing already assessed without screening is kept as a late hit, to be
// superseded; other records already assessed, and screening results of cargo parties, are dropped.
import { decodeChecked } from '@puente/bus';
import type { ConsumedRecord } from '@puente/bus';
import { AvroError, describeDomainProblems, travellerCrossingProblems } from '@puente/contracts';
import type { AvroCodec, ScreeningResult, TravellerCrossing } from '@puente/contracts';
import type { Logger } from '@puente/runtime';

import type { Position } from './position.js';
import type { TravellerJoinBuffer } from './traveller-join-buffer.js';
import type { TravellerLateHits } from './traveller-late-hits.js';
import type { TravellerLedger } from './traveller-ledger.js';
import type { TravellerRiskTopics } from './traveller-topics.js';

export interface TravellerIntakeOptions {
  readonly codec: AvroCodec;
  readonly topics: Pick<TravellerRiskTopics, 'crossingTopic' | 'resultTopic'>;
  readonly buffer: TravellerJoinBuffer;
  readonly lateHits: TravellerLateHits;
  readonly ledger: TravellerLedger;
  readonly logger: Logger;
}

export class TravellerIntake {
  private alreadyAssessedCount = 0;

  constructor(private readonly options: TravellerIntakeOptions) {}

  /** Crossings read that were assessed before (re-read after a restart or a rebalance). */
  get alreadyAssessed(): number {
    return this.alreadyAssessedCount;
  }

  /** Takes one record of an input topic; throws when its value cannot be decoded or is invalid. */
  accept(topic: string, value: Buffer, record: ConsumedRecord, position: Position): void {
    const { codec, topics } = this.options;
    if (topic === topics.crossingTopic) {
      this.onCrossing(decodeChecked(codec, topics.crossingTopic, value), record, position);
    } else {
      this.onResult(decodeChecked(codec, topics.resultTopic, value), record, position);
    }
  }

  private onCrossing(crossing: TravellerCrossing, record: ConsumedRecord, position: Position): void {
    const problems = travellerCrossingProblems(crossing);
    if (problems.length > 0) {
      // The same class as a schema violation: the record's fault, set aside with every problem named.
      throw new AvroError({
        code: 'SCHEMA_VALIDATION',
        message: `${this.options.topics.crossingTopic}: ${describeDomainProblems(problems)}`,
      });
    }
    if (this.options.ledger.isAssessed(crossing.meta.eventId)) {
      this.alreadyAssessedCount += 1;
      return;
    }
    this.options.buffer.addCrossing(crossing, record, position);
  }

  private onResult(result: ScreeningResult, record: ConsumedRecord, position: Position): void {
    const crossingId = result.crossingReference;
    if (crossingId === null) return; // a cargo party's result: the cargo service's
    const { logger, ledger, lateHits } = this.options;
    const crossingEventId = result.meta.correlationId;
    if (crossingEventId && ledger.isAssessed(crossingEventId)) {
      if (result.outcome === 'CLEAR') return;
      if (ledger.unscreenedAssessmentOf(crossingEventId)) {
        // Assessed without screening when the join gave up waiting: the hit supersedes that assessment.
        lateHits.add({ crossingEventId, result, record, pin: position });
        return;
      }
      logger.warn(
        { screeningId: result.screeningId, outcome: result.outcome },
        'screening match arrived after its crossing was assessed with a screening result or superseded',
      );
      return;
    }
    this.options.buffer.addResult(crossingId, result, position);
  }
}
