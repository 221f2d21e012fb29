// BusAdmin on kafkajs's admin client: topics made ready to serve, described with their placement
// and own configuration, and consumer groups with their lag.
import type { Admin, DescribeConfigResponse, ITopicConfig, ITopicMetadata } from 'kafkajs';

import { BusError, unknownTopic } from '../errors.js';
import type {
  BusAdmin,
  GroupDescription,
  GroupPartitionLag,
  TopicDescription,
  TopicInfo,
  TopicSpec,
} from '../types.js';
import { TOPIC_CONFIG_SOURCE, TOPIC_RESOURCE } from './config-resources.js';
import { withKafkaErrors } from './errors.js';
import { listGroups } from './list-groups.js';

export interface KafkaAdminOptions {
  /** How long `ensureTopics` waits for the partitions' leaders to serve them. */
  readonly leaderWaitMs: number;
  /** Told of the topics `ensureTopics` made ready (created or found), once they are. */
  readonly onReady: (topics: readonly string[]) => void;
  /** Told of the topics deleted. */
  readonly onDeleted: (topics: readonly string[]) => void;
}

export function createKafkaAdmin(admin: Admin, options: KafkaAdminOptions): BusAdmin {
  return {
    ensureTopics: (specs) => withKafkaErrors('creating topics', () => ensureTopics(admin, specs, options)),
    listTopics: () => withKafkaErrors('listing topics', () => listTopics(admin)),
    describeTopic: (topic) => withKafkaErrors(`describing topic '${topic}'`, () => describeTopic(admin, topic)),
    describeGroup: (groupId, topics) =>
      withKafkaErrors(`describing group '${groupId}'`, () => describeGroup(admin, groupId, topics)),
    listGroups: (options) =>
      withKafkaErrors('listing consumer groups', () =>
        listGroups(admin, (topic) => topicOffsets(admin, topic), options),
      ),
    deleteTopics: (topics) =>
      withKafkaErrors('deleting topics', async () => {
        await admin.deleteTopics({ topics: [...topics] });
        options.onDeleted(topics);
      }),
  };
}

async function ensureTopics(admin: Admin, specs: readonly TopicSpec[], options: KafkaAdminOptions): Promise<string[]> {
  checkSpecs(specs);
  const missing = topicsToCreate(specs, new Set(await admin.listTopics()));
  if (missing.length > 0) {
    await admin.createTopics({ waitForLeaders: false, topics: missing.map(topicConfigOf) });
  }
  // Topics another process has just created may not be served yet either: all are waited for.
  const ready = [...new Set(specs.map((spec) => spec.topic))];
  await waitForLeaders(admin, ready, options.leaderWaitMs);
  options.onReady(ready);
  return missing.map((spec) => spec.topic);
}

export function checkSpecs(specs: readonly TopicSpec[]): void {
  for (const spec of specs) {
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new BusError({
        code: 'INVALID_ARGUMENT',
        message: `topic '${spec.topic}' needs a whole number of partitions ≥ 1, got ${spec.partitions}`,
      });
    }
  }
}

/** The specs of topics not in `existing`; the first spec of a topic wins (Kafka refuses a request naming a topic twice). */
export function topicsToCreate(specs: readonly TopicSpec[], existing: ReadonlySet<string>): TopicSpec[] {
  return specs.filter(
    (spec, index) => !existing.has(spec.topic) && specs.findIndex((s) => s.topic === spec.topic) === index,
  );
}

/** A spec as kafkajs creates it: retention and cleanup policy from the spec's fields unless its configs name them. */
export function topicConfigOf(spec: TopicSpec): ITopicConfig {
  return {
    topic: spec.topic,
    numPartitions: spec.partitions,
    replicationFactor: spec.replicationFactor ?? 1,
    configEntries: [
      { name: 'retention.ms', value: String(spec.retentionMs ?? 7 * 24 * 3_600_000) },
      { name: 'cleanup.policy', value: spec.cleanupPolicy ?? 'delete' },
    ]
      .filter(({ name }) => spec.configs?.[name] === undefined)
      .concat(Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value }))),
  };
}

async function listTopics(admin: Admin): Promise<TopicInfo[]> {
  const names = (await admin.listTopics()).filter((name) => !name.startsWith('__')).sort();
  return Promise.all(
    names.map(async (topic): Promise<TopicInfo> => {
      const offsets = await topicOffsets(admin, topic);
      return {
        topic,
        partitions: offsets
          .map(({ partition, low, high }) => ({ partition, low, high }))
          .sort((a, b) => a.partition - b.partition),
      };
    }),
  );
}

async function describeTopic(admin: Admin, topic: string): Promise<TopicDescription> {
  // listTopics answers for a missing topic at once; a metadata request for it would retry.
  if (!(await admin.listTopics()).includes(topic)) throw unknownTopic(topic);
  const [{ topics }, offsets, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics: [topic] }),
    topicOffsets(admin, topic),
    admin.describeConfigs({
      resources: [{ type: TOPIC_RESOURCE, name: topic }],
      includeSynonyms: false,
    }),
  ]);
  return topicDescription(topic, topics[0], offsets, configs.resources[0]?.configEntries ?? []);
}

type ConfigEntry = DescribeConfigResponse['resources'][number]['configEntries'][number];
type PartitionRange = { readonly partition: number; readonly low: string; readonly high: string };
/** A group's committed offsets on one topic, as kafkajs fetches them ('-1': none). */
type CommittedOffsets = {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number; readonly offset: string }[];
};

