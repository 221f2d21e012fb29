// Feeds as the contracts describe them: one per (agreement, topic) the partner may read, with
// the view schema it will receive.
import type { Feed as FeedMessage } from '@puente/proto';
import type { Feed, TopicPolicy } from '@puente/policy';

export const feedIdOf = (feed: Feed): string => `${feed.agreement.id}/${feed.policy.topic}`;

export function describeFeed(feed: Feed, viewSchemaId: (policy: TopicPolicy) => number): FeedMessage {
  const { policy, agreement } = feed;
  return {
    feedId: feedIdOf(feed),
    topic: policy.topic,
    agreementId: agreement.id,
    agreementVersion: String(agreement.version),
    owner: { country: agreement.from, agency: '' },
    recipients: (agreement.to.agencies ?? ['']).map((agency) => ({ country: agreement.to.country, agency })),
    purposes: [...agreement.purposes],
    viewSubject: policy.viewSubject,
    viewSchemaId: viewSchemaId(policy),
    viewSchema: JSON.stringify(policy.viewSchema),
    validFrom: agreement.validFrom ?? undefined,
    validUntil: agreement.validUntil ?? undefined,
  };
}
