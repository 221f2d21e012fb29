// Topics as the OperatorService reports them: which exist (with their offsets), the value schema
// an operator sees (the view schema for a view), and the summary ListTopics and DescribeTopic share.
import { TopicAccess, TopicKind, type SchemaInfo, type TopicSummary } from '@puente/proto';
import type { Bus, TopicInfo } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { TopicPolicy } from '@puente/policy';

import type { InspectableTopic, InspectAccess } from '../auth/authorization.js';
import { topicNotFound } from '../grpc/errors.js';
import type { OperatorContext } from './context.js';

/** What `schemaOf` and `summarize` read. */
export type SchemaDeps = Pick<OperatorContext, 'codec' | 'viewSchemaId'>;

const KIND: Record<InspectableTopic['kind'], TopicKind> = {
  events: TopicKind.EVENTS,
  'dead-letter': TopicKind.DEAD_LETTER,
  audit: TopicKind.AUDIT,
};

/** Every topic of the bus with its partitions' offsets, by name. */
export async function topicInfos(bus: Bus): Promise<Map<string, TopicInfo>> {
  return new Map((await bus.admin.listTopics()).map((info) => [info.topic, info]));
}

/** The topic's offsets; NOT_FOUND (TOPIC_NOT_FOUND) when it does not exist. */
export function existingTopic(infos: ReadonlyMap<string, TopicInfo>, topic: string): TopicInfo {
  const info = infos.get(topic);
  if (!info) throw topicNotFound(topic, `topic '${topic}' does not exist`);
  return info;
}

/** The catalog's latest value schema of a topic; undefined when the catalog has none. */
function rawSchema(codec: AvroCodec, topic: string): SchemaInfo | undefined {
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
}

function viewSchema(deps: SchemaDeps, policy: TopicPolicy): SchemaInfo {
  const schemaId = deps.viewSchemaId(policy);
  let version = 0;
  try {
    const latest = deps.codec.catalog.latest(policy.viewSubject);
    if (latest.id === schemaId) version = latest.version;
  } catch {
    version = 0; // a view the catalog lock does not list yet: registered at run time, no version
  }
  return { subject: policy.viewSubject, schemaId, version, schema: JSON.stringify(policy.viewSchema) };
}

/** The value schema as the access sees it; undefined for dead letters and topics the catalog lacks. */
export function schemaOf(deps: SchemaDeps, access: InspectAccess): SchemaInfo | undefined {
  if (access.access === 'view') return viewSchema(deps, access.feed.policy);
  // Dead letters hold whatever could not be processed: no schema of their own.
  return access.topic.kind === 'dead-letter' ? undefined : rawSchema(deps.codec, access.topic.topic);
}

export function summarize(deps: SchemaDeps, info: TopicInfo, access: InspectAccess): TopicSummary {
  const topic = access.topic;
  const schema = schemaOf(deps, access);
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
}