/** A topic described from its metadata, its partitions' offsets and its config entries. */
export function topicDescription(
  topic: string,
  metadata: Pick<ITopicMetadata, 'partitions'> | undefined,
  offsets: readonly PartitionRange[],
  entries: readonly ConfigEntry[],
): TopicDescription {
  const value = (name: string) => entries.find((entry) => entry.configName === name)?.configValue;
  const placement = new Map((metadata?.partitions ?? []).map((p) => [p.partitionId, p]));
  return {
    topic,
    partitions: offsets
      .map(({ partition, low, high }) => ({
        partition,
        low,
        high,
        leader: placement.get(partition)?.leader ?? -1,
        replicas: [...(placement.get(partition)?.replicas ?? [])],
        inSyncReplicas: [...(placement.get(partition)?.isr ?? [])],
      }))
      .sort((a, b) => a.partition - b.partition),
    retentionMs: Number(value('retention.ms') ?? '-1'),
    retentionBytes: Number(value('retention.bytes') ?? '-1'),
    cleanupPolicy: value('cleanup.policy') ?? 'delete',
    config: ownConfig(entries),
  };
}

/** The entries set on the topic itself, not inherited, leaving out sensitive ones. */
export function ownConfig(entries: readonly ConfigEntry[]): Record<string, string> {
  const config: Record<string, string> = {};
  for (const entry of entries) {
    // Set on the topic itself (configSource needs DescribeConfigs v1+; isDefault otherwise).
    const own = entry.configSource === undefined ? !entry.isDefault : entry.configSource === TOPIC_CONFIG_SOURCE;
    if (own && !entry.isSensitive) config[entry.configName] = entry.configValue;
  }
  return config;
}

async function describeGroup(admin: Admin, groupId: string, topics: readonly string[]): Promise<GroupDescription> {
  const [{ groups }, committed, ...offsets] = await Promise.all([
    admin.describeGroups([groupId]),
    admin.fetchOffsets({ groupId, topics: [...topics] }),
    ...topics.map((topic) => topicOffsets(admin, topic)),
  ]);
  const group = groups[0];
  return {
    groupId,
    state: group?.state ?? 'Dead',
    members: group?.members.length ?? 0,
    partitions: groupLag(topics, committed, offsets),
  };
}

/**
 * A group's position and lag on every partition of `topics` (each topic's partition offsets in
 * `topicOffsets`, in the same order), sorted by topic and partition.
 */
export function groupLag(
  topics: readonly string[],
  committed: readonly CommittedOffsets[],
  topicOffsets: readonly (readonly PartitionRange[] | undefined)[],
): GroupPartitionLag[] {
  const partitions = topics.flatMap((topic, index) =>
    (topicOffsets[index] ?? []).map(({ partition, low, high }) => {
      const raw = committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === partition);
      const hasCommit = raw !== undefined && raw.offset !== '-1';
      const from = BigInt(hasCommit ? raw.offset : low);
      const lag = BigInt(high) - from;
      return {
        topic,
        partition,
        committed: hasCommit ? raw.offset : null,
        high,
        lag: (lag > 0n ? lag : 0n).toString(),
      };
    }),
  );
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return partitions;
}

/**
 * A topic's partition offsets. Right after a topic is created (by this process or another),
 * kafkajs 2.2.4's fetchTopicOffsets can find no offsets for it in one of its two ListOffsets
 * answers and throws a TypeError ("Cannot destructure property 'partitions' of 'low.pop(...)'"),
 * even once the leaders served a first request: asked again a moment later, it answers. A
 * TypeError is retried a few times; anything else, and a TypeError that persists, is thrown.
 */
export async function topicOffsets(
  admin: Admin,
  topic: string,
): Promise<Awaited<ReturnType<Admin['fetchTopicOffsets']>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (!(error instanceof TypeError) || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/**
 * Resolves once every partition of the topics has a leader that serves it. Metadata alone is not
 * enough: a broker publishes a new partition's leader in its metadata before its replica manager
 * has taken the partition on, and a request in that gap fails with "not the leader for that
 * topic-partition" — the first start on a fresh broker did. A ListOffsets per topic goes to each
 * partition's leader, so its success is the proof.
 */
async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...topics];
  let lastProblem = 'no metadata yet';
  for (;;) {
    const still: string[] = [];
    for (const topic of pending) {
      try {
        const { topics: [metadata] = [] } = await admin.fetchTopicMetadata({ topics: [topic] });
        const leaderless = metadata?.partitions.filter((p) => p.leader < 0).map((p) => p.partitionId) ?? [];
        if (!metadata || metadata.partitions.length === 0 || leaderless.length > 0) {
          still.push(topic);
          lastProblem = `${topic} partitions ${leaderless.join(', ') || '(none yet)'} have no leader`;
          continue;
        }
        await admin.fetchTopicOffsets(topic);
      } catch (error) {
        still.push(topic);
        lastProblem = `${topic}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (still.length === 0) return;
    pending = still;
    if (Date.now() >= deadline) {
      throw new BusError({
        code: 'TIMEOUT',
        retriable: true,
        message: `topics ${pending.join(', ')} got no serving partition leaders within ${timeoutMs} ms (last: ${lastProblem})`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
