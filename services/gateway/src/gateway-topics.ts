// The topics a gateway needs at start: the feeds' topics it tails, and (embedded mode and tests)
// every topic it reads or writes, created when missing. The disclosure topic is not among them:
// the gateway always makes it itself, with its own retention and replication (audit-topic.ts).
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { PolicySet } from '@puente/policy';
import { DISCLOSURE_TOPIC } from '@puente/runtime';

import { deadLetterTopicsOf } from './dead-letter.js';

/** Every topic an agreement shares, once each, sorted. */
export function feedTopicsOf(policies: PolicySet): string[] {
  return [...new Set(policies.agreements.flatMap((agreement) => [...agreement.topics.keys()]))].sort();
}

/** Creates the catalog's topics but the disclosure topic, and their dead-letter topics (one partition). */
export async function ensureGatewayTopics(bus: Bus, codec: AvroCodec, partitions: number): Promise<void> {
  const topics = codec.topics().filter((topic) => topic !== DISCLOSURE_TOPIC);
  await bus.admin.ensureTopics([
    ...topics.map((topic) => ({ topic, partitions })),
    ...deadLetterTopicsOf(topics).map((topic) => ({ topic, partitions: 1 })),
  ]);
}
