// One record of a feed, judged for one subscriber: withheld, set aside (it cannot be decoded or
// evaluated), or the delivery the agreement releases, with what the audit needs of it. The view
// is taken from the record's Avro where the policy can, else from the decoded event.
import { createHash } from 'node:crypto';

import { PayloadFormat, type Delivery } from '@puente/proto';
import type { ConsumedRecord } from '@puente/bus';
import { type AvroCodec, HEADER_SIZE, MAGIC_BYTE } from '@puente/contracts';
import type { BytesDecision, Decision, Feed, FieldDecision, Gate, Partner, TopicPolicy } from '@puente/policy';

import type { Country } from '@puente/runtime';

import type { Principal } from '../auth/identity.js';
import { feedIdOf } from './feeds.js';
import { decodeEntry, type TailEntry } from './topic-tail.js';
import { viewKeyOf, type SharedVerdict, type ViewCache } from './view-cache.js';

/**
 * What the audit needs of one delivery, and nothing more: it lives until the batch's
 * disclosures are written, so holding the decoded event or the view here kept hundreds of
 * objects per delivery alive across collections.
 */
export interface DeliveredRecord {
  readonly principal: Principal;
  readonly subscriptionId: string;
  /** The purposes the subscriber declared when it started. */
  readonly declaredPurposes: readonly string[];
  readonly feed: Feed;
  readonly record: ConsumedRecord;
  readonly eventId: string;
  readonly purposes: readonly string[];
  readonly decision: Pick<Extract<Decision, { admitted: true }>, 'rule' | 'fields'>;
  readonly viewSchemaId: number;
  /** The event's `meta.supersedes`: the earlier event it corrects, or null. */
  readonly supersedes: string | null;
  /** SHA-256 of the exact payload bytes sent (the Delivery's `payload`). */
  readonly digest: Buffer;
  /**
   * Set when what was sent is a retraction notice for an event the recipient received earlier
   * (its correction, this record, is withheld from it): the disclosure is a RETRACTION.
   */
  readonly retraction?: { readonly retractedEventId: string; readonly reason: string };
}

/** The audit's part of an admitted event, sent as `payload`. */
export function deliveredRecord(
  base: Pick<DeliveredRecord, 'principal' | 'subscriptionId' | 'declaredPurposes' | 'feed' | 'record' | 'viewSchemaId'>,
  event: Record<string, unknown>,
  decision: DeliveredRecord['decision'],
  payload: Uint8Array,
): DeliveredRecord {
  const meta = event['meta'] as { eventId?: string; purposes?: string[]; supersedes?: string | null } | undefined;
  return {
    principal: base.principal,
    subscriptionId: base.subscriptionId,
    declaredPurposes: base.declaredPurposes,
    feed: base.feed,
    record: base.record,
    viewSchemaId: base.viewSchemaId,
    eventId: meta?.eventId ?? '',
    purposes: meta?.purposes ?? [],
    decision: { rule: decision.rule, fields: decision.fields },
    supersedes: meta?.supersedes ?? null,
    digest: createHash('sha256').update(payload).digest(),
  };
}

/** A record released to the subscriber: what is sent, and what the audit writes of it. */
export interface Evaluation {
  readonly delivery: Delivery;
  readonly delivered: DeliveredRecord;
}

/**
 * A correction (`meta.supersedes` set) the agreement in force withholds from the subscriber: if
 * its agency received the event it supersedes, `notice` (a retraction notice) is sent instead.
 * Only the origin's ledger can tell, so the session asks it before the batch is audited.
 */
export interface WithheldCorrection {
  readonly supersedes: string;
  /** The correction's topic: only an event delivered from it is retracted. */
  readonly topic: string;
  /** The country whose data it is: its ledger knows who received `supersedes`. */
  readonly origin: Country;
  readonly notice: Evaluation;
}

/** Released, set aside (with why), a withheld correction, or withheld (undefined). */
export type Evaluated =
  Evaluation | { readonly setAside: unknown } | { readonly correction: WithheldCorrection } | undefined;

/** What a stream knows of its subscriber and itself, for judging its records. */
export interface EvaluationContext {
  readonly codec: AvroCodec;
  readonly viewSchemaId: (policy: TopicPolicy) => number;
  readonly format: PayloadFormat;
  readonly partner: Partner;
  readonly principal: Principal;
  readonly subscriptionId: string;
  readonly streamId: string;
  readonly onWithheld?: (feed: Feed, count: number, gate: Gate | null) => void;
  /** The gateway's shared verdicts: without it every record is judged for this subscriber alone. */
  readonly views?: ViewCache;
}

/** Where the record is read for the stream: its feed (as in force now), and the feed's place in it. */
export interface EvaluationSource {
  readonly feed: Feed;
  readonly feedIndex: number;
  readonly partition: number;
}

