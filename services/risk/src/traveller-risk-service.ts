// The traveller risk service of one country: joins each traveller crossing with the traveller's
// screening result, confirms claimed trusted-traveller memberships against this country's own
// registry, and publishes exactly one RiskAssessment with a port lane per crossing event, even
// across crashes and restarts.
//
// State design, as the cargo service's (risk-service.ts), rebuilt from the topics:
// - Registry: <c>.trusted-travellers.v1 read to its end before the first crossing is assessed, then
//   followed by an ungrouped reader that never commits (trusted-traveller-follower), and caught up
//   again, at most once a second, before crossings buffered since the last catch-up are assessed
//   (traveller-registry-gate).
// - Input: its own consumer group over <c>.traveller-crossings.v1 and <c>.screening-results.v1 (the
//   cargo service ignores traveller results, this one cargo results); each partition is committed up
//   to its oldest record the join buffer still needs.
// - Output dedupe: the shared output topic is read to its end at start (output-catch-up) into the
//   ledger (traveller-ledger); ids derive from the crossing eventId. A screening hit that comes after
//   its crossing was assessed without screening supersedes that assessment once: the ledger knows
//   which assessments were made without screening and which are superseded.
// The generic rooms (input-loop, output-catch-up, assessment-ledger) are the cargo service's own.
import type { Bus, DeadLetters } from '@puente/bus';
import type { AvroCodec, PortLane, RiskAssessment } from '@puente/contracts';
import type { Country, Logger } from '@puente/runtime';
import { createDeadLetters, OffsetTracker } from '@puente/bus';
import { silentLogger } from '@puente/runtime';

import { RiskError } from './errors.js';
import { InputLoop } from './input-loop.js';
import { OutputCatchUp } from './output-catch-up.js';
import { TrustedTravellerFollower } from './trusted-traveller-follower.js';
import { TrustedTravellerRegistry } from './trusted-traveller-registry.js';
import { TravellerIntake } from './traveller-intake.js';
import { TravellerJoinBuffer } from './traveller-join-buffer.js';
import { TravellerLateHits } from './traveller-late-hits.js';
import { TravellerLedger } from './traveller-ledger.js';
import { TravellerPublisher } from './traveller-publisher.js';
import { TravellerRegistryGate } from './traveller-registry-gate.js';
import type { TravellerRules } from './traveller-rules.js';
import { travellerRiskTopicsOf } from './traveller-topics.js';

export interface TravellerRiskServiceOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly country: Country;
  readonly rules: TravellerRules;
  readonly logger?: Logger;
  /** Default `puente.risk-travellers.<country>`. */
  readonly groupId?: string;
  /** How long a crossing waits for its screening result before it is assessed without it. Default 30 s. */
  readonly joinTimeoutMs?: number;
  /** How long a screening result waits for its crossing before it is dropped. Default 10 min. */
  readonly orphanTimeoutMs?: number;
  /** How often timeouts are checked. Default 1 s. */
  readonly sweepIntervalMs?: number;
  /** Least time between two registry catch-ups (each asks the broker for the topic's offsets). Default 1 s. */
  readonly registryCatchUpIntervalMs?: number;
  /** Longest a read of the output or registry topic to its end may take. Default 120 s. */
  readonly catchUpTimeoutMs?: number;
  /** Where input records that cannot be assessed go; by default `dlq.<topic>` as `risk-travellers-<country>`. */
  readonly deadLetters?: DeadLetters;
  /** Told of every assessment published (e.g. for a live summary). */
  readonly onAssessment?: (assessment: RiskAssessment) => void;
  readonly now?: () => number;
}

export interface TravellerRiskServiceStats {
  readonly published: number;
  /** Of those published, assessments superseding one made without screening after a late hit. */
  readonly superseded: number;
  readonly alreadyAssessed: number;
  readonly pendingCrossings: number;
  readonly pendingResults: number;
  /** Memberships the registry has a status for. */
  readonly registryMemberships: number;
  readonly portLanes: Readonly<Record<PortLane, number>>;
}

export interface TravellerRiskService {
  readonly inputTopics: readonly string[];
  readonly registryTopic: string;
  readonly outputTopic: string;
  readonly deadLetters: DeadLetters;
  /** This country's trusted-traveller registry as last read. */
  readonly registry: TrustedTravellerRegistry;
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): TravellerRiskServiceStats;
}

