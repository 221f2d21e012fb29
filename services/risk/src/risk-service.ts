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
import type { Bus, ConsumedRecord, DeadLetters, Subscription, TopicPartition } from '@puente/bus';
import type { AvroCodec, CargoManifest, Lane, RiskAssessment, ScreeningResult } from '@puente/contracts';
import type { Country, Logger } from '@puente/runtime';
import { BusError, createDeadLetters, decodeChecked, OffsetTracker } from '@puente/bus';
import { silentLogger } from '@puente/runtime';

import { RiskError } from './errors.js';
import { assessmentEventIdFor, assessmentIdFor, shipperDigest } from './ids.js';
import { assess, expectedRoles, organizationKey, roleOfScreening } from './risk-rules.js';
import type { PartyRole, RiskRules } from './risk-rules.js';
import { riskTopicsOf } from './topics.js';
import type { TrustedShipperRegistry } from './trusted-shippers.js';

export const SHIPPER_HEADER = 'puente-risk-shipper';

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

interface Position extends TopicPartition {
  readonly offset: number;
}

interface PendingManifest {
  readonly manifest: CargoManifest;
  /** As consumed: dead-lettered as it came should its assessment prove impossible. */
  readonly record: ConsumedRecord;
  readonly pin: Position;
  readonly since: number;
}

interface PendingResults {
  readonly results: Map<PartyRole, ScreeningResult>;
  readonly pins: Position[];
  readonly since: number;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const HIGH_RISK = new Set(['HIGH', 'CRITICAL']);
const DAY_MS = 86_400_000;

export function createRiskService(options: RiskServiceOptions): RiskService {
  const { bus, codec, country, rules, trustedShippers } = options;
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  const c = country.toLowerCase() as 'us' | 'mx';
  const { manifestTopic, resultTopic, outputTopic } = riskTopicsOf(country);
  const groupId = options.groupId ?? `puente.risk.${c}`;
  const joinTimeoutMs = options.joinTimeoutMs ?? 120_000;
  const orphanTimeoutMs = options.orphanTimeoutMs ?? 600_000;
  const sweepIntervalMs = options.sweepIntervalMs ?? 1_000;
  const catchUpTimeoutMs = options.catchUpTimeoutMs ?? 120_000;
  const deadLetters = options.deadLetters ?? createDeadLetters({ bus, service: `risk-${c}`, logger });
  if (rules.country !== country || trustedShippers.country !== country) {
    throw new RiskError({
      code: 'INVALID_RULES',
      message: `risk service for ${country} given rules for ${rules.country} and a registry for ${trustedShippers.country}`,
    });
  }

  // Learned from the output topic and from our own publishes.
  const assessed = new Set<string>();
  const history = new Map<string, number[]>();
  const outputPositions = new Map<number, bigint>();
  // The join buffer, and the offsets it pins: each partition is committed up to its first pin.
  const manifests = new Map<string, PendingManifest>();
  const results = new Map<string, PendingResults>();
  const offsets = new OffsetTracker();
  let assigned: readonly TopicPartition[] = [];

  let subscription: Subscription | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let resyncNeeded = false;
  let running = false;
  let chain: Promise<unknown> = Promise.resolve();
  const counters = { published: 0, alreadyAssessed: 0 };
  const lanes: Record<Lane, number> = { EXPEDITED: 0, STANDARD: 0, SECONDARY_INSPECTION: 0, HOLD: 0 };

  /** Runs state changes one at a time: handler batches, sweeps and rebalances never interleave. */
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = chain.then(work);
    chain = run.catch(() => undefined);
    return run;
  }

  const pin = (p: Position) => offsets.partition(p.topic, p.partition).hold(p.offset);
  const release = (p: Position) => offsets.get(p.topic, p.partition)?.release(p.offset);

  function learnAssessment(record: ConsumedRecord): void {
    if (!record.value) return;
    let value: RiskAssessment;
    try {
      value = codec.decode(record.value, { topic: outputTopic }).value;
    } catch (err) {
      logger.warn({ err, topic: record.topic, partition: record.partition, offset: record.offset }, 'undecodable');
      return;
    }
    assessed.add(value.subject.eventId);
    const shipper = record.headers[SHIPPER_HEADER]?.toString('utf8');
    if (shipper && HIGH_RISK.has(value.level)) remember(shipper, value.meta.occurredAt.getTime());
  }

