// The output side: assesses the manifests that are ready, publishes their assessments in one
// produce call and lets the join buffer go of them. A publish that failed may still have landed,
// so the next one first reads the output topic's tail and drops what it finds assessed there.
import type { Bus, DeadLetters } from '@puente/bus';
import type { AvroCodec, Lane, RiskAssessment, TrustedTraderMembership } from '@puente/contracts';
import type { Logger } from '@puente/runtime';

import type { AssessmentLedger } from './assessment-ledger.js';
import { assessmentRecord, buildScoredAssessment, type AssessmentContext } from './assessment-record.js';
import { shipperDigest } from './ids.js';
import type { JoinBuffer, PendingManifest } from './join-buffer.js';
import type { OutputCatchUp } from './output-catch-up.js';
import { organizationKey } from './risk-rules.js';
import type { RiskTopics } from './topics.js';

export interface AssessmentPublisherOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly outputTopic: RiskTopics['outputTopic'];
  readonly context: AssessmentContext;
  readonly buffer: JoinBuffer;
  readonly ledger: AssessmentLedger;
  readonly catchUp: Pick<OutputCatchUp, 'run'>;
  readonly deadLetters: DeadLetters;
  readonly logger: Logger;
  readonly now: () => number;
  readonly onAssessment?: ((assessment: RiskAssessment) => void) | undefined;
}

interface Built {
  readonly pending: PendingManifest;
  readonly shipper: string;
  readonly assessment: RiskAssessment;
  readonly fastMembership: TrustedTraderMembership | undefined;
  readonly value: Buffer;
}

export class AssessmentPublisher {
  private resyncNeeded = false;
  private publishedCount = 0;
  private readonly laneCounts: Record<Lane, number> = { EXPEDITED: 0, STANDARD: 0, SECONDARY_INSPECTION: 0, HOLD: 0 };

  constructor(private readonly options: AssessmentPublisherOptions) {}

  /** Assessments published by this service since it was made. */
  get published(): number {
    return this.publishedCount;
  }

  /** Of those, how many recommended each lane. */
  lanes(): Readonly<Record<Lane, number>> {
    return { ...this.laneCounts };
  }

  /** Assesses and publishes the given manifests in one produce call, then frees their buffer. */
  async publish(ready: readonly PendingManifest[]): Promise<void> {
    if (ready.length === 0) return;
    if (this.resyncNeeded) {
      ready = await this.resync(ready);
      if (ready.length === 0) return;
    }
    const built = await this.build(ready);
    if (built.length === 0) return;
    await this.send(built);
    for (const made of built) this.announce(made);
  }

  /** Learns the output topic's tail; returns the manifests still to assess and lets go of those found assessed. */
  private async resync(ready: readonly PendingManifest[]): Promise<PendingManifest[]> {
    const { buffer, ledger } = this.options;
    await this.options.catchUp.run();
    this.resyncNeeded = false;
    const left = ready.filter((p) => !ledger.isAssessed(p.manifest.meta.eventId));
    for (const p of buffer.pending()) if (ledger.isAssessed(p.manifest.meta.eventId)) buffer.finish(p);
    return left;
  }

  /** Builds and encodes each assessment; a manifest that cannot be assessed is set aside with its results, not retried forever. */
  private async build(ready: readonly PendingManifest[]): Promise<Built[]> {
    const { buffer, ledger, context, codec, outputTopic, now } = this.options;
    const built: Built[] = [];
    for (const p of ready) {
      const made = await this.options.deadLetters.guard(p.record, () => {
        const shipper = shipperDigest(organizationKey(p.manifest.consignor));
        const results = buffer.resultsFor(p.manifest);
        const shipperHistory = ledger.historyOf(shipper);
        const input = { manifest: p.manifest, results, shipperHistory, at: now() };
        const { assessment, fastMembership } = buildScoredAssessment(input, context);
        return { pending: p, shipper, assessment, fastMembership, value: codec.encode(outputTopic, assessment) };
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
        built.map(({ assessment, shipper, value, fastMembership }) =>
          assessmentRecord(assessment, { value, shipper, fastMembership }, context),
        ),
      );
    } catch (err) {
      this.resyncNeeded = true;
      throw err;
    }
  }

  /** After the publish landed: records the assessment, frees its manifest, counts it and tells the listener. */
  private announce({ pending, shipper, assessment }: Built): void {
    const { ledger, buffer, logger, onAssessment } = this.options;
    ledger.record(assessment, shipper);
    buffer.finish(pending);
    this.publishedCount += 1;
    this.laneCounts[assessment.recommendedLane] += 1;
    logger.info(
      {
        manifestId: assessment.subject.entityId,
        assessmentId: assessment.assessmentId,
        level: assessment.level,
        score: assessment.score,
        lane: assessment.recommendedLane,
        factors: assessment.factors.map((f) => f.code),
      },
      'assessed',
    );
    try {
      onAssessment?.(assessment);
    } catch (err) {
      logger.warn({ err }, 'onAssessment listener failed');
    }
  }
}
