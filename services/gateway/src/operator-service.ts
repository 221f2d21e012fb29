// OperatorService handlers: read-only inspection of the bus for operators — topics, decoded
// records, subscription lag, policy explanations. Raw data of the operator's own country only;
// a partner's data only as the view its agreement releases (authorizeInspect decides which).
import { createHash } from 'node:crypto';

import type { handleUnaryCall, sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import {
  ErrorReason,
  FieldAction,
  PayloadFormat,
  PolicyDecision,
  TopicAccess,
  TopicKind,
  type BrowsedRecord,
  type BrowseRecordsRequest,
  type BrowseRecordsResponse,
  type DescribeTopicRequest,
  type DescribeTopicResponse,
  type ExplainPolicyRequest,
  type ExplainPolicyResponse,
  type FieldDecision as FieldDecisionMessage,
  type GetSubscriptionLagRequest,
  type GetSubscriptionLagResponse,
  type ListTopicsRequest,
  type ListTopicsResponse,
  type OperatorServiceServer,
  type PartitionLag,
  type PolicyExplanation,
  type SchemaInfo,
  type SubscriptionLag,
  type TopicSummary,
} from '@puente/proto';
import type { Bus, ConsumedRecord, Reader, TopicInfo } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { Decision, Explanation, Feed, FieldDecision, Partner, PolicySet, TopicPolicy } from '@puente/policy';

import {
  authorizeInspect,
  classifyTopic,
  feedsSharing,
  recipientOf,
  requireRole,
  type InspectableTopic,
  type InspectAccess,
} from './auth/authorization.js';
import { GatewayError, toServiceError, topicNotFound } from './grpc/errors.js';
import { feedIdOf } from './subscribe/feeds.js';
import type { Authenticator, Principal } from './auth/identity.js';
import type { CursorStore } from './subscribe/cursor-store.js';
import { deliveredRecord, type DeliveredRecord } from './subscribe/session.js';

export interface BrowseLimits {
  /** Records returned when the request asks for 0. */
  readonly defaultLimit: number;
  /** Most records one answer carries. */
  readonly maxLimit: number;
  /** Most records one call reads from Kafka (key, eventId and time selections scan). */
  readonly scanBudget: number;
  /**
   * Longest a browse reads before it answers with what it has (and a page token). Each browse
   * reads through a short-lived private consumer group: on brokers with the default
   * group.initial.rebalance.delay.ms (3 s) joining alone takes that long.
   */
  readonly timeoutMs: number;
}

export const DEFAULT_BROWSE_LIMITS: BrowseLimits = {
  defaultLimit: 20,
  maxLimit: 500,
  scanBudget: 10_000,
  timeoutMs: 10_000,
};

export interface OperatorServiceDeps {
  readonly authenticator: Authenticator;
  readonly bus: Bus;
  readonly codec: AvroCodec;
  /** The agreements in force, read per call so a reloaded set applies from the next call. */
  readonly policies: () => PolicySet;
  readonly cursors: CursorStore;
  readonly viewSchemaId: (policy: TopicPolicy) => number;
  /** Open Subscribe streams by subscription id: reported as `connected`. */
  readonly sessions?: ReadonlyMap<string, unknown>;
  /**
   * Audits views of another country's records before an operator of the recipient country
   * sees them, as for subscribers: a browsed view is a disclosure too.
   */
  readonly audit?: (delivered: readonly DeliveredRecord[]) => Promise<void>;
  readonly limits?: Partial<BrowseLimits>;
}

/** Subscription id of an operator's browse in disclosure records. */
export const OPERATOR_BROWSE_SUBSCRIPTION = 'operator-browse';

const KIND: Record<InspectableTopic['kind'], TopicKind> = {
  events: TopicKind.EVENTS,
  'dead-letter': TopicKind.DEAD_LETTER,
  audit: TopicKind.AUDIT,
};

export function createOperatorService(deps: OperatorServiceDeps): OperatorServiceServer {
  const { bus, codec } = deps;
  const limits: BrowseLimits = { ...DEFAULT_BROWSE_LIMITS, ...deps.limits };

  /** Authenticates, requires the operator role, runs the handler; every error through toServiceError. */
  const unary =
    <Req, Res>(handler: (principal: Principal, request: Req) => Promise<Res>): handleUnaryCall<Req, Res> =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      void (async () => {
        let response: Res;
        try {
          const principal = deps.authenticator.authenticate(call);
          requireRole(principal, 'operator');
          response = await handler(principal, call.request);
        } catch (error) {
          callback(toServiceError(error));
          return;
        }
        callback(null, response);
      })();
    };

  const topicInfos = async (): Promise<Map<string, TopicInfo>> =>
    new Map((await bus.admin.listTopics()).map((info) => [info.topic, info]));

  const existing = (infos: ReadonlyMap<string, TopicInfo>, topic: string): TopicInfo => {
    const info = infos.get(topic);
    if (!info) throw topicNotFound(topic, `topic '${topic}' does not exist`);
    return info;
  };

  /** The catalog's latest value schema of a topic; undefined when the catalog has none. */
  const rawSchema = (topic: string): SchemaInfo | undefined => {
    try {
      const subject = codec.catalog.subjectOf(topic);
      const latest = codec.catalog.latest(subject);
      return {
        subject,
        schemaId: latest.id,
        version: latest.version,
        schema: codec.catalog.schemaText(latest.id) ?? '',
      };
    } catch {
      return undefined;
    }
  };

  const viewSchema = (policy: TopicPolicy): SchemaInfo => {
    const schemaId = deps.viewSchemaId(policy);
    let version = 0;
    try {
      const latest = codec.catalog.latest(policy.viewSubject);
      if (latest.id === schemaId) version = latest.version;
    } catch {
      version = 0; // a view the catalog lock does not list yet: registered at run time, no version
    }
    return { subject: policy.viewSubject, schemaId, version, schema: JSON.stringify(policy.viewSchema) };
  };

  const schemaOf = (access: InspectAccess): SchemaInfo | undefined => {
    if (access.access === 'view') return viewSchema(access.feed.policy);
    // Dead letters hold whatever could not be processed: no schema of their own.
    return access.topic.kind === 'dead-letter' ? undefined : rawSchema(access.topic.topic);
  };

  const summarize = (info: TopicInfo, access: InspectAccess): TopicSummary => {
    const topic = access.topic;
    const schema = schemaOf(access);
    return {
      name: info.topic,
      kind: KIND[topic.kind],
      originCountry: topic.kind === 'audit' ? '' : topic.origin,
      domain: topic.kind === 'audit' ? '' : topic.domain,
      access: access.access === 'raw' ? TopicAccess.RAW : TopicAccess.VIEW,
      viewAgreementId: access.access === 'view' ? access.feed.agreement.id : '',
      partitionCount: info.partitions.length,
      approximateRecordCount: String(info.partitions.reduce((sum, p) => sum + (BigInt(p.high) - BigInt(p.low)), 0n)),
      valueSubject: schema?.subject ?? '',
      latestSchemaId: schema?.schemaId ?? 0,
    };
  };

  /** Every way the principal may see a topic: raw, or one view per agreement sharing it. */
  const accessesOf = (principal: Principal, topic: InspectableTopic): InspectAccess[] => {
    if (topic.kind === 'audit') return [{ access: 'raw', topic }];
    if (topic.origin === principal.country) return [{ access: 'raw', topic }];
    if (topic.kind === 'dead-letter') return [];
    return feedsSharing(deps.policies(), topic.topic, principal.country).map((feed) => ({
      access: 'view',
      topic,
      feed,
      partner: { country: principal.country, agency: principal.agency },
    }));
  };

  // -------------------------------------------------------------------------------------------
  // Records

  interface Decoded {
    readonly value?: Record<string, unknown>;
    readonly schemaId?: number;
    readonly error?: string;
  }

  /** Decodes as the topic's current schema (a dead letter as its source topic's); never throws. */
  const decode = (topic: InspectableTopic, record: ConsumedRecord): Decoded => {
    const readAs = topic.kind === 'dead-letter' ? topic.source : topic.topic;
    try {
      if (!record.value) return { error: 'empty record value' };
      const decoded = codec.decode(record.value, { topic: readAs });
      return { value: decoded.value as Record<string, unknown>, schemaId: decoded.schemaId };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };

  interface Match {
    readonly record: ConsumedRecord;
    readonly decoded: Decoded;
    /** For a view: the admitting decision; undefined for raw, or when the view failed (`viewError`). */
    readonly decision?: Extract<Decision, { admitted: true }>;
    readonly viewError?: string;
  }

  const eventIdOf = (value: Record<string, unknown> | undefined): string => {
    const meta = value?.['meta'] as { eventId?: unknown } | undefined;
    return typeof meta?.eventId === 'string' ? meta.eventId : '';
  };

  const toBrowsed = (access: InspectAccess, match: Match, format: PayloadFormat): BrowsedRecord => {
    const { record, decoded } = match;
    const base = {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: new Date(record.timestamp),
      eventId: eventIdOf(decoded.value),
    };
    if (access.access === 'view') {
      const error = decoded.error ?? match.viewError;
      if (error !== undefined || !match.decision) {
        return {
          ...base,
          key: '',
          headers: {},
          schemaId: 0,
          payloadFormat: PayloadFormat.UNSPECIFIED,
          payload: Buffer.alloc(0),
          decodeError: error ?? 'no view',
        };
      }
      const schemaId = deps.viewSchemaId(access.feed.policy);
      const view = match.decision.view;
      return {
        ...base,
        key: releasedKey(view, record.key),
        headers: {},
        schemaId,
        payloadFormat: format,
        payload:
          format === PayloadFormat.AVRO_CONFLUENT
            ? codec.encodeWithSchemaId(schemaId, view)
            : Buffer.from(JSON.stringify(codec.toAvroJsonWithSchemaId(schemaId, view))),
        decodeError: '',
      };
    }
    const raw = { ...base, key: record.key ?? '', headers: textHeaders(record.headers) };
    if (decoded.error !== undefined || decoded.value === undefined) {
      return {
        ...raw,
        schemaId: 0,
        payloadFormat: PayloadFormat.UNSPECIFIED,
        payload: record.value ?? Buffer.alloc(0),
        decodeError: decoded.error ?? 'no value',
      };
    }
    const topic = access.topic;
    const readAs = topic.kind === 'dead-letter' ? topic.source : topic.topic;
    let payload: Buffer;
    try {
      payload =
        format === PayloadFormat.AVRO_CONFLUENT
          ? (record.value ?? Buffer.alloc(0))
          : Buffer.from(JSON.stringify(codec.toAvroJson(readAs, decoded.value)));
    } catch (error) {
      return {
        ...raw,
        schemaId: decoded.schemaId ?? 0,
        payloadFormat: PayloadFormat.UNSPECIFIED,
        payload: record.value ?? Buffer.alloc(0),
        decodeError: `cannot render as JSON: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    // JSON is written in the schema the value was read as (the topic's current one).
    const schemaId = format === PayloadFormat.AVRO_CONFLUENT ? (decoded.schemaId ?? 0) : codec.schemaIdOf(readAs);
    return { ...raw, schemaId, payloadFormat: format, payload, decodeError: '' };
  };

  const browse = async (principal: Principal, request: BrowseRecordsRequest): Promise<BrowseRecordsResponse> => {
    const access = authorizeInspect(principal, request.topic, {
      viewAgreementId: request.viewAgreementId,
      policies: deps.policies(),
    });
    const format = outputFormat(request.payloadFormat, 'payload_format');
    const limit = Math.min(request.limit === 0 ? limits.defaultLimit : request.limit, limits.maxLimit);
    const info = existing(await topicInfos(), request.topic);
    const selector = request.selector;
    const fingerprint = queryFingerprint(request);
    const resumed = request.pageToken === '' ? undefined : readPageToken(request.pageToken, fingerprint);
    if (resumed && selector === undefined) throw badRequest('page_token', 'the newest records have no next page');

    // Where to read, per partition: [from, to) as of now, so a browse never waits for new records.
    const ranges = new Map<number, { from: number; to: number }>();
    for (const p of info.partitions) {
      const low = Number(p.low);
      const high = Number(p.high);
      if (selector?.$case === 'offsets') {
        if (p.partition !== selector.value.partition) continue;
        const start = Math.max(low, Number(selector.value.startOffset ?? low));
        const end = Math.min(high, Number(selector.value.endOffset ?? high));
        ranges.set(p.partition, { from: start, to: end });
      } else if (selector === undefined) {
        ranges.set(p.partition, { from: Math.max(low, high - limit), to: high });
      } else {
        ranges.set(p.partition, { from: low, to: high });
      }
      const range = ranges.get(p.partition);
      const next = resumed?.[String(p.partition)];
      if (range && next !== undefined) range.from = Math.max(range.from, next);
    }
    if (selector?.$case === 'offsets' && !info.partitions.some((p) => p.partition === selector.value.partition)) {
      throw badRequest('offsets.partition', `${request.topic} has no partition ${selector.value.partition}`);
    }
    const times = selector?.$case === 'times' ? selector.value : undefined;
    const fromTime = times?.startTime?.getTime() ?? -Infinity;
    const untilTime = times?.endTime?.getTime() ?? Infinity;

    const accept = (record: ConsumedRecord): Match | undefined => {
      if (selector?.$case === 'key' && record.key !== selector.value) return undefined;
      if (times && (record.timestamp < fromTime || record.timestamp >= untilTime)) return undefined;
      const decoded = decode(access.topic, record);
      if (selector?.$case === 'eventId' && eventIdOf(decoded.value) !== selector.value) return undefined;
      if (access.access === 'raw' || decoded.value === undefined) return { record, decoded };
      let decision: Decision;
      try {
        decision = access.feed.policy.apply(decoded.value, access.partner);
      } catch (error) {
        return {
          record,
          decoded,
          viewError: `policy error: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      // Records the view withholds are omitted, as the partner would never receive them.
      return decision.admitted ? { record, decoded, decision } : undefined;
    };

    const scanned = await scan(bus, {
      topic: request.topic,
      ranges,
      perPartitionLimit: limit,
      budget: limits.scanBudget,
      timeoutMs: limits.timeoutMs,
      accept,
    });

    // Offset order within a partition, timestamp order across partitions.
    const merged = mergeByTime(scanned.matches);
    const chosen = selector === undefined ? merged.slice(-limit) : merged.slice(0, limit);
    let nextPageToken = '';
    if (selector !== undefined) {
      const next: Record<string, number> = {};
      const returned = new Set(chosen);
      let more = false;
      for (const [partition, state] of scanned.partitions) {
        const firstLeft = state.matches.find((m) => !returned.has(m));
        const position = firstLeft ? Number(firstLeft.record.offset) : state.next;
        next[String(partition)] = position;
        if (position < state.to) more = true;
      }
      if (more) nextPageToken = writePageToken(fingerprint, next);
    }

    if (access.access === 'view' && deps.audit) {
      const viewSchemaId = deps.viewSchemaId(access.feed.policy);
      await deps.audit(
        chosen.flatMap((match): DeliveredRecord[] =>
          match.decision && match.decoded.value
            ? [
                deliveredRecord(
                  {
                    principal,
                    subscriptionId: OPERATOR_BROWSE_SUBSCRIPTION,
                    feed: access.feed,
                    record: match.record,
                    viewSchemaId,
                  },
                  match.decoded.value,
                  match.decision,
                ),
              ]
            : [],
        ),
      );
    }
    return { records: chosen.map((match) => toBrowsed(access, match, format)), nextPageToken };
  };

  // -------------------------------------------------------------------------------------------
  // Subscription lag

  const subscriptionLag = async (
    principal: Principal,
    request: GetSubscriptionLagRequest,
  ): Promise<GetSubscriptionLagResponse> => {
    const infos = await topicInfos();
    const policies = deps.policies();
    const out: SubscriptionLag[] = [];
    for (const [id, positions] of deps.cursors.all()) {
      const parsed = parseSubscriptionId(id);
      if (!parsed) continue;
      const { subscriber, name } = parsed;
      if (request.subscriber) {
        if (request.subscriber.country !== '' && request.subscriber.country !== subscriber.country) continue;
        if (request.subscriber.agency !== '' && request.subscriber.agency !== subscriber.agency) continue;
      }
      if (request.subscription !== '' && request.subscription !== name) continue;
      const ownSubscriber = subscriber.country === principal.country;
      // Another country's subscription shows only the partitions of this country's topics it reads.
      const topics = Object.keys(positions)
        .filter((topic) => {
          const inspected = classifyTopic(topic);
          return ownSubscriber || (inspected?.kind === 'events' && inspected.origin === principal.country);
        })
        .filter((topic) => request.topic === '' || topic === request.topic)
        .sort();
      if (topics.length === 0) continue;
      const partitions: PartitionLag[] = [];
      for (const topic of topics) {
        for (const p of infos.get(topic)?.partitions ?? []) {
          const committed = positions[topic]?.[String(p.partition)];
          const from = BigInt(committed ?? p.low);
          const lag = BigInt(p.high) - from;
          partitions.push({
            topic,
            partition: p.partition,
            ...(committed === undefined ? {} : { committedOffset: committed }),
            endOffset: p.high,
            lag: String(lag > 0n ? lag : 0n),
          });
        }
      }
      const feeds = policies.agreements
        .filter((agreement) => agreement.covers(subscriber))
        .flatMap((agreement) =>
          topics.flatMap((topic) => {
            const policy = agreement.topics.get(topic);
            return policy ? [feedIdOf({ agreement, policy })] : [];
          }),
        );
      out.push({
        subscriber,
        subscription: name,
        // Cursors live in the compacted topic puente.subscription-cursors, keyed by subscription
        // id, not in a Kafka consumer group.
        consumerGroup: '',
        feeds,
        connected: deps.sessions?.has(id) ?? false,
        // The session does not expose its unacknowledged count yet.
        unacked: 0,
        totalLag: String(partitions.reduce((sum, p) => sum + BigInt(p.lag), 0n)),
        partitions,
        // The cursor store does not record when a cursor moved: last_ack_time stays unset.
      });
    }
    out.sort((a, b) =>
      `${a.subscriber?.country}.${a.subscriber?.agency}.${a.subscription}`.localeCompare(
        `${b.subscriber?.country}.${b.subscriber?.agency}.${b.subscription}`,
      ),
    );
    return { subscriptions: out };
  };

  // -------------------------------------------------------------------------------------------
  // Policy explanations

  const explainPolicy = async (principal: Principal, request: ExplainPolicyRequest): Promise<ExplainPolicyResponse> => {
    const topic = classifyTopic(request.topic);
    if (topic?.kind !== 'events') {
      throw new GatewayError({
        code: 'PERMISSION_DENIED',
        reason: ErrorReason.TOPIC_NOT_ALLOWED,
        message: `'${request.topic}' is not an event topic; only event topics have agreements`,
        metadata: { topic: request.topic },
      });
    }
    const own = topic.origin === principal.country;
    const policies = deps.policies();
    const target = request.target;
    if (!target) throw badRequest('agreement_id', 'name an agreement (agreement_id) or a partner');
    const event = request.event;
    if (!event) throw badRequest('inline', 'give the event inline or by event_id');
    if (!own && event.$case === 'eventId') {
      // A stored partner event would be read raw to evaluate it: the partner's data, unfiltered.
      throw new GatewayError({
        code: 'PERMISSION_DENIED',
        reason: ErrorReason.TOPIC_NOT_ALLOWED,
        message: `${principal.country}/${principal.agency} may not read stored ${topic.origin} events; give the event inline`,
        metadata: { topic: request.topic },
      });
    }

    // Which agreements, and for whom each is evaluated.
    let considered: { feed: Feed; partner: Partner }[];
    if (target.$case === 'agreementId') {
      const agreement = policies.agreement(target.value);
      if (!agreement) {
        throw new GatewayError({
          code: 'NOT_FOUND',
          reason: ErrorReason.AGREEMENT_NOT_FOUND,
          message: `no agreement '${target.value}' is loaded`,
          metadata: { agreement: target.value },
        });
      }
      if (!own && agreement.to.country !== principal.country) {
        throw new GatewayError({
          code: 'PERMISSION_DENIED',
          reason: ErrorReason.NO_AGREEMENT,
          message: `agreement ${agreement.id} shares ${agreement.from} data with ${agreement.to.country}, not ${principal.country}`,
          metadata: { agreement: agreement.id },
        });
      }
      const policy = agreement.topics.get(request.topic);
      const feed = policy && { agreement, policy };
      considered = feed
        ? [{ feed, partner: own ? recipientOf(feed) : { country: principal.country, agency: principal.agency } }]
        : [];
    } else {
      const partner = target.value;
      if (!own && partner.country !== principal.country) {
        throw new GatewayError({
          code: 'PERMISSION_DENIED',
          reason: ErrorReason.NO_AGREEMENT,
          message: `${principal.country} operators explain ${topic.origin} agreements only for ${principal.country} recipients`,
          metadata: { topic: request.topic },
        });
      }
      considered = feedsSharing(policies, request.topic, partner.country)
        .filter(
          (feed) =>
            partner.agency === '' ||
            feed.agreement.to.agencies === null ||
            feed.agreement.to.agencies.includes(partner.agency),
        )
        .map((feed) => ({ feed, partner: recipientOf(feed, partner.agency) }));
    }

    const value = await explainedEvent(request.topic, event);
    const format = outputFormat(request.viewFormat, 'view_format');
    return {
      explanations: considered.map(({ feed, partner }) => {
        const explanation = feed.policy.explain(value, partner);
        const decision = explanation.decision === 'admitted' ? feed.policy.apply(value, partner) : undefined;
        return explanationMessage(feed, explanation, decision, format);
      }),
    };
  };

  const explainedEvent = async (
    topic: string,
    event: NonNullable<ExplainPolicyRequest['event']>,
  ): Promise<Record<string, unknown>> => {
    if (event.$case === 'eventId') {
      const info = existing(await topicInfos(), topic);
      const inspected = classifyTopic(topic) as InspectableTopic;
      const ranges = new Map(info.partitions.map((p) => [p.partition, { from: Number(p.low), to: Number(p.high) }]));
      const found = await scan(bus, {
        topic,
        ranges,
        perPartitionLimit: 1,
        budget: limits.scanBudget,
        timeoutMs: limits.timeoutMs,
        accept: (record) => {
          const decoded = decode(inspected, record);
          return eventIdOf(decoded.value) === event.value ? { record, decoded } : undefined;
        },
      });
      // The newest version of the event when it was republished.
      const match = mergeByTime(found.matches).at(-1);
      if (!match?.decoded.value) {
        // The topic is there; the event is not (or not within the budget, which `complete` says).
        const complete = [...found.partitions.values()].every((p) => p.done);
        throw new GatewayError({
          code: 'NOT_FOUND',
          reason: ErrorReason.EVENT_NOT_FOUND,
          message: `no event ${event.value} in ${topic} (searched ${found.scanned} record(s)${complete ? ', all of them' : ', the budget ran out first'})`,
          metadata: { topic, eventId: event.value, scanned: String(found.scanned), complete: String(complete) },
          resourceInfo: {
            resourceType: 'puente.v1.Event',
            resourceName: event.value,
            owner: '',
            description: `no record of ${topic} searched carries this meta.eventId`,
          },
        });
      }
      return match.decoded.value;
    }
    const inline = event.value;
    if (inline.payloadFormat === PayloadFormat.AVRO_CONFLUENT) {
      return codec.decode(inline.payload, { topic }).value as Record<string, unknown>;
    }
    if (inline.payloadFormat === PayloadFormat.AVRO_JSON) {
      let json: unknown;
      try {
        json = JSON.parse(inline.payload.toString('utf8'));
      } catch (error) {
        throw new GatewayError({
          code: 'INVALID_ARGUMENT',
          reason: ErrorReason.PAYLOAD_UNDECODABLE,
          message: `inline.payload is not JSON: ${(error as Error).message}`,
        });
      }
      return codec.fromAvroJson(topic, json) as Record<string, unknown>;
    }
    throw badRequest('inline.payload_format', 'must be AVRO_CONFLUENT or AVRO_JSON');
  };

  const explanationMessage = (
    feed: Feed,
    explanation: Explanation,
    decision: Decision | undefined,
    format: PayloadFormat,
  ): PolicyExplanation => {
    const { agreement, policy } = feed;
    const released = decision?.admitted === true ? decision : undefined;
    const viewSchemaId = released ? deps.viewSchemaId(policy) : 0;
    return {
      agreementId: agreement.id,
      agreementVersion: String(agreement.version),
      recipients: (agreement.to.agencies ?? ['']).map((agency) => ({ country: agreement.to.country, agency })),
      decision: released ? PolicyDecision.RELEASE : PolicyDecision.WITHHOLD,
      decidingRule: released ? released.rule : '',
      summary: released
        ? `released to ${explanation.partner.country}/${explanation.partner.agency || '*'}: ${explanation.reason}`
        : `withheld: ${explanation.reason}`,
      rules: explanation.evaluations.map((evaluation) => ({
        rule: evaluation.rule,
        condition: evaluation.condition ?? '',
        matched: evaluation.result === true,
        error: typeof evaluation.result === 'object' ? evaluation.result.error : '',
      })),
      fields: released ? explanation.fields.map((field) => fieldMessage(field, released.rule)) : [],
      viewSchemaId,
      viewFormat: released ? format : PayloadFormat.UNSPECIFIED,
      viewPayload: !released
        ? Buffer.alloc(0)
        : format === PayloadFormat.AVRO_CONFLUENT
          ? codec.encodeWithSchemaId(viewSchemaId, released.view)
          : Buffer.from(JSON.stringify(codec.toAvroJsonWithSchemaId(viewSchemaId, released.view))),
    };
  };

  // -------------------------------------------------------------------------------------------

  return {
    listTopics: unary<ListTopicsRequest, ListTopicsResponse>(async (principal, request) => {
      const infos = [...(await topicInfos()).values()].sort((a, b) => a.topic.localeCompare(b.topic));
      const topics: TopicSummary[] = [];
      for (const info of infos) {
        if (!info.topic.startsWith(request.prefix)) continue;
        const inspected = classifyTopic(info.topic); // internal topics (puente.*, __*) are undefined
        if (!inspected) continue;
        for (const access of accessesOf(principal, inspected)) topics.push(summarize(info, access));
      }
      return { topics };
    }),

    describeTopic: unary<DescribeTopicRequest, DescribeTopicResponse>(async (principal, request) => {
      const access = authorizeInspect(principal, request.topic, {
        viewAgreementId: request.viewAgreementId,
        policies: deps.policies(),
      });
      const infos = await topicInfos();
      const info = existing(infos, request.topic);
      const described = await bus.admin.describeTopic(request.topic);
      const deadLetter = access.topic.kind === 'events' ? `dlq.${request.topic}` : '';
      return {
        topic: summarize(info, access),
        partitions: described.partitions.map((p) => ({
          partition: p.partition,
          leader: p.leader,
          replicas: [...p.replicas],
          inSyncReplicas: [...p.inSyncReplicas],
          startOffset: p.low,
          endOffset: p.high,
        })),
        schema: schemaOf(access),
        retention: {
          ...(described.retentionMs >= 0 ? { maxAge: durationOf(described.retentionMs) } : {}),
          ...(described.retentionBytes >= 0 ? { maxBytes: String(described.retentionBytes) } : {}),
          cleanupPolicy: described.cleanupPolicy,
        },
        config: { ...described.config },
        deadLetterTopic: infos.has(deadLetter) ? deadLetter : '',
      };
    }),

    browseRecords: unary<BrowseRecordsRequest, BrowseRecordsResponse>(browse),
    getSubscriptionLag: unary<GetSubscriptionLagRequest, GetSubscriptionLagResponse>(subscriptionLag),
    explainPolicy: unary<ExplainPolicyRequest, ExplainPolicyResponse>(explainPolicy),
  };
}

// ---------------------------------------------------------------------------------------------
// Bounded reading

interface ScanPlan<M> {
  readonly topic: string;
  /** Per partition: read offsets [from, to). */
  readonly ranges: ReadonlyMap<number, { readonly from: number; readonly to: number }>;
  /** A partition stops once it has this many matches (later ones sort after them). */
  readonly perPartitionLimit: number;
  /** Most records read in all. */
  readonly budget: number;
  readonly timeoutMs: number;
  readonly accept: (record: ConsumedRecord) => M | undefined;
}

interface PartitionScan<M> {
  /** Next offset not read yet. */
  next: number;
  readonly to: number;
  readonly matches: M[];
  done: boolean;
}

interface ScanResult<M> {
  readonly partitions: ReadonlyMap<number, PartitionScan<M>>;
  readonly matches: ReadonlyMap<number, readonly M[]>;
  readonly scanned: number;
}

/**
 * Reads the ranges through a short-lived reader until every partition reached its end (as of
 * the request), had enough matches, the budget ran out, or the time did; never waits for new
 * records. Nothing is committed.
 */
async function scan<M>(bus: Bus, plan: ScanPlan<M>): Promise<ScanResult<M>> {
  const partitions = new Map<number, PartitionScan<M>>();
  for (const [partition, range] of plan.ranges) {
    partitions.set(partition, { next: range.from, to: range.to, matches: [], done: range.from >= range.to });
  }
  let scanned = 0;
  const result = (): ScanResult<M> => ({
    partitions,
    matches: new Map([...partitions].map(([p, s]) => [p, s.matches])),
    scanned,
  });
  const finished = () => scanned >= plan.budget || [...partitions.values()].every((s) => s.done);
  const wanted = [...partitions].filter(([, s]) => !s.done);
  if (wanted.length === 0) return result();

  let stopped = false;
  let failure: Error | undefined;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const timer = setTimeout(() => finish(), plan.timeoutMs);
  let reader: Reader | undefined;
  const opening = bus
    .readFrom({
      topic: plan.topic,
      positions: wanted.map(([partition, s]) => ({ partition, offset: String(s.next) })),
      handler: async (batch) => {
        const state = partitions.get(batch.partition);
        if (stopped || !state || state.done) return;
        for (const record of batch.records) {
          const offset = Number(record.offset);
          if (offset < state.next) continue;
          if (offset >= state.to) {
            state.done = true;
            break;
          }
          if (scanned >= plan.budget) break;
          scanned++;
          state.next = offset + 1;
          const match = plan.accept(record);
          if (match !== undefined) {
            state.matches.push(match);
            if (state.matches.length >= plan.perPartitionLimit) {
              state.done = true;
              break;
            }
          }
        }
        if (state.next >= state.to) state.done = true;
        if (finished()) finish();
      },
    })
    .then(
      (opened) => {
        reader = opened;
      },
      (error: unknown) => {
        failure = error instanceof Error ? error : new Error('opening a reader failed', { cause: error });
        finish();
      },
    );
  await done;
  stopped = true;
  clearTimeout(timer);
  // Stop the reader outside its handler (stopping waits for the handler to return).
  await opening;
  await reader?.stop();
  if (failure !== undefined) throw failure;
  return result();
}

/** Offset order within each partition, merged by timestamp across partitions. */
function mergeByTime<M extends { readonly record: ConsumedRecord }>(
  byPartition: ReadonlyMap<number, readonly M[]>,
): M[] {
  const heads = [...byPartition].map(([partition, list]) => ({ partition, list, at: 0 }));
  const out: M[] = [];
  for (;;) {
    let best: (typeof heads)[number] | undefined;
    for (const head of heads) {
      const candidate = head.list[head.at];
      if (!candidate) continue;
      const current = best?.list[best.at];
      if (
        !current ||
        candidate.record.timestamp < current.record.timestamp ||
        (candidate.record.timestamp === current.record.timestamp && head.partition < (best?.partition ?? 0))
      ) {
        best = head;
      }
    }
    const next = best?.list[best.at];
    if (!best || !next) return out;
    out.push(next);
    best.at++;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function durationOf(ms: number): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

function badRequest(field: string, description: string): GatewayError {
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.REQUEST_INVALID,
    message: `${field}: ${description}`,
    fieldViolations: [{ field, description, reason: 'REQUEST_INVALID' }],
  });
}

function outputFormat(format: PayloadFormat, field: string): PayloadFormat {
  if (format === PayloadFormat.UNSPECIFIED || format === PayloadFormat.AVRO_JSON) return PayloadFormat.AVRO_JSON;
  if (format === PayloadFormat.AVRO_CONFLUENT) return format;
  throw badRequest(field, 'must be AVRO_CONFLUENT or AVRO_JSON');
}

/** Identifies a query (everything but the page token, limit and output format) for its page tokens. */
function queryFingerprint(request: BrowseRecordsRequest): string {
  const selector = request.selector;
  const described =
    selector?.$case === 'times'
      ? { $case: 'times', start: selector.value.startTime?.getTime(), end: selector.value.endTime?.getTime() }
      : selector;
  return createHash('sha256')
    .update(JSON.stringify([request.topic, request.viewAgreementId, described ?? null]))
    .digest('base64url')
    .slice(0, 16);
}

function writePageToken(fingerprint: string, next: Readonly<Record<string, number>>): string {
  return Buffer.from(JSON.stringify({ q: fingerprint, p: next })).toString('base64url');
}

function readPageToken(token: string, fingerprint: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const candidate = parsed as { q?: unknown; p?: unknown } | undefined;
  const positions = candidate?.p;
  if (
    candidate?.q !== fingerprint ||
    positions === null ||
    typeof positions !== 'object' ||
    !Object.values(positions).every((v) => Number.isSafeInteger(v) && (v as number) >= 0)
  ) {
    throw badRequest('page_token', 'not a page token of this query (topic, selector and view must be the same)');
  }
  return positions as Record<string, number>;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Headers whose values are UTF-8 text; binary ones are left out. */
function textHeaders(headers: Readonly<Record<string, Buffer>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    try {
      out[name] = UTF8.decode(value);
    } catch {
      // binary header: not shown
    }
  }
  return out;
}

/** The key is the entity id: shown with a view only when the view releases that value as is. */
function releasedKey(view: Record<string, unknown>, key: string | null): string {
  if (key === null) return '';
  for (const value of Object.values(view)) if (value === key) return key;
  return '';
}

/** `mx.anam.cargo-feed` → MX/ANAM, cargo-feed. */
function parseSubscriptionId(id: string): { subscriber: Partner; name: string } | undefined {
  const match = /^([a-z]{2})\.([a-z0-9-]+)\.([a-z0-9][a-z0-9-]*)$/.exec(id);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { subscriber: { country: match[1].toUpperCase(), agency: match[2].toUpperCase() }, name: match[3] };
}

function fieldMessage(field: FieldDecision, rule: string): FieldDecisionMessage {
  const [kind, transform = ''] = field.action.split(':');
  const action =
    kind === 'keep'
      ? FieldAction.KEEP
      : kind === 'hash'
        ? FieldAction.HASH
        : kind === 'mask'
          ? FieldAction.MASK
          : kind === 'generalize'
            ? FieldAction.GENERALIZE
            : FieldAction.DROP;
  const byDefault = field.decidedBy === null;
  return { path: field.path, action, transform, rule: byDefault ? '' : rule, byDefault };
}
