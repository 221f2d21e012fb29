// Kill and restart the risk service mid-stream on a real Kafka: every manifest gets exactly one
// assessment. The first instance "crashes": its commits stop reaching Kafka part-way (as if the
// process died between publishing and committing), then it is torn down with its connection.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import type { Bus } from '@puente/bus';
import type { CargoManifest } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadRiskRules } from './risk-rules.js';
import { createRiskService } from './risk-service.js';
import { publishManifest, publishResults, readAssessments } from './testing/bus-helpers.js';
import { exampleManifest, repoRoot, screeningResultsFor } from './testing/fixtures.js';
import { loadTrustedShippers } from './trusted-shippers.js';

const codec = createCodec();
const rules = loadRiskRules(join(repoRoot, 'deploy/risk/us.yaml'));
const trustedShippers = loadTrustedShippers(join(repoRoot, 'deploy/trusted-shippers/us.yaml'));
const OUTPUT = 'us.risk-assessments.v1';

/** A bus whose subscriptions stop committing once `frozen()` says so: a crash between publish and commit. */
function crashableBus(bus: Bus, frozen: () => boolean): Bus {
  return {
    kind: bus.kind,
    admin: bus.admin,
    start: () => bus.start(),
    stop: () => bus.stop(),
    publish: (topic, records) => bus.publish(topic, records),
    readFrom: (options) => bus.readFrom(options),
    subscribe: async (options) => {
      const subscription = await bus.subscribe(options);
      return {
        groupId: subscription.groupId,
        commit: async (offsets) => (frozen() ? undefined : subscription.commit(offsets)),
        pause: (topics) => subscription.pause(topics),
        resume: (topics) => subscription.resume(topics),
        assignments: () => subscription.assignments(),
        stop: () => subscription.stop(),
      };
    },
  };
}

describe('risk service on Kafka', () => {
  const run = randomUUID().slice(0, 8);
  const groupId = `puente.risk.us.it-${run}`;
  let admin: KafkaBus;

  beforeAll(async () => {
    admin = new KafkaBus({ brokers: testKafkaBrokers(), clientId: `risk-it-${run}` });
    await admin.start();
    await admin.admin.ensureTopics(
      ['us.cargo-manifests.v1', 'us.screening-results.v1', OUTPUT].map((topic) => ({ topic, partitions: 3 })),
    );
  });
  afterAll(async () => {
    await admin.stop();
  });

  it('gives every manifest exactly one assessment across a crash and restart', async () => {
    const before = new Set((await readAssessments(admin, codec, OUTPUT)).map((a) => a.value.subject.eventId));
    const manifests: CargoManifest[] = Array.from({ length: 30 }, (_, i) =>
      exampleManifest(i % 3 === 0 ? 'us-northbound-otay-mesa-produce' : 'us-northbound-laredo', {
        manifestId: `IT-${run}-${String(i).padStart(3, '0')}`,
      }),
    );

    let publishedByFirst = 0;
    const firstBus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: `risk-it-a-${run}` });
    await firstBus.start();
    const first = createRiskService({
      bus: crashableBus(firstBus, () => publishedByFirst >= 5),
      codec,
      country: 'US',
      rules,
      trustedShippers,
      groupId,
      onAssessment: () => (publishedByFirst += 1),
    });
    await first.start();

    // The stream: manifests and their results, some results before their manifest.
    const producing = (async () => {
      for (const [i, manifest] of manifests.entries()) {
        const results = screeningResultsFor(manifest);
        if (i % 4 === 0) {
          await publishResults(admin, codec, manifest, results);
          await publishManifest(admin, codec, manifest);
        } else {
          await publishManifest(admin, codec, manifest);
          await publishResults(admin, codec, manifest, results);
        }
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
    })();

    await waitFor(() => publishedByFirst >= 12, 60_000, 'the first instance to assess 12 manifests');
    // Crash: commits stopped after 5 assessments; the process and its connections go away.
    await first.stop();
    await firstBus.stop();

    const secondBus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: `risk-it-b-${run}` });
    await secondBus.start();
    const second = createRiskService({ bus: secondBus, codec, country: 'US', rules, trustedShippers, groupId });
    await second.start();
    await producing;

    const ours = async () =>
      (await readAssessments(admin, codec, OUTPUT)).filter(
        (a) => !before.has(a.value.subject.eventId) && a.value.subject.entityId.startsWith(`IT-${run}-`),
      );
    await waitFor(async () => (await ours()).length >= manifests.length, 90_000, 'an assessment per manifest');
    // Let any duplicate that was going to appear appear.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const assessments = await ours();
    const stats = second.stats();
    await second.stop();
    await secondBus.stop();

    expect(publishedByFirst).toBeGreaterThanOrEqual(12);
    const perManifest = new Map<string, number>();
    for (const a of assessments)
      perManifest.set(a.value.subject.eventId, (perManifest.get(a.value.subject.eventId) ?? 0) + 1);
    expect(perManifest.size).toBe(manifests.length);
    expect([...perManifest.values()].every((n) => n === 1)).toBe(true);
    for (const manifest of manifests) expect(perManifest.get(manifest.meta.eventId)).toBe(1);
    expect(stats.alreadyAssessed).toBeGreaterThan(0); // the restart really re-read assessed manifests
    // And the lanes make sense: the trusted Laredo shipper expedited, the untrusted produce shipper standard.
    const lanes = new Map(assessments.map((a) => [a.value.subject.entityId, a.value.recommendedLane]));
    expect(lanes.get(manifests[1]!.manifestId)).toBe('EXPEDITED');
    expect(lanes.get(manifests[0]!.manifestId)).toBe('STANDARD');
    expect(assessments.every((a) => !a.value.factors.some((f) => f.code === 'SCREENING_INCOMPLETE'))).toBe(true);
  });
});
