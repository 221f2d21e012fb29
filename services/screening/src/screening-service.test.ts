import { fileURLToPath } from 'node:url';

import { type ConsumedRecord, DEAD_LETTER_HEADERS, MemoryBus } from '@puente/bus';
import { type CargoManifest, createCodec, readExamples } from '@puente/contracts';
import { NOT_AVRO, unknownSchemaIdRecord, withEventId } from '@puente/contracts/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import {
  createScreeningService,
  screenParty,
  screeningEventId,
  uuidV5,
  type ScreeningService,
} from './screening-service.js';
import { fixedWatchlists, loadWatchlists, parseWatchlists } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const codec = createCodec();
const examples = readExamples(repo('schemas/examples'));
const usWatchlists = loadWatchlists(repo('deploy/watchlists/us.yaml'));

function manifest(file: string, patch: (value: CargoManifest) => void = () => undefined): CargoManifest {
  const example = examples.find((e) => e.file === `cargo-manifests/${file}`);
  if (!example) throw new Error(`no example ${file}`);
  const value = codec.fromFriendlyJson(example.topic, example.value) as CargoManifest;
  patch(value);
  return value;
}

const IN = 'us.cargo-manifests.v1';
const OUT = 'us.screening-results.v1';
const DLQ = 'dlq.us.cargo-manifests.v1';
// Screening reads crossings too: the topic must exist for its subscription.
const CROSSINGS = 'us.traveller-crossings.v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let bus: MemoryBus;
let service: ScreeningService | undefined;

async function setUp(options: { topics?: readonly string[] } = {}) {
  bus = new MemoryBus();
  await bus.start();
  await bus.admin.ensureTopics(
    (options.topics ?? [IN, OUT, DLQ, CROSSINGS]).map((topic) => ({ topic, partitions: 3 })),
  );
  service = createScreeningService({
    bus,
    codec,
    country: 'US',
    watchlists: fixedWatchlists(usWatchlists),
    now: () => 1_764_000_000_000,
  });
  await service.start();
  const received: ConsumedRecord[] = [];
  const results = () => received.map((r) => codec.decode(r.value!, { topic: OUT }).value);
  const collect = async () =>
    bus.subscribe({
      groupId: `test.${Math.random()}`,
      topics: [OUT],
      fromBeginning: true,
      autoCommit: true,
      handler: async (b) => void received.push(...b.records),
    });
  return { received, results, collect };
}

const publishManifest = (value: CargoManifest) =>
  bus.publish(IN, [{ key: value.manifestId, value: codec.encode(IN, value) }]);

afterEach(async () => {
  await service?.stop();
  await bus.stop();
  service = undefined;
});

