// The screening process serves its own Prometheus metrics: started as README says (its
// package's start script) on real Kafka, GET /metrics over a real socket answers with the
// process's figures, and a manifest it screens moves its counter; started with the partner's
// shared file and the bilateral key, a crossing of the partner's wanted person is a traveller hit.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { KafkaBus } from '@puente/bus';
import { type CargoManifest, createCodec, readExamples } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { NOT_AVRO } from '@puente/contracts/testing';
import { freePort, type ServiceProcess, startServiceProcess, waitFor } from '@puente/runtime/testing';
import { afterAll, describe, expect, it } from 'vitest';

import { createDocumentHasher, singleKeyRing } from './document-hasher.js';
import { dumpSharedWatchlists, shareWatchlists } from './shared-watchlists.js';
import { crossing, DEV_KEY_BASE64, passport, person } from './testing/crossings.js';
import { loadWatchlists } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const IN = 'us.cargo-manifests.v1';
const CROSSINGS = 'us.traveller-crossings.v1';

const sample = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

describe('the screening process', () => {
  let running: ServiceProcess | undefined;
  afterAll(async () => {
    await running?.stop('SIGKILL');
  });

  it('serves its metrics on PUENTE_METRICS_PORT, and they follow what it screens', async () => {
    const port = await freePort();
    // Mexico's lists as shared with the US: document numbers as keyed hashes under the dev key.
    const sharedFile = join(mkdtempSync(join(tmpdir(), 'screening-main-')), 'mx-shared.yaml');
    const hasher = createDocumentHasher({ ring: singleKeyRing('usmx-dev-1', DEV_KEY_BASE64) });
    writeFileSync(
      sharedFile,
      dumpSharedWatchlists(shareWatchlists(loadWatchlists(repo('deploy/watchlists/mx.yaml')), hasher)),
    );
    running = await startServiceProcess({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/main.ts'],
      cwd: repo('services/screening'),
      env: {
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        PUENTE_COUNTRY: 'US',
        PUENTE_SCREENING_GROUP_ID: `screening-metrics-${randomUUID().slice(0, 8)}`,
        PUENTE_ENSURE_TOPICS_PARTITIONS: '3',
        PUENTE_METRICS_PORT: String(port),
        PUENTE_PARTNER_WATCHLIST_FILE: sharedFile,
        PUENTE_HASH_KEY_US_MX: DEV_KEY_BASE64,
      },
      ready: 'screening ready',
    });
    const scrape = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      return response.text();
    };
    const first = await scrape();
    expect(sample(first, 'puente_screening_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(first).toContain('puente_screening_manifests_total{country="US"}');
    const before = sample(first, 'puente_screening_manifests_total') ?? 0;
    const hitsBefore = sample(first, 'puente_screening_traveller_hits_total') ?? 0;

    const codec = createCodec();
    const bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'screening-metrics-test' });
    await bus.start();
    const example = readExamples(repo('schemas/examples')).find(
      (e) => e.file === 'cargo-manifests/us-northbound-otay-mesa-produce.json',
    );
    const manifest: CargoManifest = codec.fromFriendlyJson(IN, example?.value);
    const value = { ...manifest, manifestId: `MET${Date.now()}`, meta: { ...manifest.meta, eventId: randomUUID() } };
    // A record that is not Avro first: set aside to the dead letters, counted, and screening goes on.
    await bus.publish(IN, [
      { key: 'not-avro', value: NOT_AVRO },
      { key: value.manifestId, value: codec.encode(IN, value) },
    ]);
    // Mexico's wanted person at San Ysidro: a hit only through the shared file's hashed passport.
    const wanted = crossing({
      traveller: person({ givenNames: 'Aurelio', surname: 'Benítez', dateOfBirth: '1984-03-11' }),
      travelDocuments: [passport('G12345678')],
    });
    await bus.publish(CROSSINGS, [{ key: wanted.crossingId, value: codec.encode(CROSSINGS, wanted) }]);
    await bus.stop();
    await waitFor(
      async () => (sample(await scrape(), 'puente_screening_manifests_total') ?? 0) > before,
      60_000,
      'the screened manifest to be counted',
    );
    expect(sample(await scrape(), 'puente_screening_results_total')).toBeGreaterThan(0);
    await waitFor(
      async () => (sample(await scrape(), 'puente_screening_traveller_hits_total') ?? 0) > hitsBefore,
      60_000,
      'the crossing to be counted as a traveller hit',
    );
    // The group may start on older records of the topic: wait for the dead letter itself.
    const deadLettered = (text: string) =>
      Number(
        text
          .split('\n')
          .find(
            (line) =>
              line.startsWith('puente_dead_lettered_total{') &&
              line.includes('service="screening-us"') &&
              line.includes('reason_class="undecodable"'),
          )
          ?.split(' ')
          .at(-1) ?? 0,
      );
    await waitFor(async () => deadLettered(await scrape()) >= 1, 60_000, 'the not-Avro record to be dead-lettered');

    expect(await running.stop('SIGTERM')).toBe(0);
  });
});
