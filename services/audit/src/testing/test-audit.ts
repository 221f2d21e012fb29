// The real audit service for other packages' tests (gateway, CLI, console, end to end): it chains
// into `store` from where the disclosure topic ends now, since other tests on a shared broker
// write disclosures of their own ledgers, and signs checkpoints often (every 2 entries or 500 ms)
// on the test's own checkpoint topic, since every checkpoint on a topic is judged against one
// ledger.
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import { devCheckpointKey, type LedgerStore } from '@puente/ledger';
import { type Country, DISCLOSURE_TOPIC } from '@puente/runtime';

import { type AuditService, createAuditService } from '../audit-service.js';

export interface TestAuditOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly store: LedgerStore;
  readonly country: Country;
  /** The test's own checkpoint topic (also given to the gateway as `checkpointTopic`). */
  readonly checkpointTopic: string;
}

/** Started; the caller stops it (before the bus). */
export async function startTestAudit(options: TestAuditOptions): Promise<AuditService> {
  const { bus, codec, store, country, checkpointTopic } = options;
  const disclosures = await bus.admin.describeTopic(DISCLOSURE_TOPIC);
  await store.append(
    [],
    disclosures.partitions.map((p) => ({ topic: DISCLOSURE_TOPIC, partition: p.partition, offset: String(p.high) })),
  );
  const audit = createAuditService({
    bus,
    codec,
    store,
    country,
    signingKey: devCheckpointKey(country),
    checkpointEvery: { entries: 2, ms: 500 },
    replicationFactor: 1,
    checkpointTopic,
  });
  await audit.start();
  return audit;
}
