// Every consumer group holding committed offsets, with its lag on the partitions it committed:
// kafkajs's listGroups, an OffsetFetch per group for all its topics, the groups' states and the
// offsets of the topics they committed on.
import type { Admin } from 'kafkajs';

import type { GroupDescription, GroupPartitionLag, ListGroupsOptions } from '../types.js';
import { READER_GROUP_PREFIX } from './reader.js';

/** OffsetFetch requests in flight at once: a shared cluster can hold thousands of groups. */
const FETCH_CONCURRENCY = 16;

/** A group's committed offsets, as kafkajs fetches them ('-1': none on that partition). */
export type GroupCommits = readonly {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number; readonly offset: string }[];
}[];

type PartitionRange = { readonly partition: number; readonly low: string; readonly high: string };

/**
 * `offsetsOf` reads a topic's partition offsets (admin.ts's `topicOffsets`, passed in so the two
 * modules do not import each other).
 */
export async function listGroups(
  admin: Admin,
  offsetsOf: (topic: string) => Promise<readonly PartitionRange[]>,
  options: ListGroupsOptions = {},
): Promise<GroupDescription[]> {
  const accepts = options.topics;
  // With a topic filter each OffsetFetch names only the accepted topics, and only their offsets are read.
  const wanted = accepts ? (await admin.listTopics()).filter(accepts).sort() : undefined;
  if (wanted?.length === 0) return [];
  const { groups } = await admin.listGroups();
  // Readers never commit (see reader.ts): asking for their offsets would cost a request each.
  const ids = groups
    .map((g) => g.groupId)
    .filter((id) => !id.startsWith(READER_GROUP_PREFIX))
    .sort();
  const fetched = await mapLimited(ids, FETCH_CONCURRENCY, async (groupId) => ({
    groupId,
    commits: await commitsOf(admin, groupId, wanted, accepts),
  }));
  const committing = fetched.filter(({ commits }) => committedTopics(commits).length > 0);
  if (committing.length === 0) return [];

  const existing = new Set(await admin.listTopics());
  const topics = [...new Set(committing.flatMap(({ commits }) => committedTopics(commits)))]
    .filter((topic) => existing.has(topic))
    .sort();
  const [described, ...offsets] = await Promise.all([
    admin.describeGroups(committing.map(({ groupId }) => groupId)),
    ...topics.map(offsetsOf),
  ]);
  const offsetsByTopic = new Map(topics.map((topic, index) => [topic, offsets[index] ?? []]));
  return committing.map(({ groupId, commits }) => {
    const group = described.groups.find((g) => g.groupId === groupId);
    return {
      groupId,
      state: group?.state ?? 'Dead',
      members: group?.members.length ?? 0,
      partitions: committedLag(commits, offsetsByTopic),
    };
  });
}

/**
 * A group's commits on the wanted topics. No topics: OffsetFetch (v2+) answers every topic the
 * group committed on. kafkajs looks up the metadata of each topic named, so a topic deleted since it
 * was listed fails the call: then every topic is asked for, and the accepted ones kept.
 */
async function commitsOf(
  admin: Admin,
  groupId: string,
  wanted: readonly string[] | undefined,
  accepts: ((topic: string) => boolean) | undefined,
): Promise<GroupCommits> {
  if (!wanted || !accepts) return admin.fetchOffsets({ groupId });
  try {
    return await admin.fetchOffsets({ groupId, topics: [...wanted] });
  } catch {
    return (await admin.fetchOffsets({ groupId })).filter(({ topic }) => accepts(topic));
  }
}

/** The topics a group holds at least one commit on. */
function committedTopics(commits: GroupCommits): string[] {
  return commits.filter(({ partitions }) => partitions.some((p) => p.offset !== '-1')).map(({ topic }) => topic);
}

/**
 * A group's lag on exactly the partitions it committed on, of the topics in `offsetsByTopic` (a
 * topic deleted since is left out), never below zero, sorted by topic and partition.
 */
export function committedLag(
  commits: GroupCommits,
  offsetsByTopic: ReadonlyMap<string, readonly PartitionRange[]>,
): GroupPartitionLag[] {
  const partitions = commits.flatMap(({ topic, partitions: committed }) =>
    committed.flatMap(({ partition, offset }): GroupPartitionLag[] => {
      const range = offsetsByTopic.get(topic)?.find((p) => p.partition === partition);
      if (offset === '-1' || !range) return [];
      const lag = BigInt(range.high) - BigInt(offset);
      return [{ topic, partition, committed: offset, high: range.high, lag: (lag > 0n ? lag : 0n).toString() }];
    }),
  );
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return partitions;
}

/** `fn` over `items` with at most `limit` calls pending, results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