export function createTravellerRiskService(options: TravellerRiskServiceOptions): TravellerRiskService {
  const { bus, codec, country, rules } = options;
  if (rules.country !== country) {
    throw new RiskError({
      code: 'INVALID_RULES',
      message: `traveller risk service for ${country} given traveller rules for ${rules.country}`,
    });
  }
  const c = country.toLowerCase();
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  const topics = travellerRiskTopicsOf(country);
  const { crossingTopic, resultTopic, registryTopic, outputTopic } = topics;
  const groupId = options.groupId ?? `puente.risk-travellers.${c}`;
  const joinTimeoutMs = options.joinTimeoutMs ?? 30_000;
  const orphanTimeoutMs = options.orphanTimeoutMs ?? 600_000;
  const timeoutMs = options.catchUpTimeoutMs ?? 120_000;
  const deadLetters = options.deadLetters ?? createDeadLetters({ bus, service: `risk-travellers-${c}`, logger });

  const offsets = new OffsetTracker();
  const buffer = new TravellerJoinBuffer(offsets, now);
  const lateHits = new TravellerLateHits(offsets);
  // Traveller assessments keep no history: the window only bounds the (unused) shipper history.
  const ledger = new TravellerLedger({ windowDays: 1, now });
  const catchUp = new OutputCatchUp({ bus, codec, outputTopic, ledger, logger, now, timeoutMs });
  const registry = new TrustedTravellerRegistry(country);
  const follower = new TrustedTravellerFollower({ bus, codec, topic: registryTopic, registry, logger, now, timeoutMs });
  const gate = new TravellerRegistryGate({
    registry: follower,
    buffer,
    now,
    minIntervalMs: options.registryCatchUpIntervalMs ?? 1_000,
  });
  const publisher = new TravellerPublisher({
    bus,
    codec,
    outputTopic,
    context: { country, rules, registry, crossingTopic },
    buffer,
    lateHits,
    ledger,
    catchUp,
    gate,
    deadLetters,
    logger,
    now,
    // Read at each call: the listener may be set after creation.
    onAssessment: (assessment) => options.onAssessment?.(assessment),
  });
  const intake = new TravellerIntake({ codec, topics, buffer, lateHits, ledger, logger });
  const sweep = async () => {
    const t = now();
    for (const p of buffer.overdue(t, joinTimeoutMs)) {
      if (!buffer.resultFor(p.crossing))
        logger.warn({ crossingId: p.crossing.crossingId }, 'no screening result at join timeout');
    }
    // Complete crossings too: those the registry gate held back at the last batch.
    await publisher.publish(buffer.ready(t, joinTimeoutMs));
    await publisher.publishLateHits(lateHits.pending());
    for (const screeningId of buffer.dropOrphans(t, orphanTimeoutMs)) {
      logger.warn({ screeningId }, 'orphan traveller screening result dropped');
    }
  };
  const loop = new InputLoop({
    bus,
    groupId,
    topics: [crossingTopic, resultTopic],
    offsets,
    deadLetters,
    logger,
    sweepIntervalMs: options.sweepIntervalMs ?? 1_000,
    handlers: {
      accept: (topic, value, record, position) => intake.accept(topic, value, record, position),
      afterBatch: async () => {
        await publisher.publish(buffer.complete());
        await publisher.publishLateHits(lateHits.pending());
      },
      sweep,
      retain: (partitions) => {
        buffer.retain(partitions);
        lateHits.retain(partitions);
      },
      clear: () => {
        buffer.clear();
        lateHits.clear();
      },
    },
  });
  let running = false;

  return {
    inputTopics: [crossingTopic, resultTopic],
    registryTopic,
    outputTopic,
    deadLetters,
    registry,
    async start() {
      if (running) return;
      running = true;
      try {
        await catchUp.run();
        await follower.start();
        gate.caughtUp();
        logger.info(
          { outputTopic, assessed: ledger.assessedCount, registryTopic, memberships: registry.size },
          'learned earlier assessments and the trusted-traveller registry',
        );
        await loop.start();
      } catch (err) {
        running = false;
        await follower.stop();
        throw err;
      }
      logger.info({ groupId, topics: [crossingTopic, resultTopic], outputTopic }, 'traveller risk service started');
    },
    async stop() {
      if (!running) return;
      running = false;
      await loop.stop();
      await follower.stop();
      logger.info(
        { published: publisher.published, alreadyAssessed: intake.alreadyAssessed },
        'traveller risk service stopped',
      );
    },
    stats() {
      return {
        published: publisher.published,
        superseded: publisher.superseded,
        alreadyAssessed: intake.alreadyAssessed,
        pendingCrossings: buffer.pendingCrossings,
        pendingResults: buffer.pendingResults,
        registryMemberships: registry.size,
        portLanes: publisher.lanes(),
      };
    },
  };
}
