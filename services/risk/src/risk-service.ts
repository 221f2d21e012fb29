// The risk service of one country: joins each cargo manifest with the screening result of every
// party, scores it with the country's rules and publishes exactly one RiskAssessment per manifest
// event, even across crashes and restarts.
//
// State design — rebuilt from the topics, no state store:
// - Input: one consumer group over <c>.cargo-manifests.v1 and <c>.screening-results.v1. The join
//   buffer lives in memory; each partition's committed offset is the offset of its oldest record
//   still needed by the buffer (a manifest not yet assessed, or a result whose manifest is not), so
//   a restarted service re-reads exactly what it had not finished and rebuilds the buffer.
// - Output dedupe: before consuming, the service reads its own output topic to its end and learns
//   every manifest eventId already assessed (subject.eventId), plus the consignor history (HIGH and
//   CRITICAL assessments, by a hashed consignor key in a header). Re-read inputs whose manifest is
//   already assessed are dropped. Assessment ids and eventIds are derived from the manifest eventId.
//
// The rooms, each in its own file: input-loop (subscription, batches, dead letters, commits, one
// thing at a time), intake (each input record into the join buffer), join-buffer (what waits to
// be joined, pinning its offsets), assessment-publisher (assess, publish, resync after a failed
// publish), output-catch-up (reading the output topic into the assessment-ledger). This file only
// fills in the defaults and wires them.
import type { Bus, DeadLetters } from '@puente/bus';
import type { AvroCodec, Lane, RiskAssessment } from '@puente/contracts';
import type { Country, Logger } from '@puente/runtime';
import { createDeadLetters, OffsetTracker } from '@puente/bus';
import { silentLogger } from '@puente/runtime';

import { AssessmentLedger } from './assessment-ledger.js';
import { AssessmentPublisher } from './assessment-publisher.js';
import { RiskError } from './errors.js';
import { InputLoop, type InputHandlers } from './input-loop.js';
import { Intake } from './intake.js';
import { JoinBuffer } from './join-buffer.js';
import { OutputCatchUp } from './output-catch-up.js';
import type { RiskRules } from './risk-rules.js';
import { riskTopicsOf, type RiskTopics } from './topics.js';
import type { TrustedShipperRegistry } from './trusted-shippers.js';

export { SHIPPER_HEADER } from './assessment-record.js';

export interface RiskServiceOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly country: Country;
  readonly rules: RiskRules;
  readonly trustedShippers: TrustedShipperRegistry;
  readonly logger?: Logger;
  /** Default `puente.risk.<country>`. */
  readonly groupId?: string;
  /** How long a manifest waits for its screening results before it is assessed without them. Default 120 s. */
  readonly joinTimeoutMs?: number;
  /** How long a screening result waits for its manifest before it is dropped. Default 10 min. */
  readonly orphanTimeoutMs?: number;
  /** How often timeouts are checked. Default 1 s. */
  readonly sweepIntervalMs?: number;
  /** Longest the start-up read of the output topic may take. Default 120 s. */
  readonly catchUpTimeoutMs?: number;
  /** Where input records that cannot be assessed go; by default `dlq.<topic>` as `risk-<country>`. */
  readonly deadLetters?: DeadLetters;
  /** Told of every assessment published (e.g. for a live summary). */
  readonly onAssessment?: (assessment: RiskAssessment) => void;
  readonly now?: () => number;
}

export interface RiskServiceStats {
  readonly published: number;
  readonly alreadyAssessed: number;
  readonly pendingManifests: number;
  readonly pendingResults: number;
  readonly lanes: Readonly<Record<Lane, number>>;
}

export interface RiskService {
  readonly inputTopics: readonly string[];
  readonly outputTopic: string;
  readonly deadLetters: DeadLetters;
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): RiskServiceStats;
}

/** The options with their defaults filled in. */
interface Settings {
  readonly logger: Logger;
  readonly now: () => number;
  readonly topics: RiskTopics;
  readonly groupId: string;
  readonly joinTimeoutMs: number;
  readonly orphanTimeoutMs: number;
  readonly sweepIntervalMs: number;
  readonly catchUpTimeoutMs: number;
  readonly deadLetters: DeadLetters;
}

/** Fills in the defaults; throws when the rules or the registry are another country's. */
function settingsOf(options: RiskServiceOptions): Settings {
  const { bus, country, rules, trustedShippers } = options;
  const logger = options.logger ?? silentLogger();
  const c = country.toLowerCase() as 'us' | 'mx';
  const settings: Settings = {
    logger,
    now: options.now ?? Date.now,
    topics: riskTopicsOf(country),
    groupId: options.groupId ?? `puente.risk.${c}`,
    joinTimeoutMs: options.joinTimeoutMs ?? 120_000,
    orphanTimeoutMs: options.orphanTimeoutMs ?? 600_000,
    sweepIntervalMs: options.sweepIntervalMs ?? 1_000,
    catchUpTimeoutMs: options.catchUpTimeoutMs ?? 120_000,
    deadLetters: options.deadLetters ?? createDeadLetters({ bus, service: `risk-${c}`, logger }),
  };
  if (rules.country !== country || trustedShippers.country !== country) {
    throw new RiskError({
      code: 'INVALID_RULES',
      message: `risk service for ${country} given rules for ${rules.country} and a registry for ${trustedShippers.country}`,
    });
  }
  return settings;
}

