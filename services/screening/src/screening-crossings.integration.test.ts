// Screening of traveller crossings on a real Kafka broker: Mexico's lists shared as a hashed file
// (written by dumpSharedWatchlists, read by a shared watchlist store), a crossing published on
// us.traveller-crossings.v1 comes back as a CONFIRMED result through Mexico's hashed passport
// number; a crossing breaking the domain rules goes to dlq.us.traveller-crossings.v1 and the
// next one is still screened, with the group's offsets committed past both.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type ConsumedRecord, DEAD_LETTER_HEADERS, KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec, type TravellerCrossing } from '@puente/contracts';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createDocumentHasher, singleKeyRing } from './document-hasher.js';
import { createScreeningService, type ScreeningService } from './screening-service.js';
import { dumpSharedWatchlists, shareWatchlists } from './shared-watchlists.js';
import { crossing, DEV_KEY_BASE64, passport, person } from './testing/crossings.js';
import { createWatchlistStore, loadWatchlists } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const codec = createCodec();
const CROSSINGS = 'us.traveller-crossings.v1';
const OUT = 'us.screening-results.v1';
const DLQ = `dlq.${CROSSINGS}`;

describe('screening traveller crossings on Kafka', () => {
  let bus: KafkaBus;
  let service: ScreeningService;
  const run = Date.now();
  const groupId = `puente.screening.us.crossings-it-${run}`;
  const hasher = createDocumentHasher({ ring: singleKeyRing('usmx-dev-1', DEV_KEY_BASE64) });
  const sharedFile = join(mkdtempSync(join(tmpdir(), 'screening-shared-')), 'mx-shared.yaml');

  beforeAll(async () => {
    // What Mexico hands over: its lists with every document number replaced by its keyed hash.
    writeFileSync(
      sharedFile,
      dumpSharedWatchlists(shareWatchlists(loadWatchlists(repo('deploy/watchlists/mx.yaml')), hasher)),
    );
    expect(readFileSync(sharedFile, 'utf8')).not.toMatch(/1234-5678|12345678/);
    bus = new KafkaBus({
      brokers: testKafkaBrokers(),
      clientId: 'screening-crossings-it',
      heartbeatIntervalMs: 500,
      sessionTimeoutMs: 6_000,
    });
    await bus.start();
    service = createScreeningService({
      bus,
      codec,
      country: 'US',
      watchlists: createWatchlistStore(repo('deploy/watchlists/us.yaml')),
      partnerWatchlists: createWatchlistStore(sharedFile, { kind: 'shared' }),
      documentHasher: hasher,
      groupId,
      ensureTopics: { partitions: 3 },
    });
    await service.start();
  });

  afterAll(async () => {
    await service?.stop();
    await bus?.stop();
  });

  it("confirms Mexico's wanted person by hashed passport, dead-letters a broken crossing and screens the next", async () => {
    // Fresh ids per run: the topics may hold earlier runs' records.
    const key = `SY-IT-${run}`;
    const bad: TravellerCrossing = crossing({ crossingId: key, travelDocuments: [passport('   ')] });
    const wanted: TravellerCrossing = crossing({
      crossingId: key,
      // Presented in the US as printed in the passport; Mexico listed it as "G 1234-5678".
      traveller: person({
        givenNames: 'Heriberto',
        surname: 'Valdivia',
        secondSurname: null,
        dateOfBirth: '1984-03-11',
      }),
      travelDocuments: [passport('g12345678')],
    });

    const received: ConsumedRecord[] = [];
    const reader = await bus.subscribe({
      groupId: `screening-crossings-it-reader-${run}`,
      topics: [OUT, DLQ],
      fromBeginning: true,
      autoCommit: true,
      handler: async (batch) => void received.push(...batch.records.filter((r) => r.key === key)),
    });
    try {
      // Same key: the broken crossing sits in front of the good one on one partition.
      await bus.publish(CROSSINGS, [
        { key, value: codec.encode(CROSSINGS, bad) },
        { key, value: codec.encode(CROSSINGS, wanted) },
      ]);
      await waitFor(() => received.length >= 2, 60_000, 'one dead letter and one screening result');

      const letter = received.find((r) => r.topic === DLQ);
      expect(letter?.headers[DEAD_LETTER_HEADERS.reason]?.toString()).toBe(
        'travelDocuments[0].documentNumber: must not be blank (nothing but spaces, dashes or invisible characters)',
      );
      const results = received.filter((r) => r.topic === OUT).map((r) => codec.decode(r.value!, { topic: OUT }).value);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        screeningId: `${key}/traveller`,
        subjectType: 'TRAVELLER',
        crossingReference: key,
        outcome: 'CONFIRMED_MATCH',
        matchedEntry: { listId: 'FGR-ORDENES', entryId: 'FGR-OA-7705' },
        referredForInspection: true,
      });
      expect(results[0]?.matchedEntry?.matchedOn).toContain('documentNumber');
      expect(results[0]?.meta.correlationId).toBe(wanted.meta.eventId);

      await waitFor(
        async () => (await bus.admin.describeGroup(groupId, [CROSSINGS])).partitions.every((p) => p.lag === '0'),
        30_000,
        'both crossings committed past',
      );
    } finally {
      await reader.stop();
    }
  });
});
