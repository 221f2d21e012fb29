// DescribeTopic: one topic in detail — partitions with offsets and replicas, the value schema as
// the operator sees it (the view schema for a partner's topic), retention, configuration and its
// dead-letter topic.
import type { DescribeTopicRequest, DescribeTopicResponse } from '@puente/proto';
import { deadLetterTopicOf } from '@puente/runtime';

import { authorizeInspect } from '../auth/authorization.js';
import type { Principal } from '../auth/identity.js';
import { requireOperator } from './access.js';
import type { OperatorContext } from './context.js';
import { existingTopic, schemaOf, summarize, topicInfos } from './topics.js';

export type DescribeTopicDeps = Pick<OperatorContext, 'bus' | 'codec' | 'policies' | 'viewSchemaId'>;

export async function describeTopic(
  deps: DescribeTopicDeps,
  principal: Principal,
  request: DescribeTopicRequest,
): Promise<DescribeTopicResponse> {
  requireOperator(principal);
  const access = authorizeInspect(principal, request.topic, {
    viewAgreementId: request.viewAgreementId,
    policies: deps.policies(),
  });
  const infos = await topicInfos(deps.bus);
  const info = existingTopic(infos, request.topic);
  const described = await deps.bus.admin.describeTopic(request.topic);
  const deadLetter = access.topic.kind === 'events' ? deadLetterTopicOf(request.topic) : '';
  return {
    topic: summarize(deps, info, access),
    partitions: described.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader,
      replicas: [...p.replicas],
      inSyncReplicas: [...p.inSyncReplicas],
      startOffset: p.low,
      endOffset: p.high,
    })),
    schema: schemaOf(deps, access),
    retention: {
      ...(described.retentionMs >= 0 ? { maxAge: durationOf(described.retentionMs) } : {}),
      ...(described.retentionBytes >= 0 ? { maxBytes: String(described.retentionBytes) } : {}),
      cleanupPolicy: described.cleanupPolicy,
    },
    config: { ...described.config },
    deadLetterTopic: infos.has(deadLetter) ? deadLetter : '',
  };
}

function durationOf(ms: number): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}
