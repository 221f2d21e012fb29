// Whether a topic keeps its records for good: what in its configuration would let Kafka delete
// them. The gateway's disclosure topic and the audit service's checkpoint topics must keep every
// record; both refuse to start on a topic this finds anything in.
import type { TopicDescription } from './types.js';

/** What in a topic's configuration would delete records (retention by time or size, compaction); empty when nothing would. */
export function expiryProblems(
  description: Pick<TopicDescription, 'retentionMs' | 'retentionBytes' | 'cleanupPolicy'>,
): string[] {
  const problems: string[] = [];
  if (description.retentionMs !== -1) problems.push(`retention.ms=${description.retentionMs}`);
  if (description.retentionBytes !== -1) problems.push(`retention.bytes=${description.retentionBytes}`);
  if (description.cleanupPolicy.split(',').some((policy) => policy.trim() === 'compact')) {
    problems.push(`cleanup.policy=${description.cleanupPolicy}`);
  }
  return problems;
}
