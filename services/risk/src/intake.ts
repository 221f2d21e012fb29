// What the service does with each input record: decodes it (throwing on a bad one, which the input
// loop dead-letters) and buffers it to be joined, a manifest to wait for its parties' screening
// results and a result for its manifest; unless the manifest is assessed already, then it is dropped,
// as are the results of travellers screened at a crossing (the traveller risk service's).
import { decodeChecked } from '@puente/bus';
import type { ConsumedRecord } from '@puente/bus';
import type { AvroCodec, CargoManifest, ScreeningResult } from '@puente/contracts';
import type { Logger } from '@puente/runtime';

import type { AssessmentLedger } from './assessment-ledger.js';
import { joinKeyOfResult, type JoinBuffer } from './join-buffer.js';
import type { Position } from './position.js';
import { roleOfScreening } from './risk-rules.js';
import type { RiskTopics } from './topics.js';

export interface IntakeOptions {
  readonly codec: AvroCodec;
  readonly topics: Pick<RiskTopics, 'manifestTopic' | 'resultTopic'>;
  readonly buffer: JoinBuffer;
  readonly ledger: AssessmentLedger;
  readonly logger: Logger;
}

export class Intake {
  private alreadyAssessedCount = 0;

  constructor(private readonly options: IntakeOptions) {}

  /** Manifests read that were assessed before (re-read after a restart or a rebalance). */
  get alreadyAssessed(): number {
    return this.alreadyAssessedCount;
  }

  /** Takes one record of an input topic; throws when its value cannot be decoded or is invalid. */
  accept(topic: string, value: Buffer, record: ConsumedRecord, position: Position): void {
    const { codec, topics } = this.options;
    if (topic === topics.manifestTopic) {
      this.onManifest(decodeChecked(codec, topics.manifestTopic, value), record, position);
    } else {
      this.onResult(decodeChecked(codec, topics.resultTopic, value), record.key, position);
    }
  }

  private onManifest(manifest: CargoManifest, record: ConsumedRecord, position: Position): void {
    if (this.options.ledger.isAssessed(manifest.meta.eventId)) {
      this.alreadyAssessedCount += 1;
      return;
    }
    this.options.buffer.addManifest(manifest, record, position);
  }

  private onResult(result: ScreeningResult, key: string | null, position: Position): void {
    // A traveller screened at a crossing is the traveller risk service's; buffered here it would
    // wait as an orphan for the orphan timeout and pin its partition's offset all that while.
    if (result.crossingReference !== null) return;
    const { logger, ledger } = this.options;
    const role = roleOfScreening(result);
    if (!role) {
      logger.warn({ screeningId: result.screeningId }, 'screening result names no party role; skipped');
      return;
    }
    const manifestEventId = result.meta.correlationId;
    if (manifestEventId && ledger.isAssessed(manifestEventId)) {
      if (result.outcome !== 'CLEAR') {
        logger.warn(
          { screeningId: result.screeningId, outcome: result.outcome },
          'screening match arrived after its manifest was assessed',
        );
      }
      return;
    }
    this.options.buffer.addResult(joinKeyOfResult(result, key), role, result, position);
  }
}
