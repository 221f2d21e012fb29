// The traveller output side: assesses the crossings that are ready and the registry gate admits,
// publishes their assessments in one produce call and lets the join buffer go of them; and publishes
// the assessments superseding those made without screening when a screening hit came late. A publish
// that failed may still have landed, so the next one first reads the output topic's tail and drops
// what it finds done there.
import type { Bus, DeadLetters } from '@puente/bus';
import type { AvroCodec, PortLane, RiskAssessment } from '@puente/contracts';
import type { Logger } from '@puente/runtime';

import type { OutputCatchUp } from './output-catch-up.js';
import {
  buildSupersedingTravellerAssessment,
  buildTravellerAssessment,
  travellerAssessmentRecord,
  type TravellerAssessmentContext,
} from './traveller-assessment-record.js';
import type { PendingCrossing, TravellerJoinBuffer } from './traveller-join-buffer.js';
import type { LateHit, TravellerLateHits } from './traveller-late-hits.js';
import type { TravellerLedger } from './traveller-ledger.js';
import type { TravellerRegistryGate } from './traveller-registry-gate.js';
import type { TravellerRiskTopics } from './traveller-topics.js';

export interface TravellerPublisherOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly outputTopic: TravellerRiskTopics['outputTopic'];
  readonly context: TravellerAssessmentContext;
  readonly buffer: TravellerJoinBuffer;
  readonly lateHits: TravellerLateHits;
  readonly ledger: TravellerLedger;
  readonly catchUp: Pick<OutputCatchUp, 'run'>;
  /** Says which crossings the trusted-traveller registry is current for. */
  readonly gate: Pick<TravellerRegistryGate, 'admit'>;
  readonly deadLetters: DeadLetters;
  readonly logger: Logger;
  readonly now: () => number;
  readonly onAssessment?: ((assessment: RiskAssessment) => void) | undefined;
}

interface Built {
  readonly assessment: RiskAssessment;
  readonly value: Buffer;
  /** Lets go of the input it was made of, once published. */
  readonly done: () => void;
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
  private supersededCount = 0;
  private readonly laneCounts = Object.fromEntries(PORT_LANES.map((l) => [l, 0])) as Record<PortLane, number>;

  constructor(private readonly options: TravellerPublisherOptions) {}

  /** Assessments published by this service since it was made. */
  get published(): number {
    return this.publishedCount;
  }

  /** Of those, how many superseded an assessment made without screening. */
  get superseded(): number {
    return this.supersededCount;
  }

  /** Of those, how many gave each port lane. */
  lanes(): Readonly<Record<PortLane, number>> {
    return { ...this.laneCounts };
  }

  /**
   * Assesses and publishes, in one produce call, the given crossings the registry is current for,
   * then frees their buffer; the others stay buffered for a later call.
   */
  async publish(ready: readonly PendingCrossing[]): Promise<void> {
    if (ready.length === 0) return;
    await this.resyncIfNeeded();
    const { ledger, gate } = this.options;
    const admitted = await gate.admit(ready.filter((p) => !ledger.isAssessed(p.crossing.meta.eventId)));
    const built = await this.build(admitted);
    await this.send(built);
  }

  /** Publishes the assessment superseding each late hit's crossing assessment, once. */
  async publishLateHits(hits: readonly LateHit[]): Promise<void> {
    if (hits.length === 0) return;
    await this.resyncIfNeeded();
    const { ledger, lateHits, deadLetters, context, codec, outputTopic, now } = this.options;
    const built: Built[] = [];
    for (const hit of hits) {
      const earlier = ledger.unscreenedAssessmentOf(hit.crossingEventId);
      if (!earlier) {
        // Superseded already: by an earlier hit for the same crossing, or before a restart.
        lateHits.finish(hit);
        continue;
      }
      const made = await deadLetters.guard(hit.record, () => {
        const assessment = buildSupersedingTravellerAssessment(earlier, hit.result, now(), context);
        return { assessment, value: codec.encode(outputTopic, assessment), done: () => lateHits.finish(hit) };
      });
      if (made) built.push(made);
      else lateHits.finish(hit);
    }
    await this.send(oncePerSuperseded(built));
  }

  /** After a publish that failed: learns the output topic's tail and lets go of the crossings found assessed. */
  private async resyncIfNeeded(): Promise<void> {
    if (!this.resyncNeeded) return;
    const { buffer, ledger } = this.options;
    await this.options.catchUp.run();
    this.resyncNeeded = false;
    for (const p of buffer.pending()) if (ledger.isAssessed(p.crossing.meta.eventId)) buffer.finish(p);
  }

  /** Builds and encodes each assessment; a crossing that cannot be assessed is dead-lettered, not retried forever. */
  private async build(ready: readonly PendingCrossing[]): Promise<Built[]> {
    const { buffer, context, codec, outputTopic, now } = this.options;
    const built: Built[] = [];
    for (const p of ready) {
      const made = await this.options.deadLetters.guard(p.record, () => {
        const assessment = buildTravellerAssessment(p.crossing, buffer.resultFor(p.crossing), now(), context);
        return { assessment, value: codec.encode(outputTopic, assessment), done: () => buffer.finish(p) };
      });
      if (made) built.push(made);
      else buffer.finish(p);
    }
    return built;
  }

  /** Publishes in one produce call, then records, frees, counts and announces each. */
  private async send(built: readonly Built[]): Promise<void> {
    if (built.length === 0) return;
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
    for (const made of built) this.announce(made);
  }

  /** After the publish landed: records the assessment, frees its input, counts it and tells the listener. */
  private announce({ assessment, done }: Built): void {
    const { ledger, logger, onAssessment } = this.options;
    ledger.record(assessment, undefined);
    done();
    this.publishedCount += 1;
    if (assessment.meta.supersedes !== null) this.supersededCount += 1;
    this.laneCounts[assessment.portLane ?? 'OTHER'] += 1;
    logger.info(
      {
        crossingId: assessment.subject.entityId,
        assessmentId: assessment.assessmentId,
        level: assessment.level,
        score: assessment.score,
        portLane: assessment.portLane,
        factors: assessment.factors.map((f) => f.code),
        supersedes: assessment.meta.supersedes,
      },
      assessment.meta.supersedes === null ? 'traveller assessed' : 'traveller reassessed after a late screening hit',
    );
    try {
      onAssessment?.(assessment);
    } catch (err) {
      logger.warn({ err }, 'onAssessment listener failed');
    }
  }
}

/**
 * One superseding assessment per earlier one: two hits for the same crossing in one call (a potential
 * and a confirmed match, say) would otherwise both supersede it. The others wait: once the first is
 * published, the crossing is no longer unscreened and they are let go.
 */
function oncePerSuperseded(built: readonly Built[]): Built[] {
  const seen = new Set<string>();
  return built.filter(({ assessment }) => {
    const earlier = assessment.meta.supersedes ?? '';
    if (seen.has(earlier)) return false;
    seen.add(earlier);
    return true;
  });
}