export function evaluateRecord(ctx: EvaluationContext, source: EvaluationSource, entry: TailEntry): Evaluated {
  // One Feed object for the whole decision: the delivery's and the disclosure's version agree.
  const { feed, feedIndex, partition } = source;
  const policy = feed.policy;
  const viewSchemaId = ctx.viewSchemaId(policy);
  const verdict = sharedVerdict(ctx, feed, entry, viewSchemaId);
  if (verdict.kind === 'setAside') return { setAside: verdict.error };
  if (verdict.kind === 'withheld') {
    ctx.onWithheld?.(feed, 1, verdict.gate);
    return withheldCorrection(ctx, source, entry, verdict.meta, verdict.gate);
  }
  const record = entry.record;
  return {
    delivery: {
      cursor: `${ctx.streamId}:${feedIndex}:${partition}:${record.offset}`,
      feed: feedIdOf(feed),
      topic: policy.topic,
      partition,
      offset: record.offset,
      // The key is the entity id; it is sent only when the view releases that field as is.
      key: verdict.releasesKey ? (record.key ?? '') : '',
      eventId: verdict.eventId,
      timestamp: new Date(record.timestamp),
      schemaId: viewSchemaId,
      payloadFormat: ctx.format,
      payload: verdict.payload,
      agreementVersion: String(feed.agreement.version),
    },
    delivered: {
      principal: ctx.principal,
      subscriptionId: ctx.subscriptionId,
      declaredPurposes: ctx.partner.purposes ?? [],
      feed,
      record,
      viewSchemaId,
      eventId: verdict.eventId,
      purposes: verdict.purposes,
      decision: verdict.decision,
      supersedes: verdict.supersedes,
      digest: verdict.digest,
    },
  };
}

/**
 * The record's verdict for the subscriber's view: from the gateway's cache when another
 * subscription with the same view key judged it already. The clock decides twice: outside the
 * agreement's validity the verdict is judged afresh and not kept; and while hashes also carry the
 * previous key (a rotation's overlap) the view differs from after it, so the phase is in the key.
 * One `now` serves the key and the judgement.
 */
function sharedVerdict(ctx: EvaluationContext, feed: Feed, entry: TailEntry, viewSchemaId: number): SharedVerdict {
  const now = Date.now();
  const judge = () => judgeRecord(ctx, feed.policy, entry, viewSchemaId, now);
  const { agreement } = feed;
  const inForce =
    (!agreement.validFrom || agreement.validFrom.getTime() <= now) &&
    (!agreement.validUntil || now < agreement.validUntil.getTime());
  if (!ctx.views || !inForce) return judge();
  const key = viewKeyOf({
    topic: entry.record.topic,
    partition: entry.record.partition,
    offset: entry.record.offset,
    policy: feed.policy,
    agreementId: agreement.id,
    agreementVersion: agreement.version,
    partner: ctx.partner,
    format: ctx.format,
    overlap: now < feed.policy.hashOverlapUntil,
  });
  return ctx.views.verdict(key, judge, (verdict) => verdict.kind !== 'withheld' || verdict.gate !== 'validity');
}

/** The record judged for a view key: everything of its delivery that is the same for every recipient of the view. */
function judgeRecord(
  ctx: EvaluationContext,
  policy: TopicPolicy,
  entry: TailEntry,
  viewSchemaId: number,
  now: number,
): SharedVerdict {
  let admitted: { readonly rule: string; readonly fields: readonly FieldDecision[] };
  let meta: Record<string, unknown> | undefined;
  let payload: Buffer;
  try {
    const fromBytes = decideFromBytes(ctx, policy, entry, now);
    if (fromBytes) {
      meta = fromBytes.meta;
      if (!fromBytes.admitted) return { kind: 'withheld', gate: fromBytes.gate, meta };
      admitted = fromBytes;
      // Written before the verdict is shared; never after.
      payload = fromBytes.viewBytes;
      payload[0] = MAGIC_BYTE;
      payload.writeInt32BE(viewSchemaId, 1);
    } else {
      const decoded = decodeEntry(ctx.codec, entry);
      if ('error' in decoded) return { kind: 'setAside', error: decoded.cause };
      const decision = policy.apply(decoded.value, ctx.partner, now);
      meta = decoded.value['meta'] as Record<string, unknown> | undefined;
      if (!decision.admitted) return { kind: 'withheld', gate: decision.gate, meta };
      admitted = decision;
      payload =
        ctx.format === PayloadFormat.AVRO_JSON
          ? Buffer.from(JSON.stringify(ctx.codec.toAvroJsonWithSchemaId(viewSchemaId, decision.view)))
          : ctx.codec.encodeWithSchemaId(viewSchemaId, decision.view);
    }
  } catch (error) {
    // A policy that cannot evaluate the record, or a view that cannot be encoded.
    return { kind: 'setAside', error };
  }
  const eventId = meta?.['eventId'];
  const purposes = meta?.['purposes'];
  const supersedes = meta?.['supersedes'];
  return {
    kind: 'admitted',
    decision: { rule: admitted.rule, fields: admitted.fields },
    payload,
    digest: createHash('sha256').update(payload).digest(),
    eventId: typeof eventId === 'string' ? eventId : '',
    purposes: Array.isArray(purposes) ? (purposes as string[]) : [],
    supersedes: typeof supersedes === 'string' ? supersedes : null,
    releasesKey: releasesKey(ctx.codec, policy.topic, admitted.fields),
  };
}

