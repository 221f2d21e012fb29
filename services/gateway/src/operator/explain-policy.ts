// ExplainPolicy: what the agreements would do with one event — released or withheld, by which
// rule, and what happens to every field — for one agreement or every agreement sharing the topic
// with a partner. A stored event is read raw, so only for the operator's own country's topics.
import {
  ErrorReason,
  FieldAction,
  PayloadFormat,
  PolicyDecision,
  WithholdingGate,
  type EncodedEvent,
  type ExplainPolicyRequest,
  type ExplainPolicyResponse,
  type FieldDecision as FieldDecisionMessage,
  type PolicyExplanation,
} from '@puente/proto';
import type { AvroCodec } from '@puente/contracts';
import type { Decision, Explanation, Feed, FieldDecision, Gate, Partner, PolicySet } from '@puente/policy';

import { classifyTopic, feedsSharing, recipientOf, type InspectableTopic } from '../auth/authorization.js';
import { GatewayError } from '../grpc/errors.js';
import type { Principal } from '../auth/identity.js';
import { declaredPurposes } from '../auth/purposes.js';
import { requireOperator } from './access.js';
import type { OperatorContext } from './context.js';
import { decode, eventIdOf, renderView } from './records.js';
import { badRequest, outputFormat } from './request.js';
import { mergeByTime, scan, type ScanResult } from './scan.js';
import { existingTopic, topicInfos } from './topics.js';

export type ExplainPolicyDeps = Pick<OperatorContext, 'bus' | 'codec' | 'policies' | 'viewSchemaId' | 'limits'>;

type EventsTopic = Extract<InspectableTopic, { kind: 'events' }>;
type ExplainedEvent = NonNullable<ExplainPolicyRequest['event']>;

/** Who asks about which topic; `own` when the topic is of the asker's country. */
interface Asker {
  readonly principal: Principal;
  readonly topic: EventsTopic;
  readonly own: boolean;
}

/** An agreement to explain, and the recipient its view is computed for. */
interface Considered {
  readonly feed: Feed;
  readonly partner: Partner;
}

export async function explainPolicy(
  deps: ExplainPolicyDeps,
  principal: Principal,
  request: ExplainPolicyRequest,
): Promise<ExplainPolicyResponse> {
  requireOperator(principal);
  const topic = classifyTopic(request.topic);
  if (topic?.kind !== 'events') {
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.TOPIC_NOT_ALLOWED,
      message: `'${request.topic}' is not an event topic; only event topics have agreements`,
      metadata: { topic: request.topic },
    });
  }
  const asker: Asker = { principal, topic, own: topic.origin === principal.country };
  const policies = deps.policies();
  const target = request.target;
  if (!target) throw badRequest('agreement_id', 'name an agreement (agreement_id) or a partner');
  const event = request.event;
  if (!event) throw badRequest('inline', 'give the event inline or by event_id');
  if (!asker.own && event.$case === 'eventId') {
    // A stored partner event would be read raw to evaluate it: the partner's data, unfiltered.
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.TOPIC_NOT_ALLOWED,
      message: `${principal.country}/${principal.agency} may not read stored ${topic.origin} events; give the event inline`,
      metadata: { topic: request.topic },
    });
  }

  // Which agreements, and for whom each is evaluated.
  const considered =
    target.$case === 'agreementId'
      ? agreementFeeds(policies, asker, target.value)
      : partnerFeeds(policies, asker, target.value);

  const purposes = declaredPurposes(request.purposes, 'purposes', false);
  const value = await explainedEvent(deps, request.topic, event);
  const format = outputFormat(request.viewFormat, 'view_format');
  // One instant for the explanation and the view: at a key rotation's end they must agree.
  const now = Date.now();
  return {
    explanations: considered.map(({ feed, partner: recipient }) => {
      // Declared purposes take part in the decision only when the operator names some.
      const partner = purposes.length > 0 ? { ...recipient, purposes } : recipient;
      const explanation = feed.policy.explain(value, partner, now);
      const decision = explanation.decision === 'admitted' ? feed.policy.apply(value, partner, now) : undefined;
      return explanationMessage(deps, { feed, explanation, decision }, format);
    }),
  };
}

