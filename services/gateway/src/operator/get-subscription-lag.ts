// GetSubscriptionLag: per subscription, how far its committed cursor is behind the end of each
// partition it reads, from the cursor store (not Kafka consumer groups); beside them the services'
// consumer groups (consumer-group-lag.ts). An operator sees its own country's subscribers, and
// partners' only on its own country's topics.
import type {
  GetSubscriptionLagRequest,
  GetSubscriptionLagResponse,
  PartitionLag,
  SubscriptionLag,
} from '@puente/proto';
import type { TopicInfo } from '@puente/bus';
import type { Partner, PolicySet } from '@puente/policy';

import { classifyTopic } from '../auth/authorization.js';
import { feedIdOf } from '../subscribe/feeds.js';
import type { Principal } from '../auth/identity.js';
import type { CursorPositions } from '../subscribe/cursor-store.js';
import { requireOperator } from './access.js';
import { consumerGroupLags } from './consumer-group-lag.js';
import type { OperatorContext } from './context.js';
import { topicInfos } from './topics.js';

export type GetSubscriptionLagDeps = Pick<OperatorContext, 'bus' | 'policies' | 'cursors' | 'sessions'>;

export async function getSubscriptionLag(
  deps: GetSubscriptionLagDeps,
  principal: Principal,
  request: GetSubscriptionLagRequest,
): Promise<GetSubscriptionLagResponse> {
  requireOperator(principal);
  // A consumer group named: no subscription; a subscriber or subscription named: no group.
  const [subscriptions, consumerGroups] = await Promise.all([
    request.consumerGroup === '' ? subscriptionLags(deps, principal, request) : [],
    request.subscriber === undefined && request.subscription === ''
      ? consumerGroupLags(deps.bus, principal, request)
      : [],
  ]);
  return { subscriptions, consumerGroups };
}

async function subscriptionLags(
  deps: GetSubscriptionLagDeps,
  principal: Principal,
  request: GetSubscriptionLagRequest,
): Promise<SubscriptionLag[]> {
  const infos = await topicInfos(deps.bus);
  const policies = deps.policies();
  const out: SubscriptionLag[] = [];
  for (const [id, positions] of deps.cursors.all()) {
    const parsed = parseSubscriptionId(id);
    if (!parsed || !selected(request, parsed)) continue;
    const { subscriber, name } = parsed;
    const topics = visibleTopics(principal, subscriber, positions).filter(
      (topic) => request.topic === '' || topic === request.topic,
    );
    if (topics.length === 0) continue;
    const partitions = partitionLags(infos, positions, topics);
    out.push({
      subscriber,
      subscription: name,
      // Cursors live in the compacted topic puente.subscription-cursors, keyed by subscription
      // id, not in a Kafka consumer group.
      consumerGroup: '',
      feeds: feedsOf(policies, subscriber, topics),
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
  return out;
}

interface SubscriptionName {
  readonly subscriber: Partner;
  readonly name: string;
}

/** `mx.anam.cargo-feed` → MX/ANAM, cargo-feed. */
function parseSubscriptionId(id: string): SubscriptionName | undefined {
  const match = /^([a-z]{2})\.([a-z0-9-]+)\.([a-z0-9][a-z0-9-]*)$/.exec(id);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { subscriber: { country: match[1].toUpperCase(), agency: match[2].toUpperCase() }, name: match[3] };
}

/** Whether the request's subscriber and subscription filters let the subscription through. */
function selected(request: GetSubscriptionLagRequest, { subscriber, name }: SubscriptionName): boolean {
  if (request.subscriber) {
    if (request.subscriber.country !== '' && request.subscriber.country !== subscriber.country) return false;
    if (request.subscriber.agency !== '' && request.subscriber.agency !== subscriber.agency) return false;
  }
  return request.subscription === '' || request.subscription === name;
}

/** The topics of a subscription the operator may see, sorted. */
function visibleTopics(principal: Principal, subscriber: Partner, positions: CursorPositions): string[] {
  const ownSubscriber = subscriber.country === principal.country;
  // Another country's subscription shows only the partitions of this country's topics it reads.
  return Object.keys(positions)
    .filter((topic) => {
      const inspected = classifyTopic(topic);
      return ownSubscriber || (inspected?.kind === 'events' && inspected.origin === principal.country);
    })
    .sort();
}

/** Lag per partition of each topic: from the committed cursor, or the partition's start without one. */
function partitionLags(
  infos: ReadonlyMap<string, TopicInfo>,
  positions: CursorPositions,
  topics: readonly string[],
): PartitionLag[] {
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
  return partitions;
}

/** Feed ids (`<agreement>/<topic>`) of the agreements covering the subscriber for these topics. */
function feedsOf(policies: PolicySet, subscriber: Partner, topics: readonly string[]): string[] {
  return policies.agreements
    .filter((agreement) => agreement.covers(subscriber))
    .flatMap((agreement) =>
      topics.flatMap((topic) => {
        const policy = agreement.topics.get(topic);
        return policy ? [feedIdOf({ agreement, policy })] : [];
      }),
    );
}