/** A withheld record that corrects an earlier event, or undefined (the common case: it is simply withheld). */
function withheldCorrection(
  ctx: EvaluationContext,
  source: EvaluationSource,
  entry: TailEntry,
  meta: Record<string, unknown> | undefined,
  gate: Gate | null,
): Evaluated {
  const supersedes = meta?.['supersedes'];
  if (typeof supersedes !== 'string' || supersedes === '') return undefined;
  const reason = noticeReason(gate, source.feed);
  return {
    correction: {
      supersedes,
      topic: source.feed.policy.topic,
      origin: source.feed.agreement.from,
      notice: retractionNotice(ctx, source, entry, { meta, retractedEventId: supersedes, reason }),
    },
  };
}

/**
 * Why a correction is not delivered, as the partner may be told: which gate (or that no rule)
 * withheld it, never the record's markings or values (the policy's own reason names them, and a
 * notice discloses no field of the record).
 */
const NOTICE_REASONS: Record<Gate, string> = {
  validity: 'the agreement is not in force',
  recipient: 'the agreement does not name your agency',
  releasability: 'the origin no longer releases the record to your country',
  ceiling: 'the record is classified above what the agreement allows',
  purpose: 'the record serves no purpose of the agreement',
  'declared-purpose': 'the record serves no purpose you declared',
};

function noticeReason(gate: Gate | null, feed: Feed): string {
  return gate === null
    ? `no rule of agreement ${feed.agreement.id}@${feed.agreement.version} admits the record`
    : NOTICE_REASONS[gate];
}

/** A notice releases no field of the record: its disclosure lists none. */
const NO_FIELDS: readonly never[] = Object.freeze([]);
const EMPTY = Buffer.alloc(0);

/**
 * The retraction notice sent in place of a withheld correction: a Delivery carrying only
 * `retraction` (no payload, schema 0, no key) at the correcting record's cursor, and what the
 * audit writes of it (a RETRACTION disclosure naming no rule and no field).
 */
function retractionNotice(
  ctx: EvaluationContext,
  source: EvaluationSource,
  entry: TailEntry,
  retraction: {
    readonly meta: Record<string, unknown> | undefined;
    readonly retractedEventId: string;
    readonly reason: string;
  },
): Evaluation {
  const { feed, feedIndex, partition } = source;
  const record = entry.record;
  const eventId = retraction.meta?.['eventId'];
  const notice = { retractedEventId: retraction.retractedEventId, reason: retraction.reason };
  const delivered = deliveredRecord(
    {
      principal: ctx.principal,
      subscriptionId: ctx.subscriptionId,
      declaredPurposes: ctx.partner.purposes ?? [],
      feed,
      record,
      viewSchemaId: 0,
    },
    { meta: retraction.meta },
    { rule: '', fields: NO_FIELDS },
    EMPTY,
  );
  return {
    delivery: {
      cursor: `${ctx.streamId}:${feedIndex}:${partition}:${record.offset}`,
      feed: feedIdOf(feed),
      topic: feed.policy.topic,
      partition,
      offset: record.offset,
      key: '',
      eventId: typeof eventId === 'string' ? eventId : '',
      timestamp: new Date(record.timestamp),
      schemaId: 0,
      payloadFormat: ctx.format,
      payload: EMPTY,
      agreementVersion: String(feed.agreement.version),
      retraction: notice,
    },
    delivered: { ...delivered, retraction: notice },
  };
}

/**
 * The decision from the record's Avro when it is in the topic's current schema and the
 * partner takes Avro: nothing the view drops is decoded. Undefined otherwise, or when the
 * policy cannot decide from bytes: the record is then decoded.
 */
function decideFromBytes(
  ctx: EvaluationContext,
  policy: TopicPolicy,
  entry: TailEntry,
  now: number,
): BytesDecision | undefined {
  const value = entry.record.value;
  if (ctx.format !== PayloadFormat.AVRO_CONFLUENT || !value || value.length < HEADER_SIZE) return undefined;
  if (value[0] !== MAGIC_BYTE || value.readInt32BE(1) !== ctx.codec.schemaIdOf(policy.topic)) return undefined;
  return policy.applyBytes(value, HEADER_SIZE, ctx.partner, { reserve: HEADER_SIZE, now });
}

/** Per rule (its field decisions, shared by every decision of the rule): whether the key is released. */
const keyReleases = new WeakMap<readonly FieldDecision[], boolean>();

/** Whether the admitting rule releases the topic's key field as it is (static per rule). */
function releasesKey(codec: AvroCodec, topic: string, fields: readonly FieldDecision[]): boolean {
  let releases = keyReleases.get(fields);
  if (releases === undefined) {
    const keyField = codec.catalog.topic(topic).keyField;
    releases = fields.some((field) => field.path === keyField && field.action === 'keep');
    keyReleases.set(fields, releases);
  }
  return releases;
}