/** One agreement, by id: evaluated for its recipient (own topic) or for the asker (partner topic). */
function agreementFeeds(policies: PolicySet, asker: Asker, agreementId: string): Considered[] {
  const { principal, topic, own } = asker;
  const agreement = policies.agreement(agreementId);
  if (!agreement) {
    throw new GatewayError({
      code: 'NOT_FOUND',
      reason: ErrorReason.AGREEMENT_NOT_FOUND,
      message: `no agreement '${agreementId}' is loaded`,
      metadata: { agreement: agreementId },
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
  const policy = agreement.topics.get(topic.topic);
  const feed = policy && { agreement, policy };
  return feed
    ? [{ feed, partner: own ? recipientOf(feed) : { country: principal.country, agency: principal.agency } }]
    : [];
}

/** Every agreement sharing the topic with the partner (and its agency, when named). */
function partnerFeeds(policies: PolicySet, asker: Asker, partner: Partner): Considered[] {
  const { principal, topic, own } = asker;
  if (!own && partner.country !== principal.country) {
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.NO_AGREEMENT,
      message: `${principal.country} operators explain ${topic.origin} agreements only for ${principal.country} recipients`,
      metadata: { topic: topic.topic },
    });
  }
  return feedsSharing(policies, topic.topic, partner.country)
    .filter(
      (feed) =>
        partner.agency === '' ||
        feed.agreement.to.agencies === null ||
        feed.agreement.to.agencies.includes(partner.agency),
    )
    .map((feed) => ({ feed, partner: recipientOf(feed, partner.agency) }));
}

/** The event to explain: found in the topic by its eventId, or decoded from the request. */
async function explainedEvent(
  deps: Pick<OperatorContext, 'bus' | 'codec' | 'limits'>,
  topic: string,
  event: ExplainedEvent,
): Promise<Record<string, unknown>> {
  return event.$case === 'eventId'
    ? storedEvent(deps, topic, event.value)
    : inlineEvent(deps.codec, topic, event.value);
}

/** The newest record of `topic` carrying `eventId`; NOT_FOUND (EVENT_NOT_FOUND) when none within the budget. */
async function storedEvent(
  deps: Pick<OperatorContext, 'bus' | 'codec' | 'limits'>,
  topic: string,
  eventId: string,
): Promise<Record<string, unknown>> {
  const info = existingTopic(await topicInfos(deps.bus), topic);
  const inspected = classifyTopic(topic) as InspectableTopic;
  const ranges = new Map(info.partitions.map((p) => [p.partition, { from: Number(p.low), to: Number(p.high) }]));
  const found = await scan(deps.bus, {
    topic,
    ranges,
    // A correction or republication carries the same eventId, often on the same partition (same
    // key) after the original: a partition is read to its end (within the budget), not to its
    // first match, so its newest version is found.
    perPartitionLimit: Number.POSITIVE_INFINITY,
    budget: deps.limits.scanBudget,
    timeoutMs: deps.limits.timeoutMs,
    accept: (record) => {
      const decoded = decode(deps.codec, inspected, record);
      return eventIdOf(decoded.value) === eventId ? { record, decoded } : undefined;
    },
  });
  // The newest version of the event when it was republished.
  const match = mergeByTime(found.matches).at(-1);
  if (!match?.decoded.value) throw eventNotFound(topic, eventId, found);
  return match.decoded.value;
}

/** The topic is there; the event is not (or not within the budget, which `complete` says). */
function eventNotFound(topic: string, eventId: string, found: ScanResult<unknown>): GatewayError {
  const complete = [...found.partitions.values()].every((p) => p.done);
  return new GatewayError({
    code: 'NOT_FOUND',
    reason: ErrorReason.EVENT_NOT_FOUND,
    message: `no event ${eventId} in ${topic} (searched ${found.scanned} record(s)${complete ? ', all of them' : ', the budget ran out first'})`,
    metadata: { topic, eventId, scanned: String(found.scanned), complete: String(complete) },
    resourceInfo: {
      resourceType: 'puente.v1.Event',
      resourceName: eventId,
      owner: '',
      description: `no record of ${topic} searched carries this meta.eventId`,
    },
  });
}

/** An event given in the request, as Confluent-framed Avro or Avro JSON of the topic's schema. */
function inlineEvent(codec: AvroCodec, topic: string, inline: EncodedEvent): Record<string, unknown> {
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
}

function explanationMessage(
  deps: Pick<OperatorContext, 'codec' | 'viewSchemaId'>,
  outcome: { readonly feed: Feed; readonly explanation: Explanation; readonly decision: Decision | undefined },
  format: PayloadFormat,
): PolicyExplanation {
  const { feed, explanation, decision } = outcome;
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
    viewPayload: released ? renderView(deps.codec, viewSchemaId, released.view, format) : Buffer.alloc(0),
    gate: GATE_MESSAGES[explanation.gate ?? 'none'],
  };
}

const GATE_MESSAGES: Record<Gate | 'none', WithholdingGate> = {
  none: WithholdingGate.UNSPECIFIED,
  validity: WithholdingGate.VALIDITY,
  recipient: WithholdingGate.RECIPIENT,
  releasability: WithholdingGate.RELEASABILITY,
  ceiling: WithholdingGate.CEILING,
  purpose: WithholdingGate.PURPOSE,
  'declared-purpose': WithholdingGate.DECLARED_PURPOSE,
};

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
  return {
    path: field.path,
    action,
    transform,
    rule: byDefault ? '' : rule,
    byDefault,
    domesticOnly: field.domesticOnly === true,
    normalization: field.normalization ?? '',
    keyIds: [...(field.keyIds ?? [])],
  };
}
