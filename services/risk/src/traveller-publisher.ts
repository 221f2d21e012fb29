// The traveller output side: brings the trusted-traveller registry up to date, assesses the
// crossings that are ready, publishes their assessments in one produce call and lets the join
// buffer go of them. A publish that failed may still have landed, so the next one first reads the
// output topic's tail and drops what it finds assessed there.
import type { Bus, DeadLetters } from '@puente/bus';
import type { AvroCodec, PortLane, RiskAssessment } from '@puente/contracts';
import type { Logger } from '@puente/runtime';

import type { AssessmentLedger } from './assessment-ledger.js';
import type { OutputCatchUp } from './output-catch-up.js';
import type { TrustedTravellerFollower } from './trusted-traveller-follower.js';
import {
  buildTravellerAssessment,
  travellerAssessmentRecord,
  type TravellerAssessmentContext,
} from './traveller-assessment-record.js';
import type { PendingCrossing, TravellerJoinBuffer } from './traveller-join-buffer.js';
import type { TravellerRiskTopics } from './traveller-topics.js';

export interface TravellerPublisherOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly outputTopic: TravellerRiskTopics['outputTopic'];
  readonly context: TravellerAssessmentContext;
  readonly buffer: TravellerJoinBuffer;
  readonly ledger: AssessmentLedger;
  readonly catchUp: Pick<OutputCatchUp, 'run'>;
  readonly registry: Pick<TrustedTravellerFollower, 'catchUp'>;
  readonly deadLetters: DeadLetters;
  readonly logger: Logger;
  readonly now: () => number;
  readonly onAssessment?: ((assessment: RiskAssessment) => void) | undefined;
}

interface Built {
  readonly pending: PendingCrossing;
  readonly assessment: RiskAssessment;
  readonly value: Buffer;
}

export const PORT_LANES = [
  'TRUSTED_TRAVELLER',
  'READY_LANE',
  'FAST',
  'GENERAL',
  'SECONDARY_INSPECTION',
  'OTHER',
] as const satisfies readonly PortLane[];

export class TravellerPublisher {
  private resyncNeeded = false;
  private publishedCount = 0;
  private readonly laneCounts = Object.fromEntries(PORT_LANES.map((l) => [l, 0])) as Record<PortLane, number>;

  constructor(private readonly options: TravellerPublisherOptions) {}

  /** Assessments published by this service since it was made. */
  get published(): number {
    return this.publishedCount;
  }

  /** Of those, how many gave each port lane. */
  lanes(): Readonly<Record<PortLane, number>> {
    return { ...this.laneCounts };
  }

  /** Assesses and publishes the given crossings in one produce call, then frees their buffer. */
  async publish(ready: readonly PendingCrossing[]): Promise<void> {
    if (ready.length === 0) return;
    if (this.resyncNeeded) {
      ready = await this.resync(ready);
      if (ready.length === 0) return;
    }
    // A status the registry published before now (a suspension, say) must count for these crossings.
    await this.options.registry.catchUp();
    const built = await this.build(ready);
    if (built.length === 0) return;
    await this.send(built);
    for (const made of built) this.announce(made);
  }

  /** Learns the output topic's tail; returns the crossings still to assess and lets go of those found assessed. */
  private async resync(ready: readonly PendingCrossing[]): Promise<PendingCrossing[]> {
    const { buffer, ledger } = this.options;
    await this.options.catchUp.run();
    this.resyncNeeded = false;
    const left = ready.filter((p) => !ledger.isAssessed(p.crossing.meta.eventId));
    for (const p of buffer.pending()) if (ledger.isAssessed(p.crossing.meta.eventId)) buffer.finish(p);
    return left;
  }

  /** Builds and encodes each assessment; a crossing that cannot be assessed is dead-lettered, not retried forever. */
  private async build(ready: readonly PendingCrossing[]): Promise<Built[]> {
    const { buffer, context, codec, outputTopic, now } = this.options;
    const built: Built[] = [];
    for (const p of ready) {
      const made = await this.options.deadLetters.guard(p.record, () => {
        const assessment = buildTravellerAssessment(p.crossing, buffer.resultFor(p.crossing), now(), context);
        return { pending: p, assessment, value: codec.encode(outputTopic, assessment) };
      });
      if (made) built.push(made);
      else buffer.finish(p);
    }
    return built;
  }

  private async send(built: readonly Built[]): Promise<void> {
    const { bus, outputTopic, context } = this.options;
    try {
      await bus.publish(
        outputTopic,
        built.map(({ assessment, value }) => travellerAssessmentRecord(assessment, value, context)),
      );
    } catch (err) {
      this.resyncNeeded = true;
      throw err;
    }
  }

  /** After the publish landed: records the assessment, frees its crossing, counts it and tells the listener. */
  private announce({ pending, assessment }: Built): void {
    const { ledger, buffer, logger, onAssessment } = this.options;
    ledger.record(assessment, undefined);
    buffer.finish(pending);
    this.publishedCount += 1;
    this.laneCounts[assessment.portLane ?? 'OTHER'] += 1;
    logger.info(
      {
        crossingId: assessment.subject.entityId,
        assessmentId: assessment.assessmentId,
        level: assessment.level,
        score: assessment.score,
        portLane: assessment.portLane,
        factors: assessment.factors.map((f) => f.code),
      },
      'traveller assessed',
    );
    try {
      onAssessment?.(assessment);
    } catch (err) {
      logger.warn({ err }, 'onAssessment listener failed');
    }
  }
}
