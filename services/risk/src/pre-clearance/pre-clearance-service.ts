// The pre-clearance service of one country: grants the FAST lane to shipments its risk service
// assessed FAST, and revokes the grant when the OTHER country's screening, received through the
// gateway as the agreement's policy view (partner-feed.ts), hits a party of the same shipment.
//
// State — rebuilt from the own decisions topic at start (decision-book.ts): grants (each record
// carries its FAST assessment in a header, so a revocation after a restart can supersede it),
// revocations, denials and decided manifests, so a restart never grants or revokes twice. A
// partner hit that came before its grant is kept in memory only (decision-book.ts): lost on restart.
// Order of effects: the decisions first (a consumed batch's in one write), then for revocations
// and denials the superseding assessments (one write), then commit the assessment offset /
// acknowledge the partner delivery. A crash after the decisions leaves the input unacknowledged;
// handled again, it finds the decision known and publishes the superseding assessment only. Ids are derived from the inputs, so a redelivery
// publishes the same ids again. A grant needs the FAST-membership header the risk service writes
// beside a FAST assessment; one without it is not granted, one with a malformed header is dead-lettered.
import type { Bus, BusRecord, ConsumedRecord, DeadLetters, RecordBatch, Subscription } from '@puente/bus';
import { createDeadLetters, decodeChecked } from '@puente/bus';
import type { AvroCodec, PreClearanceDecision, RiskAssessment, TrustedTraderMembership } from '@puente/contracts';
import { domainTopic, silentLogger, type Country, type Logger } from '@puente/runtime';

import { FAST_MEMBERSHIP_HEADER, readFastMembership } from '../assessment-record.js';
import { RiskError } from '../errors.js';
import { SerialQueue } from '../serial-queue.js';
import { DecisionBook, type Outcome } from './decision-book.js';
import { readToEnd } from './read-to-end.js';
import type { PartnerFeed, PartnerRecord } from './partner-feed.js';
import { partnerFindingOf } from './partner-hit.js';

/** Header of a GRANTED decision record: the FAST assessment it rests on, Avro-encoded as on its topic. */
export const GRANT_ASSESSMENT_HEADER = 'puente-pre-clearance-assessment';

/** An outcome ready to publish: its records, and the assessment a grant rests on. */
interface Encoded {
  readonly outcome: Outcome;
  readonly granted: RiskAssessment | undefined;
  readonly decisionRecord: BusRecord | undefined;
  readonly assessmentRecord: BusRecord | undefined;
}

export interface PreClearanceServiceOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly country: Country;
  /** The partner's screening results; without it, partner findings are off and grants still flow. */
  readonly partnerFeed?: PartnerFeed | undefined;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Told of every decision published (e.g. for a live summary). */
  readonly onDecision?: (decision: PreClearanceDecision) => void;
  /** Default `puente.pre-clearance.<country>`. */
  readonly groupId?: string;
  /** How long a partner hit that came before its grant turns that grant into DENIED. Default 24 h. */
  readonly earlyHitWindowMs?: number;
  readonly maxEarlyHits?: number;
  /** Longest the start-up read of the decisions topic may take. Default 120 s. */
  readonly catchUpTimeoutMs?: number;
  readonly deadLetters?: DeadLetters;
}

export interface PreClearanceStats {
  readonly granted: number;
  readonly denied: number;
  readonly revoked: number;
  /** FAST assessments without the FAST-membership header: not granted. */
  readonly withoutMembership: number;
  readonly grantsKnown: number;
}

export interface PreClearanceService {
  readonly decisionsTopic: string;
  /** Where own assessment records it cannot act on go: `dlq.<topic>` as `pre-clearance-<country>`. */
  readonly deadLetters: DeadLetters;
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): PreClearanceStats;
}