/** The rooms of one service: what each owns is described in its own file. */
interface Parts {
  readonly buffer: JoinBuffer;
  readonly ledger: AssessmentLedger;
  readonly catchUp: OutputCatchUp;
  readonly publisher: AssessmentPublisher;
  readonly intake: Intake;
  readonly loop: InputLoop;
}

function partsOf(options: RiskServiceOptions, settings: Settings): Parts {
  const { bus, codec, country, rules, trustedShippers } = options;
  const { logger, now, topics, deadLetters } = settings;
  const { manifestTopic, resultTopic, outputTopic } = topics;
  // The join buffer pins the offsets the loop takes: each partition is committed up to its first pin.
  const offsets = new OffsetTracker();
  const buffer = new JoinBuffer(offsets, now);
  const ledger = new AssessmentLedger({ windowDays: rules.history.windowDays, now });
  const catchUp = new OutputCatchUp({
    bus,
    codec,
    outputTopic,
    ledger,
    logger,
    now,
    timeoutMs: settings.catchUpTimeoutMs,
  });
  const context = { country, rules, trustedShippers, manifestTopic };
  // Read at each call, as `options.onAssessment?.(…)`: the listener may be set after creation.
  const onAssessment = (assessment: RiskAssessment) => options.onAssessment?.(assessment);
  const publisher = new AssessmentPublisher({
    bus,
    codec,
    outputTopic,
    context,
    buffer,
    ledger,
    catchUp,
    deadLetters,
    logger,
    now,
    onAssessment,
  });
  const intake = new Intake({ codec, topics, buffer, ledger, logger });
  const handlers: InputHandlers = {
    accept: (topic, value, record, position) => intake.accept(topic, value, record, position),
    afterBatch: () => publisher.publish(buffer.complete()),
    sweep: () => sweepJoins({ buffer, publisher }, settings),
    retain: (partitions) => buffer.retain(partitions),
    clear: () => buffer.clear(),
  };
  const { groupId, sweepIntervalMs } = settings;
  const loop = new InputLoop({
    bus,
    groupId,
    topics: [manifestTopic, resultTopic],
    offsets,
    deadLetters,
    logger,
    sweepIntervalMs,
    handlers,
  });
  return { buffer, ledger, catchUp, publisher, intake, loop };
}

/** Assesses the manifests whose results did not all come in time; drops results whose manifest never came. */
async function sweepJoins(parts: Pick<Parts, 'buffer' | 'publisher'>, settings: Settings): Promise<void> {
  const { buffer, publisher } = parts;
  const { logger, now } = settings;
  const t = now();
  const overdue = buffer.overdue(t, settings.joinTimeoutMs);
  for (const p of overdue) {
    logger.warn({ manifestId: p.manifest.manifestId }, 'screening results incomplete at join timeout');
  }
  await publisher.publish(overdue);
  for (const screeningIds of buffer.dropOrphans(t, settings.orphanTimeoutMs)) {
    logger.warn({ screeningIds }, 'orphan results dropped');
  }
}

export function createRiskService(options: RiskServiceOptions): RiskService {
  const settings = settingsOf(options);
  const { logger, now, groupId } = settings;
  const { manifestTopic, resultTopic, outputTopic } = settings.topics;
  const { buffer, ledger, catchUp, publisher, intake, loop } = partsOf(options, settings);
  let running = false;

  return {
    inputTopics: [manifestTopic, resultTopic],
    outputTopic,
    deadLetters: settings.deadLetters,
    async start() {
      if (running) return;
      running = true;
      const started = now();
      await catchUp.run();
      logger.info(
        {
          outputTopic,
          assessed: ledger.assessedCount,
          shippersWithHistory: ledger.shippersWithHistory,
          ms: now() - started,
        },
        'learned earlier assessments',
      );
      await loop.start();
      logger.info({ groupId, topics: [manifestTopic, resultTopic], outputTopic }, 'risk service started');
    },
    async stop() {
      if (!running) return;
      running = false;
      await loop.stop();
      logger.info({ published: publisher.published, alreadyAssessed: intake.alreadyAssessed }, 'risk service stopped');
    },
    stats() {
      return {
        published: publisher.published,
        alreadyAssessed: intake.alreadyAssessed,
        pendingManifests: buffer.pendingManifests,
        pendingResults: buffer.pendingResults,
        lanes: publisher.lanes(),
      };
    },
  };
}