  function remember(shipper: string, at: number): void {
    const list = history.get(shipper) ?? [];
    list.push(at);
    history.set(shipper, list);
  }

  function historyOf(shipper: string): number {
    const list = history.get(shipper);
    if (!list) return 0;
    const since = now() - rules.history.windowDays * DAY_MS;
    const recent = list.filter((at) => at >= since);
    if (recent.length === 0) history.delete(shipper);
    else history.set(shipper, recent);
    return recent.length;
  }

  /** Lists the output topic's offsets, retrying while the broker says retrying can help (e.g. no leader yet). */
  async function outputTopicInfo() {
    const deadline = now() + catchUpTimeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await bus.admin.listTopics()).find((t) => t.topic === outputTopic);
      } catch (err) {
        if (!(err instanceof BusError && err.retriable) || now() > deadline) throw err;
        logger.debug({ err, attempt }, 'listing topics failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
  }

  /** Reads the output topic from where we last were to its current end. */
  async function catchUp(): Promise<void> {
    const info = await outputTopicInfo();
    if (!info) throw new RiskError({ code: 'CATCH_UP_FAILED', message: `topic ${outputTopic} does not exist` });
    const remaining = new Map<number, bigint>();
    const positions: { partition: number; offset: string }[] = [];
    for (const p of info.partitions) {
      const low = BigInt(p.low);
      const from = (outputPositions.get(p.partition) ?? low) > low ? (outputPositions.get(p.partition) ?? low) : low;
      if (BigInt(p.high) > from) {
        remaining.set(p.partition, BigInt(p.high));
        positions.push({ partition: p.partition, offset: from.toString() });
      }
    }
    if (positions.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    let settle: (() => void) | undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = resolve;
      timer = setTimeout(() => {
        const left = [...remaining.keys()].join(', ');
        reject(
          new RiskError({
            code: 'CATCH_UP_FAILED',
            retriable: true,
            message: `reading ${outputTopic} partitions ${left} to their end took over ${catchUpTimeoutMs} ms`,
          }),
        );
      }, catchUpTimeoutMs);
    });
    const reader = bus.readFrom({
      topic: outputTopic,
      positions,
      handler: async (batch) => {
        for (const record of batch.records) {
          learnAssessment(record);
          const next = BigInt(record.offset) + 1n;
          outputPositions.set(batch.partition, next);
          const target = remaining.get(batch.partition);
          if (target !== undefined && next >= target) remaining.delete(batch.partition);
        }
        if (remaining.size === 0) settle?.();
      },
    });
    try {
      await reader;
      await done;
    } finally {
      clearTimeout(timer);
      await (await reader.catch(() => undefined))?.stop();
    }
  }

  function joinKeysOf(manifest: CargoManifest): string[] {
    return [manifest.meta.eventId, `manifest:${manifest.manifestId}`];
  }

  function resultsFor(manifest: CargoManifest): ScreeningResult[] {
    const byRole = new Map<PartyRole, ScreeningResult>();
    for (const key of joinKeysOf(manifest).reverse()) {
      for (const [r, result] of results.get(key)?.results ?? []) byRole.set(r, result);
    }
    return [...byRole.values()];
  }

  function isComplete(manifest: CargoManifest): boolean {
    const have = new Set(resultsFor(manifest).map((r) => roleOfScreening(r)));
    return expectedRoles(manifest).every((r) => have.has(r));
  }

  function onManifest(manifest: CargoManifest, record: ConsumedRecord, position: Position): void {
    const eventId = manifest.meta.eventId;
    if (assessed.has(eventId)) {
      counters.alreadyAssessed += 1;
      return;
    }
    if (manifests.has(eventId)) return; // redelivered: the first copy is pinned already
    pin(position);
    manifests.set(eventId, { manifest, record, pin: position, since: now() });
  }

  function onResult(result: ScreeningResult, key: string | null, position: Position): void {
    const r = roleOfScreening(result);
    if (!r) {
      logger.warn({ screeningId: result.screeningId }, 'screening result names no party role; skipped');
      return;
    }
    const manifestEventId = result.meta.correlationId;
    if (manifestEventId && assessed.has(manifestEventId)) {
      if (result.outcome !== 'CLEAR') {
        logger.warn(
          { screeningId: result.screeningId, outcome: result.outcome },
          'screening match arrived after its manifest was assessed',
        );
      }
      return;
    }
    const manifestId = key ?? result.screeningId.slice(0, result.screeningId.lastIndexOf('/'));
    const joinKey = manifestEventId ?? `manifest:${manifestId}`;
    let group = results.get(joinKey);
    if (!group) results.set(joinKey, (group = { results: new Map(), pins: [], since: now() }));
    group.results.set(r, result);
    group.pins.push(position);
    pin(position);
  }

  function buildAssessment(manifest: CargoManifest, shipper: string): RiskAssessment {
    const eventId = manifest.meta.eventId;
    const scored = assess(manifest, resultsFor(manifest), {
      rules,
      trustedShippers,
      shipperHistory: historyOf(shipper),
    });
    const at = now();
    return {
      meta: {
        eventId: assessmentEventIdFor(country, eventId),
        occurredAt: new Date(at),
        originCountry: country,
        originAgency: rules.agency,
        classification: 'SENSITIVE',
        releasableTo: ['US', 'MX'],
        purposes: ['BORDER_SECURITY', 'CUSTOMS', 'TRADE_FACILITATION'],
        correlationId: eventId,
        supersedes: null,
      },
      assessmentId: assessmentIdFor(country, eventId),
      subject: { subjectType: 'SHIPMENT', topic: manifestTopic, entityId: manifest.manifestId, eventId },
      score: scored.score,
      level: scored.level,
      factors: [...scored.factors],
      recommendedLane: scored.lane,
      recommendedAction: scored.action,
      modelVersion: rules.modelVersion,
      validUntil: new Date(at + rules.validityHours * 3_600_000),
    };
  }

  /** Assesses and publishes the given manifests in one produce call, then frees their buffer. */
  async function publishAssessments(ready: readonly PendingManifest[]): Promise<void> {
    if (ready.length === 0) return;
    if (resyncNeeded) {
      // A failed publish may still have landed: learn the output topic's tail before trying again.
      await catchUp();
      resyncNeeded = false;
      ready = ready.filter((p) => !assessed.has(p.manifest.meta.eventId));
      for (const p of manifests.values()) if (assessed.has(p.manifest.meta.eventId)) finish(p);
      if (ready.length === 0) return;
    }
    const built: { pending: PendingManifest; shipper: string; assessment: RiskAssessment; value: Buffer }[] = [];
    for (const p of ready) {
      // A manifest that cannot be assessed is set aside with its results, not retried forever.
      const made = await deadLetters.guard(p.record, () => {
        const shipper = shipperDigest(organizationKey(p.manifest.consignor));
        const assessment = buildAssessment(p.manifest, shipper);
        return { pending: p, shipper, assessment, value: codec.encode(outputTopic, assessment) };
      });
      if (made) built.push(made);
      else finish(p, false);
    }
    if (built.length === 0) return;
    try {
      await bus.publish(
        outputTopic,
        built.map(({ assessment, shipper, value }) => ({
          key: assessment.assessmentId,
          value,
          timestamp: assessment.meta.occurredAt.getTime(),
          headers: {
            ce_specversion: '1.0',
            ce_id: assessment.meta.eventId,
            ce_source: `/puente/${country}/${rules.agency}/risk`,
            ce_type: 'org.puente.v1.risk-assessments',
            ce_time: assessment.meta.occurredAt.toISOString(),
            'content-type': 'application/vnd.confluent.avro',
            [SHIPPER_HEADER]: shipper,
          },
        })),
      );
    } catch (err) {
      resyncNeeded = true;
      throw err;
    }
    for (const { pending, shipper, assessment } of built) {
      if (HIGH_RISK.has(assessment.level)) remember(shipper, assessment.meta.occurredAt.getTime());
      finish(pending);
      counters.published += 1;
      lanes[assessment.recommendedLane] += 1;
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
        options.onAssessment?.(assessment);
      } catch (err) {
        logger.warn({ err }, 'onAssessment listener failed');
      }
    }
  }

  /** Marks a manifest done (assessed, unless it was set aside) and releases its record and its results' records. */
  function finish(pending: PendingManifest, wasAssessed = true): void {
    if (wasAssessed) assessed.add(pending.manifest.meta.eventId);
    manifests.delete(pending.manifest.meta.eventId);
    release(pending.pin);
    for (const key of joinKeysOf(pending.manifest)) {
      const group = results.get(key);
      if (!group) continue;
      group.pins.forEach(release);
      results.delete(key);
    }
  }

  async function commit(): Promise<void> {
    const sub = subscription;
    if (!sub) return;
    const positions = offsets.toCommit(assigned);
    if (positions.length === 0) return;
    try {
      await sub.commit(positions);
      offsets.committed(positions);
    } catch (err) {
      // Usually a rebalance took the partition: the next owner re-reads from the last commit.
      logger.warn({ err }, 'commit failed; records will be re-read and deduplicated');
    }
  }

  async function handleBatch(batch: { topic: string; partition: number; records: readonly ConsumedRecord[] }) {
    const { topic, partition } = batch;
    for (const record of batch.records) {
      const position = { topic, partition, offset: Number(record.offset) };
      const value = record.value;
      if (value) {
        // A record that cannot be decoded or is invalid is dead-lettered; a failed dead-letter
        // write throws, so the batch comes again and nothing is committed past the record.
        await deadLetters.guard(record, () => {
          if (batch.topic === manifestTopic) onManifest(decodeChecked(codec, manifestTopic, value), record, position);
          else onResult(decodeChecked(codec, resultTopic, value), record.key, position);
        });
      }
      offsets.partition(topic, partition).take(position.offset);
    }
    await publishAssessments([...manifests.values()].filter((p) => isComplete(p.manifest)));
    await commit();
  }

  async function sweep(): Promise<void> {
    const t = now();
    const overdue = [...manifests.values()].filter((p) => t - p.since >= joinTimeoutMs);
    for (const p of overdue) {
      logger.warn({ manifestId: p.manifest.manifestId }, 'screening results incomplete at join timeout');
    }
    await publishAssessments(overdue);
    const waiting = new Set([...manifests.values()].flatMap((p) => joinKeysOf(p.manifest)));
    for (const [key, group] of results) {
      if (waiting.has(key) || t - group.since < orphanTimeoutMs) continue;
      logger.warn({ screeningIds: [...group.results.values()].map((r) => r.screeningId) }, 'orphan results dropped');
      group.pins.forEach(release);
      results.delete(key);
    }
    await commit();
  }

  function onAssignment(partitions: readonly TopicPartition[]): void {
    assigned = partitions;
    const kept = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
    // Buffered records of partitions we lost belong to their new owner, who re-reads them.
    serial(async () => {
      for (const p of [...manifests.values()]) {
        if (!kept.has(tpKey(p.pin.topic, p.pin.partition))) {
          manifests.delete(p.manifest.meta.eventId);
          release(p.pin);
        }
      }
      for (const [key, group] of [...results]) {
        if (group.pins.some((p) => !kept.has(tpKey(p.topic, p.partition)))) {
          group.pins.forEach(release);
          results.delete(key);
        }
      }
      offsets.retain(partitions);
    }).catch((err: unknown) => logger.error({ err }, 'rebalance bookkeeping failed'));
  }

  return {
    inputTopics: [manifestTopic, resultTopic],
    outputTopic,
    deadLetters,
    async start() {
      if (running) return;
      running = true;
      const started = now();
      await catchUp();
      logger.info(
        { outputTopic, assessed: assessed.size, shippersWithHistory: history.size, ms: now() - started },
        'learned earlier assessments',
      );
      subscription = await bus.subscribe({
        groupId,
        topics: [manifestTopic, resultTopic],
        fromBeginning: true,
        handler: (batch) => serial(() => handleBatch(batch)),
        onAssignment,
      });
      sweeper = setInterval(() => {
        serial(sweep).catch((err: unknown) => logger.error({ err }, 'sweep failed; will retry'));
      }, sweepIntervalMs);
      sweeper.unref();
      logger.info({ groupId, topics: [manifestTopic, resultTopic], outputTopic }, 'risk service started');
    },
    async stop() {
      if (!running) return;
      running = false;
      clearInterval(sweeper);
      sweeper = undefined;
      const sub = subscription;
      await sub?.stop();
      subscription = undefined;
      await serial(async () => {
        // What was buffered but not assessed is re-read from the committed offsets on the next start.
        manifests.clear();
        results.clear();
        offsets.clear();
      });
      logger.info(counters, 'risk service stopped');
    },
    stats() {
      return {
        ...counters,
        pendingManifests: manifests.size,
        pendingResults: results.size,
        lanes: { ...lanes },
      };
    },
  };
}