export function createPreClearanceService(options: PreClearanceServiceOptions): PreClearanceService {
  const { bus, codec, country, partnerFeed } = options;
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  const c = country.toLowerCase();
  const decisionsTopic = domainTopic(
    country,
    'pre-clearance-decisions',
    1,
  ) as `${'us' | 'mx'}.pre-clearance-decisions.v1`;
  const riskTopic = domainTopic(country, 'risk-assessments', 1) as `${'us' | 'mx'}.risk-assessments.v1`;
  const groupId = options.groupId ?? `puente.pre-clearance.${c}`;
  const deadLetters = options.deadLetters ?? createDeadLetters({ bus, service: `pre-clearance-${c}`, logger });
  const book = new DecisionBook({
    country,
    earlyHitWindowMs: options.earlyHitWindowMs ?? 86_400_000,
    maxEarlyHits: options.maxEarlyHits ?? 10_000,
  });
  // Assessments and partner hits change the same book and publish: one at a time.
  const queue = new SerialQueue();
  const counts = { granted: 0, denied: 0, revoked: 0, withoutMembership: 0 };
  let subscription: Subscription | undefined;
  let running = false;

  const headersOf = (type: string, id: string, at: Date) => ({
    ce_specversion: '1.0',
    ce_id: id,
    ce_source: `/puente/${country}/pre-clearance`,
    ce_type: `org.puente.v1.${type}`,
    ce_time: at.toISOString(),
    'content-type': 'application/vnd.confluent.avro',
  });

  /**
   * An outcome encoded for the bus: its decision record (unless the decision is already known)
   * and its superseding assessment's. Encoding comes first, so a record that cannot be encoded
   * publishes nothing (the caller dead-letters its input).
   */
  function encode(outcome: Outcome, grounds?: RiskAssessment): Encoded {
    const { decision, assessment } = outcome;
    const granted = decision.decision === 'GRANTED' && grounds ? grounds : undefined;
    const decisionRecord = outcome.decisionPublished
      ? undefined
      : {
          key: decision.manifestId,
          value: codec.encode(decisionsTopic, decision),
          timestamp: decision.meta.occurredAt.getTime(),
          headers: {
            ...headersOf('pre-clearance-decisions', decision.meta.eventId, decision.meta.occurredAt),
            ...(granted ? { [GRANT_ASSESSMENT_HEADER]: codec.encode(riskTopic, granted) } : {}),
          },
        };
    const assessmentRecord = assessment && {
      key: assessment.assessmentId,
      value: codec.encode(riskTopic, assessment),
      timestamp: assessment.meta.occurredAt.getTime(),
      headers: headersOf('risk-assessments', assessment.meta.eventId, assessment.meta.occurredAt),
    };
    return { outcome, granted, decisionRecord, assessmentRecord };
  }

  /**
   * Publishes encoded outcomes, a batch's at once: every new decision in one write, then every
   * superseding assessment in one write, and learns the decisions in between. A crash between the
   * two leaves the input unacknowledged; handled again, it finds its decision known and publishes
   * the superseding assessment only. A failed write throws before anything is learnt, so the
   * input comes again and yields the same records (ids are derived from it).
   */
  async function publishAll(encoded: readonly Encoded[]): Promise<void> {
    const fresh = encoded.filter((e) => e.decisionRecord !== undefined);
    if (fresh.length > 0)
      await bus.publish(
        decisionsTopic,
        fresh.map((e) => e.decisionRecord!),
      );
    for (const { outcome, granted } of fresh) {
      const { decision } = outcome;
      book.learn(decision, granted);
      if (decision.decision === 'GRANTED') counts.granted += 1;
      else if (decision.decision === 'DENIED') counts.denied += 1;
      else if (decision.decision === 'REVOKED') counts.revoked += 1;
    }
    const superseding = encoded.flatMap((e) => (e.assessmentRecord ? [e.assessmentRecord] : []));
    if (superseding.length > 0) await bus.publish(riskTopic, superseding);
    for (const { outcome, decisionRecord } of encoded) report(outcome, decisionRecord !== undefined);
  }

  /** Logs what an outcome did and tells the listener of a new decision. */
  function report({ decision, assessment }: Outcome, decided: boolean): void {
    if (!decided) {
      logger.info(
        { manifestId: decision.manifestId, decision: decision.decision, assessmentId: assessment?.assessmentId },
        'pre-clearance decision known; its superseding assessment published again',
      );
      return;
    }
    logger.info(
      {
        manifestId: decision.manifestId,
        decision: decision.decision,
        lane: decision.lane,
        cause: decision.cause?.entityId,
        factors: decision.factors.map((f) => f.code),
      },
      'pre-clearance decided',
    );
    try {
      options.onDecision?.(decision);
    } catch (err) {
      logger.warn({ err }, 'onDecision listener failed');
    }
  }

  /**
   * An own assessment's outcome, encoded: a grant, a denial, a superseding assessment again, or
   * nothing. Throws for a bad record.
   */
  function decide(record: ConsumedRecord, assessment: RiskAssessment): Encoded | undefined {
    let trustedShipper: TrustedTraderMembership | undefined;
    if (assessment.subject.subjectType === 'SHIPMENT' && assessment.portLane === 'FAST') {
      const header = readFastMembership(record.headers);
      if (header.kind === 'invalid') {
        throw new RiskError({
          code: 'INVALID_RECORD',
          message: `FAST assessment ${assessment.assessmentId}: ${header.why}`,
        });
      }
      if (header.kind === 'absent') {
        // Only the risk service that verified the membership writes the header: no header, no grant.
        logger.warn(
          { assessmentId: assessment.assessmentId, header: FAST_MEMBERSHIP_HEADER },
          'FAST assessment without its verified FAST membership; not granted',
        );
        counts.withoutMembership += 1;
        return undefined;
      }
      trustedShipper = header.membership;
    }
    const outcome = book.onAssessment(assessment, trustedShipper, now());
    return outcome && encode(outcome, assessment);
  }

  /** One own decision record read at start; one that cannot be read is skipped (it decided nothing we can use). */
  function learnRecord(record: ConsumedRecord): void {
    if (!record.value) return;
    try {
      const decision = decodeChecked(codec, decisionsTopic, record.value);
      const header = record.headers[GRANT_ASSESSMENT_HEADER];
      const grounds = header ? decodeChecked(codec, riskTopic, header) : undefined;
      if (decision.decision === 'GRANTED' && !grounds) {
        logger.warn({ manifestId: decision.manifestId }, 'grant without its assessment; it cannot be revoked');
      }
      book.learn(decision, grounds);
    } catch (err) {
      logger.warn(
        { err, topic: record.topic, partition: record.partition, offset: record.offset },
        'own decision unreadable; skipped',
      );
    }
  }

  async function onAssessments(batch: RecordBatch): Promise<void> {
    await queue.run(async () => {
      const encoded: Encoded[] = [];
      // One outcome per assessed shipment in a batch: a repeated assessment is decided once.
      const shipments = new Set<string>();
      for (const record of batch.records) {
        if (!record.value) continue;
        const value = record.value;
        // Undecodable, a malformed membership header, a decision that cannot be encoded: set
        // aside to dlq.<topic> with the reason.
        await deadLetters.guard(record, async () => {
          const assessment = decodeChecked(codec, riskTopic, value);
          if (shipments.has(assessment.subject.eventId)) return;
          const outcome = decide(record, assessment);
          if (outcome) {
            shipments.add(assessment.subject.eventId);
            encoded.push(outcome);
          }
        });
      }
      // A bus failure is rethrown and the batch comes again.
      await publishAll(encoded);
    });
    const last = batch.records[batch.records.length - 1];
    if (last && subscription) {
      await subscription.commit([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
      ]);
    }
  }

  async function onPartnerRecord(record: PartnerRecord): Promise<void> {
    const finding = partnerFindingOf(record);
    if (finding.kind === 'unreadable') {
      logger.warn(
        {
          feed: record.feed,
          partition: record.partition,
          offset: record.offset,
          eventId: record.eventId,
          why: finding.why,
        },
        'partner record cannot be read; skipped',
      );
      return;
    }
    if (finding.kind === 'ignored') return;
    await queue.run(async () => {
      const outcome = book.onPartnerHit(finding.hit, now());
      if (outcome) await publishAll([encode(outcome)]);
      else
        logger.info(
          { manifestId: finding.hit.manifestId, screeningId: finding.hit.screeningId },
          'partner hit on a shipment not granted (kept for a later grant) or already revoked',
        );
    });
  }

  return {
    decisionsTopic,
    deadLetters,
    async start() {
      if (running) return;
      running = true;
      await readToEnd({
        bus,
        topic: decisionsTopic,
        timeoutMs: options.catchUpTimeoutMs ?? 120_000,
        onRecord: learnRecord,
      });
      logger.info(
        { decisionsTopic, grants: book.grantCount, revoked: book.revokedCount },
        'learned earlier pre-clearance decisions',
      );
      subscription = await bus.subscribe({ groupId, topics: [riskTopic], fromBeginning: true, handler: onAssessments });
      if (partnerFeed) await partnerFeed.start(onPartnerRecord);
      else
        logger.warn(
          { country },
          'no gateway configured: partner screening findings are off; pre-clearance still grants',
        );
      logger.info(
        { groupId, riskTopic, decisionsTopic, partnerFindings: partnerFeed !== undefined },
        'pre-clearance service started',
      );
    },
    async stop() {
      if (!running) return;
      running = false;
      await partnerFeed?.stop();
      await subscription?.stop();
      subscription = undefined;
      logger.info(counts, 'pre-clearance service stopped');
    },
    stats: () => ({ ...counts, grantsKnown: book.grantCount }),
  };
}
