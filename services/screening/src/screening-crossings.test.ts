// The screening service on crossings (MemoryBus): each traveller crossing yields one result keyed
// by the crossing, matched against the own lists and the partner's hashed ones; a crossing that
// breaks the domain rules is dead-lettered with the broken rules as the reason.
import { fileURLToPath } from 'node:url';

import { type ConsumedRecord, DEAD_LETTER_HEADERS, MemoryBus } from '@puente/bus';
import { createCodec, type ScreeningResult, type TravellerCrossing } from '@puente/contracts';
import type { Logger } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { createDocumentHasher, singleKeyRing } from './document-hasher.js';
import { travellerScreeningEventId } from './result-ids.js';
import { createScreeningService, type ScreeningService, type ScreeningServiceOptions } from './screening-service.js';
import { shareWatchlists } from './shared-watchlists.js';
import { crossing, DEV_KEY_BASE64, passport, person, ringOf } from './testing/crossings.js';
import { fixedWatchlists, loadWatchlists } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const codec = createCodec();
const hasher = createDocumentHasher({ ring: singleKeyRing('usmx-dev-1', DEV_KEY_BASE64) });
const us = loadWatchlists(repo('deploy/watchlists/us.yaml'));
const mxShared = shareWatchlists(loadWatchlists(repo('deploy/watchlists/mx.yaml')), hasher);

const CROSSINGS = 'us.traveller-crossings.v1';
const OUT = 'us.screening-results.v1';
const TOPICS = ['us.cargo-manifests.v1', CROSSINGS, OUT, 'dlq.us.cargo-manifests.v1', `dlq.${CROSSINGS}`];

let bus: MemoryBus;
let service: ScreeningService | undefined;

async function setUp(options: Partial<ScreeningServiceOptions> = {}) {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message: string) =>
    void lines.push({ level, fields, message });
  const logger = {
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
  } as unknown as Logger;
  bus = new MemoryBus();
  await bus.start();
  await bus.admin.ensureTopics(TOPICS.map((topic) => ({ topic, partitions: 3 })));
  service = createScreeningService({
    bus,
    codec,
    country: 'US',
    watchlists: fixedWatchlists(us),
    partnerWatchlists: fixedWatchlists(mxShared),
    documentHasher: hasher,
    now: () => 1_764_000_000_000,
    logger,
    ...options,
  });
  await service.start();
  const received: ConsumedRecord[] = [];
  await bus.subscribe({
    groupId: `test.${Math.random()}`,
    topics: [OUT],
    fromBeginning: true,
    autoCommit: true,
    handler: async (b) => void received.push(...b.records),
  });
  const results = (): ScreeningResult[] => received.map((r) => codec.decode(r.value!, { topic: OUT }).value);
  return { received, results, lines };
}

const publish = (...values: TravellerCrossing[]) =>
  bus.publish(
    CROSSINGS,
    values.map((value) => ({ key: value.crossingId, value: codec.encode(CROSSINGS, value) })),
  );

/** Mexico's wanted person FGR-OA-7705 at San Ysidro, presenting his passport written another way. */
const wanted = () =>
  crossing({
    traveller: person({
      givenNames: 'Heriberto',
      surname: 'Valdivia',
      secondSurname: 'Escamilla',
      dateOfBirth: '1984-03-11',
    }),
    travelDocuments: [passport('g12345678')],
  });

afterEach(async () => {
  await service?.stop();
  await bus.stop();
  service = undefined;
});

