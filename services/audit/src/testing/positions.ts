// Where the disclosure topic ends now: tests on a broker other tests also wrote to start a fresh
// ledger there, so the service reads only what the test publishes.
import type { Bus } from '@puente/bus';
import type { ConsumedPosition, LedgerStore } from '@puente/ledger';
import { DISCLOSURE_TOPIC } from '@puente/runtime';

export async function disclosureTopicEnd(bus: Bus, topic: string = DISCLOSURE_TOPIC): Promise<ConsumedPosition[]> {
  const { partitions } = await bus.admin.describeTopic(topic);
  return partitions.map((p) => ({ topic, partition: p.partition, offset: p.high }));
}

/** Records the topic's current end as the ledger's positions (an append of no disclosures). */
export async function startLedgerAtTopicEnd(
  bus: Bus,
  store: Pick<LedgerStore, 'append'>,
  topic: string = DISCLOSURE_TOPIC,
): Promise<void> {
  await store.append([], await disclosureTopicEnd(bus, topic));
}
