// ListTopics: the topics an operator may inspect, with how it sees each — its own country's raw,
// a partner's once per agreement that shares it (as that view). Internal topics are never listed.
import type { ListTopicsRequest, ListTopicsResponse, TopicSummary } from '@puente/proto';

import { classifyTopic } from '../auth/authorization.js';
import type { Principal } from '../auth/identity.js';
import { accessesOf, requireOperator } from './access.js';
import type { OperatorContext } from './context.js';
import { summarize, topicInfos } from './topics.js';

export type ListTopicsDeps = Pick<OperatorContext, 'bus' | 'codec' | 'policies' | 'viewSchemaId'>;

export async function listTopics(
  deps: ListTopicsDeps,
  principal: Principal,
  request: ListTopicsRequest,
): Promise<ListTopicsResponse> {
  requireOperator(principal);
  const infos = [...(await topicInfos(deps.bus)).values()].sort((a, b) => a.topic.localeCompare(b.topic));
  const topics: TopicSummary[] = [];
  for (const info of infos) {
    if (!info.topic.startsWith(request.prefix)) continue;
    const inspected = classifyTopic(info.topic); // internal topics (puente.*, __*) are undefined
    if (!inspected) continue;
    for (const access of accessesOf(deps.policies, principal, inspected)) topics.push(summarize(deps, info, access));
  }
  return { topics };
}
