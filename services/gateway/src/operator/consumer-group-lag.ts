// The consumer-group half of GetSubscriptionLag: services' Kafka consumer groups (screening, risk …)
// and how far each is behind on the caller's country's topics. Only those partitions are shown, so
// an operator never sees where a group stands on another country's topics.
import type { ConsumerGroupLag, GetSubscriptionLagRequest } from '@puente/proto';
import { READER_GROUP_PREFIX, type Bus, type GroupDescription } from '@puente/bus';

import { classifyTopic } from '../auth/authorization.js';
import type { Principal } from '../auth/identity.js';

/** The groups with commits on the country's events and dead-letter topics, filtered as the request says. */
export async function consumerGroupLags(
  bus: Bus,
  principal: Principal,
  request: Pick<GetSubscriptionLagRequest, 'topic' | 'consumerGroup'>,
): Promise<ConsumerGroupLag[]> {
  // Only the country's topics are asked about: on a shared cluster every other group's position
  // on every other topic would cost offsets read for nothing.
  const groups = await bus.admin.listGroups({
    topics: (topic) => ownCountryTopic(principal, topic) && (request.topic === '' || topic === request.topic),
  });
  return groups
    .filter(({ groupId }) => !groupId.startsWith(READER_GROUP_PREFIX))
    .filter(({ groupId }) => request.consumerGroup === '' || groupId === request.consumerGroup)
    .flatMap((group) => {
      const partitions = group.partitions.filter(
        ({ topic }) => ownCountryTopic(principal, topic) && (request.topic === '' || topic === request.topic),
      );
      return partitions.length === 0 ? [] : [groupLag(group, partitions)];
    })
    .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

/** An events topic of the caller's country (`<cc>.*`) or its dead letters (`dlq.<cc>.*`). */
function ownCountryTopic(principal: Principal, topic: string): boolean {
  const inspected = classifyTopic(topic);
  return (inspected?.kind === 'events' || inspected?.kind === 'dead-letter') && inspected.origin === principal.country;
}

function groupLag(group: GroupDescription, partitions: GroupDescription['partitions']): ConsumerGroupLag {
  return {
    groupId: group.groupId,
    state: group.state,
    members: group.members,
    totalLag: String(partitions.reduce((sum, p) => sum + BigInt(p.lag), 0n)),
    partitions: partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      ...(p.committed === null ? {} : { committedOffset: p.committed }),
      endOffset: p.high,
      lag: p.lag,
    })),
  };
}
