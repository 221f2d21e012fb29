// The topics a gateway needs at start: the feeds' topics it tails, and (embedded mode and tests)
// every topic it reads or writes, created when missing.
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { PolicySet } from '@puente/policy';
import { DISCLOSURE_TOPIC } from '@puente/runtime';

import { deadLetterTopicsOf } from './dead-letter.js';

/** Every topic an agreement shares, once each, sorted. */
export function feedTopicsOf(policies: PolicySet): string[] {
  return [...new Set(policies.agreements.flatMap((agreement) => [...agreement.topics.keys()]))].sort();
}

/** Creates the catalog's topics, their dead-letter topics (one partition) and the disclosure topic. */
export async function ensureGatewayTopics(bus: Bus, codec: AvroCodec, partitions: number): Promise<void> {
  await bus.admin.ensureTopics([
    ...codec.topics().map((topic) => ({ topic, partitions })),
    ...deadLetterTopicsOf(codec.topics()).map((topic) => ({ topic, partitions: 1 })),
    { topic: DISCLOSURE_TOPIC, partitions },
  ]);
}
