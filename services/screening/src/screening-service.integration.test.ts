// The screening service on a real Kafka broker: a manifest published with the codec to
// us.cargo-manifests.v1 comes back as four screening results on us.screening-results.v1,
// keyed by the manifest id, and the group's offsets are committed after publishing.
import { fileURLToPath } from 'node:url';

import { type ConsumedRecord, KafkaBus } from '@puente/bus';
import { type CargoManifest, createCodec, readExamples } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createScreeningService, type ScreeningService } from './screening-service.js';
import { createWatchlistStore } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const codec = createCodec();
const IN = 'us.cargo-manifests.v1';
const OUT = 'us.screening-results.v1';

describe('screening service on Kafka', () => {
  let bus: KafkaBus;
  let service: ScreeningService;
  const groupId = `puente.screening.us.it-${Date.now()}`;

  beforeAll(async () => {
    bus = new KafkaBus({
      brokers: testKafkaBrokers(),
      clientId: 'screening-it',
      heartbeatIntervalMs: 500,
      sessionTimeoutMs: 6_000,
    });
    await bus.start();
    // Screening subscribes to crossings too, so that topic must exist as well.
    await bus.admin.ensureTopics([IN, OUT, 'us.traveller-crossings.v1'].map((topic) => ({ topic, partitions: 3 })));
    service = createScreeningService({
      bus,
      codec,
      country: 'US',
      watchlists: createWatchlistStore(repo('deploy/watchlists/us.yaml')),
      groupId,
    });
    await service.start();
  });

  afterAll(async () => {
    await service?.stop();
    await bus?.stop();
  });

  it('screens a published manifest and publishes one result per party, keyed by manifest', async () => {
    const example = readExamples(repo('schemas/examples')).find(
      (e) => e.file === 'cargo-manifests/us-northbound-otay-mesa-produce.json',
    )!;
    const manifest: CargoManifest = codec.fromFriendlyJson(IN, example.value);
    // A fresh manifest id and eventId per run: the topic may hold earlier runs' records.
    const manifestId = `IT${Date.now()}`;
    const value: CargoManifest = { ...manifest, manifestId, meta: { ...manifest.meta, eventId: crypto.randomUUID() } };

    const received: ConsumedRecord[] = [];
    const reader = await bus.subscribe({
      groupId: `screening-it-reader-${Date.now()}`,
      topics: [OUT],
      fromBeginning: true,
      autoCommit: true,
      handler: async (batch) => void received.push(...batch.records.filter((r) => r.key === manifestId)),
    });
    try {
      await bus.publish(IN, [{ key: manifestId, value: codec.encode(IN, value) }]);
      await waitFor(() => received.length >= 4, 60_000, 'four screening results');

      const results = received.map((r) => codec.decode(r.value!, { topic: OUT }).value);
      expect(results.map((r) => r.screeningId).sort()).toEqual(
        ['carrier', 'consignee', 'consignor', 'driver'].map((role) => `${manifestId}/${role}`),
      );
      expect(new Set(received.map((r) => r.partition)).size).toBe(1);
      const consignee = results.find((r) => r.screeningId.endsWith('/consignee'))!;
      expect(consignee.outcome).toMatch(/^(POTENTIAL|CONFIRMED)_MATCH$/);
      expect(consignee.matchedEntry).toMatchObject({ listId: 'OFAC-SDN', entryId: 'SDN-90001' });
      expect(results.every((r) => r.meta.correlationId === value.meta.eventId)).toBe(true);

      await waitFor(
        async () => (await bus.admin.describeGroup(groupId, [IN])).partitions.every((p) => p.lag === '0'),
        30_000,
        'the manifest offset committed',
      );
    } finally {
      await reader.stop();
    }
  });
});