describe('screening service (MemoryBus)', () => {
  it('finds a consignee listed under a variant spelling and a driver on a lookout list', async () => {
    const { received, results, collect } = await setUp();
    await collect();
    const otay = manifest('us-northbound-otay-mesa-produce.json');
    await publishManifest(otay);
    await waitFor(() => received.length === 4, 5_000, 'four results');

    const byId = new Map(results().map((r) => [r.screeningId, r]));
    expect([...byId.keys()].sort()).toEqual(
      ['carrier', 'consignee', 'consignor', 'driver'].map((role) => `${otay.manifestId}/${role}`),
    );

    const consignee = byId.get(`${otay.manifestId}/consignee`)!;
    expect(consignee.outcome).toMatch(/^(POTENTIAL|CONFIRMED)_MATCH$/);
    expect(consignee.score).toBeGreaterThanOrEqual(0.85);
    expect(consignee.matchedEntry).toEqual({
      listId: 'OFAC-SDN',
      entryId: 'SDN-90001',
      matchedName: 'Pacific Boarder Produce Company',
      matchedOn: ['name'],
    });
    expect(consignee).toMatchObject({
      subjectType: 'PARTY',
      traveller: null,
      referredForInspection: true,
      ruleId: 'CBP-ATS-PARTY-001',
    });
    expect(consignee.party?.name).toBe('Pacific Border Produce Co.');

    const driver = byId.get(`${otay.manifestId}/driver`)!;
    expect(driver).toMatchObject({
      subjectType: 'TRAVELLER',
      party: null,
      outcome: 'POTENTIAL_MATCH',
      ruleId: 'CBP-ATS-TRV-001',
    });
    expect(driver.traveller?.surname).toBe('Ochoa');
    expect(driver.matchedEntry?.entryId).toBe('TECS-L-2207');

    for (const role of ['consignor', 'carrier']) {
      expect(byId.get(`${otay.manifestId}/${role}`)).toMatchObject({
        outcome: 'CLEAR',
        matchedEntry: null,
        referredForInspection: false,
      });
    }
    for (const result of results()) {
      expect(result.meta).toMatchObject({
        originCountry: 'US',
        originAgency: 'CBP',
        classification: 'LAW_ENFORCEMENT_SENSITIVE',
        releasableTo: ['US', 'MX'],
        purposes: ['BORDER_SECURITY', 'CUSTOMS'],
        correlationId: otay.meta.eventId,
        supersedes: null,
      });
      expect(result.meta.eventId).toMatch(UUID);
      expect(result.meta.occurredAt.getTime()).toBe(1_764_000_000_000);
      expect(result.portOfEntry).toEqual(otay.portOfEntry);
      expect(result.screeningSystem).toBe('CBP ATS');
      expect(result.lists.map((l) => l.listId)).toEqual(['OFAC-SDN', 'CBP-TECS-LOOKOUT']);
    }
    // Keyed by manifest: one partition, in order, with CloudEvents headers.
    expect(new Set(received.map((r) => r.key))).toEqual(new Set([otay.manifestId]));
    expect(new Set(received.map((r) => r.partition)).size).toBe(1);
    expect(received[0]!.headers['ce_id']?.toString()).toBe(results()[0]!.meta.eventId);
    expect(received[0]!.headers['ce_type']?.toString()).toBe('org.puente.v1.screening-results');
  });

  it('clears every party of a clean manifest and commits after publishing', async () => {
    const { received, results, collect } = await setUp();
    await collect();
    const laredo = manifest('us-northbound-laredo.json');
    await publishManifest(laredo);
    await waitFor(() => received.length === 4, 5_000, 'four results');
    expect(results().map((r) => r.outcome)).toEqual(['CLEAR', 'CLEAR', 'CLEAR', 'CLEAR']);
    expect(results().every((r) => !r.referredForInspection && r.matchedEntry === null)).toBe(true);
    expect(received.every((r) => r.key === laredo.manifestId)).toBe(true);
    await waitFor(
      async () => (await bus.admin.describeGroup('puente.screening.us', [IN])).partitions.every((p) => p.lag === '0'),
      5_000,
      'the manifest committed',
    );
  });

  it('gives a redelivered manifest identical result ids', async () => {
    const { received, results, collect } = await setUp();
    await collect();
    const laredo = manifest('us-northbound-laredo.json');
    await publishManifest(laredo);
    await publishManifest(laredo);
    await waitFor(() => received.length === 8, 5_000, 'eight results');
    const first = results().slice(0, 4);
    const second = results().slice(4);
    expect(second.map((r) => r.meta.eventId)).toEqual(first.map((r) => r.meta.eventId));
    expect(second.map((r) => r.screeningId)).toEqual(first.map((r) => r.screeningId));
    expect(new Set(first.map((r) => r.meta.eventId)).size).toBe(4);
    expect(first[0]!.meta.eventId).toBe(screeningEventId(laredo.meta.eventId, 'consignor'));
  });

  it('dead-letters records it cannot screen and keeps processing later ones', async () => {
    const { received, results, collect } = await setUp();
    await collect();
    const laredo = manifest('us-northbound-laredo.json');
    const badEventId = withEventId(codec.encode(IN, manifest('us-northbound-laredo.json')), 'not-a-uuid');
    expect(codec.decode(badEventId, { topic: IN }).value.meta.eventId).toBe('not-a-uuid');
    // Same key, so the bad records sit in front of the manifest on the same partition.
    await bus.publish(IN, [
      { key: laredo.manifestId, value: NOT_AVRO, headers: { ce_type: 'org.puente.test' } },
      { key: laredo.manifestId, value: null },
      { key: laredo.manifestId, value: unknownSchemaIdRecord() },
      { key: laredo.manifestId, value: badEventId },
    ]);
    await publishManifest(laredo);
    await waitFor(() => received.length === 4, 5_000, 'results of the valid manifest');
    expect(results().every((r) => r.meta.correlationId === laredo.meta.eventId)).toBe(true);
    expect(service!.stats()).toMatchObject({ manifests: 1, results: 4, skipped: 4 });
    await waitFor(
      async () => (await bus.admin.describeGroup('puente.screening.us', [IN])).partitions.every((p) => p.lag === '0'),
      5_000,
      'the bad records committed past',
    );
    const letters: ConsumedRecord[] = [];
    await bus.subscribe({
      groupId: 'dlq-reader',
      topics: [DLQ],
      fromBeginning: true,
      handler: async (b) => void letters.push(...b.records),
    });
    await waitFor(() => letters.length === 3, 5_000, 'three dead letters');
    const header = (r: ConsumedRecord | undefined, name: string) => r?.headers[name]?.toString();
    expect(letters.map((r) => header(r, DEAD_LETTER_HEADERS.reasonClass))).toEqual([
      'undecodable',
      'unknown-schema',
      'invalid',
    ]);
    expect(letters.map((r) => header(r, DEAD_LETTER_HEADERS.sourceOffset))).toEqual(
      letters.map((_, i) => String([0, 2, 3][i])),
    );
    expect(letters[0]?.value).toEqual(NOT_AVRO);
    expect(letters[0]?.key).toBe(laredo.manifestId);
    expect(header(letters[0], 'ce_type')).toBe('org.puente.test');
    expect(header(letters[0], DEAD_LETTER_HEADERS.service)).toBe('screening-us');
    expect(header(letters[2], DEAD_LETTER_HEADERS.reason)).toContain('meta.eventId');
    const counted = await service!.deadLetters.counter.get();
    expect(counted.values.map((v) => [v.labels.reason_class, v.value])).toEqual([
      ['undecodable', 1],
      ['unknown-schema', 1],
      ['invalid', 1],
    ]);
  });

  it('moves past no bad record while its dead-letter topic cannot be written', async () => {
    const { received, collect } = await setUp({ topics: [IN, OUT, CROSSINGS] });
    await collect();
    const laredo = manifest('us-northbound-laredo.json');
    await bus.publish(IN, [{ key: laredo.manifestId, value: NOT_AVRO }]);
    await publishManifest(laredo);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(0);
    const before = await bus.admin.describeGroup('puente.screening.us', [IN]);
    expect(before.partitions.reduce((sum, p) => sum + Number(p.lag), 0)).toBe(2);
    await bus.admin.ensureTopics([{ topic: DLQ, partitions: 1 }]);
    await waitFor(() => received.length === 4, 5_000, 'results once the dead letter is written');
  });

  it('screens a manifest without a driver as three parties', async () => {
    const { received, results, collect } = await setUp();
    await collect();
    await publishManifest(manifest('us-northbound-laredo.json', (m) => void (m.driver = null)));
    await waitFor(() => received.length === 3, 5_000, 'three results');
    expect(results().map((r) => r.screeningId.split('/')[1])).toEqual(['consignor', 'consignee', 'carrier']);
  });

  it('commits nothing until results are published, then delivers them (at least once)', async () => {
    const { received, collect } = await setUp({ topics: [IN, CROSSINGS] });
    await publishManifest(manifest('us-northbound-laredo.json'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = await bus.admin.describeGroup('puente.screening.us', [IN]);
    expect(before.partitions.reduce((sum, p) => sum + Number(p.lag), 0)).toBe(1);
    await bus.admin.ensureTopics([{ topic: OUT, partitions: 3 }]);
    await collect();
    await waitFor(() => received.length === 4, 5_000, 'results once the topic exists');
  });
});

describe('screening a party', () => {
  const set = parseWatchlists(`
version: 1
lists:
  - listId: L
    name: List
    owner: Owner
    entries:
      - { entryId: P1, type: person, name: 'HERNANDEZ RAMIREZ, Maria Guadalupe', dateOfBirth: 1980-01-02, reason: test }
      - { entryId: O1, type: organization, name: 'Maria Guadalupe Hernandez Ramirez SA de CV', reason: test }
`);

  it('adds the date of birth to matchedOn when it agrees', () => {
    const result = screenParty(
      { kind: 'person', names: ['María Guadalupe Hernández Ramírez'], dateOfBirth: '1980-01-02' },
      set,
    );
    expect(result).toMatchObject({
      outcome: 'CONFIRMED_MATCH',
      score: 1,
      matchedEntry: { entryId: 'P1', matchedOn: ['name', 'dateOfBirth'] },
    });
  });

  it('caps an exact name with a different date of birth at potential', () => {
    const result = screenParty(
      { kind: 'person', names: ['María Guadalupe Hernández Ramírez'], dateOfBirth: '1991-07-07' },
      set,
    );
    expect(result.outcome).toBe('POTENTIAL_MATCH');
    expect(result.matchedEntry?.matchedOn).toEqual(['name']);
  });

  it('screens persons only against person entries', () => {
    expect(screenParty({ kind: 'organization', names: ['Unrelated Produce LLC'] }, set).outcome).toBe('CLEAR');
    expect(
      screenParty({ kind: 'organization', names: ['María Guadalupe Hernández Ramírez, S.A. de C.V.'] }, set)
        .matchedEntry?.entryId,
    ).toBe('O1');
  });

  it('honours configured thresholds', () => {
    const strict = screenParty({ kind: 'person', names: ['María Guadalupe Hernández'] }, set, {
      potential: 0.95,
      confirmed: 0.99,
    });
    expect(strict.outcome).toBe('CLEAR');
    expect(() =>
      createScreeningService({
        bus: new MemoryBus(),
        codec,
        country: 'MX',
        watchlists: fixedWatchlists(set),
        thresholds: { potential: 0.9, confirmed: 0.8 },
      }),
    ).toThrow(/thresholds/);
  });
});

describe('result ids', () => {
  it('are RFC 4122 version-5 UUIDs, stable and distinct per role', () => {
    const id = '0b6f2a4e-8c1d-4f5a-9e37-2d41c8a7b905';
    expect(screeningEventId(id, 'driver')).toMatch(UUID);
    expect(screeningEventId(id, 'driver')).toBe(screeningEventId(id, 'driver'));
    expect(screeningEventId(id, 'driver')).not.toBe(screeningEventId(id, 'carrier'));
    // Known vector: uuid v5 of "www.example.com" in the DNS namespace.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
});