describe('screening traveller crossings (MemoryBus)', () => {
  it("confirms a traveller through the partner's hashed list and publishes one result keyed by the crossing", async () => {
    const { received, results } = await setUp();
    const value = wanted();
    await publish(value);
    await waitFor(() => received.length === 1, 5_000, 'one result');

    expect(received[0]?.key).toBe(value.crossingId);
    expect(received[0]?.headers['ce_source']?.toString()).toBe('/puente/US/CBP/screening');
    const [result] = results();
    expect(result).toMatchObject({
      screeningId: `${value.crossingId}/traveller`,
      subjectType: 'TRAVELLER',
      outcome: 'CONFIRMED_MATCH',
      score: 1,
      matchedEntry: {
        listId: 'FGR-ORDENES',
        entryId: 'FGR-OA-7705',
        matchedName: 'VALDIVIA ESCAMILLA, Heriberto',
        matchedOn: ['name', 'dateOfBirth', 'documentNumber'],
      },
      referredForInspection: true,
      crossingReference: value.crossingId,
      manifestReference: null,
      partyRole: null,
      party: null,
      portOfEntry: value.portOfEntry,
      ruleId: 'CBP-TECS-TRV-001',
    });
    expect(result?.meta).toMatchObject({
      eventId: travellerScreeningEventId(value.meta.eventId),
      correlationId: value.meta.eventId,
      originCountry: 'US',
      originAgency: 'CBP',
    });
    // The traveller carries the documents presented, so the agreements can hash their numbers.
    expect(result?.traveller?.documents).toEqual(value.travelDocuments);
    expect(result?.lists.map((l) => l.listId)).toEqual([
      'OFAC-SDN',
      'CBP-TECS-LOOKOUT',
      'UIF-LPB',
      'SAT-69B',
      'FGR-ORDENES',
    ]);
    expect(service!.stats()).toMatchObject({ crossings: 1, travellerHits: 1, results: 1, manifests: 0 });
  });

  it('dead-letters a crossing that breaks the domain rules with the rules as the reason, and screens the next', async () => {
    const { received, results } = await setUp();
    const bad = crossing({ crossingId: 'SY-BAD-1', travelDocuments: [], mode: 'PASSENGER_VEHICLE' });
    const good = crossing({ crossingId: 'SY-BAD-1' });
    // Same key: the bad one sits in front of the good one on the same partition.
    await publish(bad, good);
    await waitFor(() => received.length === 1, 5_000, 'the good crossing screened');
    expect(results()[0]).toMatchObject({
      crossingReference: 'SY-BAD-1',
      outcome: 'CLEAR',
      referredForInspection: false,
    });
    expect(results()[0]?.meta.correlationId).toBe(good.meta.eventId);

    const letters: ConsumedRecord[] = [];
    await bus.subscribe({
      groupId: 'dlq-reader',
      topics: [`dlq.${CROSSINGS}`],
      fromBeginning: true,
      handler: async (b) => void letters.push(...b.records),
    });
    await waitFor(() => letters.length === 1, 5_000, 'one dead letter');
    const header = (name: string) => letters[0]?.headers[name]?.toString();
    expect(header(DEAD_LETTER_HEADERS.reason)).toBe(
      'travelDocuments: a crossing presents at least one travel document; conveyance: a PASSENGER_VEHICLE crossing names its vehicle',
    );
    expect(header(DEAD_LETTER_HEADERS.reasonClass)).toBe('unevaluable');
    expect(header(DEAD_LETTER_HEADERS.service)).toBe('screening-us');
    expect(letters[0]?.key).toBe('SY-BAD-1');
    await waitFor(
      async () =>
        (await bus.admin.describeGroup('puente.screening.us', [CROSSINGS])).partitions.every((p) => p.lag === '0'),
      5_000,
      'both crossings committed past',
    );
    expect(service!.stats()).toMatchObject({ crossings: 1, travellerHits: 0, skipped: 1 });
  });

  it("without the partner's lists, screens against the own lists only and says so once at start", async () => {
    const { received, results, lines } = await setUp({ partnerWatchlists: undefined, documentHasher: undefined });
    await publish(wanted(), wanted());
    await waitFor(() => received.length === 2, 5_000, 'two results');
    expect(results().map((r) => r.outcome)).toEqual(['CLEAR', 'CLEAR']);
    expect(results()[0]?.lists.map((l) => l.listId)).toEqual(['OFAC-SDN', 'CBP-TECS-LOOKOUT']);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      "no partner watchlists: travellers are screened against this country's own lists only",
    ]);
  });

  it("warns once at start when the partner's file is hashed under none of this service's keys", async () => {
    const mxOnAnotherKey = shareWatchlists(
      loadWatchlists(repo('deploy/watchlists/mx.yaml')),
      createDocumentHasher({ ring: ringOf('usmx-9', 'a key this service does not have') }),
    );
    const { received, results, lines } = await setUp({ partnerWatchlists: fixedWatchlists(mxOnAnotherKey) });
    await publish(wanted(), wanted());
    await waitFor(() => received.length === 2, 5_000, 'two results');
    // The name still matches; the document cannot.
    expect(results().map((r) => r.matchedEntry?.matchedOn)).toEqual([
      ['name', 'dateOfBirth'],
      ['name', 'dateOfBirth'],
    ]);
    const warned = lines.filter((l) => l.level === 'warn');
    expect(warned).toHaveLength(1);
    expect(warned[0]?.fields).toMatchObject({ partnerKeyIds: ['usmx-9'], keyIds: ['usmx-dev-1'] });
    expect(lines.find((l) => l.message === 'screening started')?.fields['hashKeyIds']).toEqual(['usmx-dev-1']);
  });

  it('never logs a traveller’s name or document number', async () => {
    const { received, lines } = await setUp();
    await publish(wanted());
    await waitFor(() => received.length === 1, 5_000, 'one result');
    const hit = lines.find((l) => l.message === 'watchlist hit at a crossing');
    expect(hit?.fields).toMatchObject({ entryId: 'FGR-OA-7705', outcome: 'CONFIRMED_MATCH' });
    const logged = JSON.stringify(lines);
    expect(logged).not.toMatch(/Valdivia|12345678/i);
  });

  it("refuses the partner's lists unless they are the shared (hashed) form", () => {
    expect(() =>
      createScreeningService({
        bus: new MemoryBus(),
        codec,
        country: 'US',
        watchlists: fixedWatchlists(us),
        partnerWatchlists: fixedWatchlists(loadWatchlists(repo('deploy/watchlists/mx.yaml'))),
      }),
    ).toThrow(/partnerWatchlists must be the partner's shared lists .*mx\.yaml/);
  });
});
