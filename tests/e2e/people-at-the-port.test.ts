// People and pre-cleared cargo at the model port, end to end on a real Kafka with a real gateway
// over gRPC, every service as it runs in production:
// - a SENTRI member whose membership CBP's registry confirms, with clean screening, gets the
//   trusted-traveller lane;
// - Mexico then lists the same person, the passport number written its own way ("G 4821-9930"),
//   and shares the list with the United States only as bilateral keyed hashes; at the next
//   crossing, where the passport reads "G48219930", US screening matches it through the hash and
//   US risk sends her to secondary inspection; no partner view in either direction ever carries
//   the raw number;
// - a pre-cleared shipment of a trusted shipper goes to the FAST lane, and is moved out of it when
//   Mexico's own screening of the same trip hits its consignee: the US pre-clearance service
//   learns of that hit only through the mx-to-us agreement's view, and Mexico sees the revocation
//   on its feeds.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec, type PreClearanceDecision, type RiskAssessment, type ScreeningResult } from '@puente/contracts';
import { readDevKeys, readDevTokens } from '@puente/gateway/dev';
import { startTestGateway, type TestGateway } from '@puente/gateway/testing';
import { keyedHash } from '@puente/policy';
import { PayloadFormat, StartPosition } from '@puente/proto';
import {
  createGatewayPartnerFeed,
  createPreClearanceService,
  createRiskService,
  createTravellerRiskService,
  defaultRiskFiles,
  loadRiskRules,
  loadTravellerRules,
  loadTrustedShippers,
  type PartnerFeed,
  type PartnerRecord,
} from '@puente/risk';
import { createLogger } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import {
  createDocumentHasher,
  createScreeningService,
  fixedWatchlists,
  loadWatchlists,
  shareWatchlists,
  singleKeyRing,
  type WatchlistSet,
} from '@puente/screening';
import { createRng, generatePreClearedPair } from '@puente/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const codec = createCodec();
const tokens = readDevTokens();
const run = randomUUID().slice(0, 8);
const ring = singleKeyRing('usmx-dev-1', readDevKeys().get('PUENTE_HASH_KEY_US_MX') ?? '');
const hasher = createDocumentHasher({ ring });
/** What the services under test log at info and above, shown when a wait times out. */
const logs: string[] = [];
const logger = createLogger({
  name: 'e2e-people',
  level: 'info',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  }),
});
/** The running services' figures, for a failure message. */
let figures: () => unknown = () => undefined;
/** waitFor, failing with the services' warnings and errors (and lines naming `about`) and figures appended. */
async function waitLogged(condition: () => Promise<boolean> | boolean, ms: number, what: string, about: string) {
  try {
    await waitFor(condition, ms, what);
  } catch (error) {
    const relevant = logs
      .filter((l) => l.includes(about) || /"level":(40|50|60)/.test(l) || /pre-clearance|partner/i.test(l))
      .slice(-60);
    throw new Error(`${(error as Error).message}\n${relevant.join('')}\n${JSON.stringify(figures())}`);
  }
}

// A synthetic traveller: a Mexican national with a SENTRI card, as many San Ysidro commuters are.
const PASSPORT_AS_US_READS_IT = 'G48219930';
const PASSPORT_AS_MX_LISTS_IT = 'G 4821-9930';
const PASSID = `98${String(Date.now()).slice(-7)}`;
const traveller = {
  personId: null,
  givenNames: 'Lucía Fernanda',
  surname: 'Zambrano',
  secondSurname: 'Ochoa',
  aliases: [],
  dateOfBirth: '1988-03-14',
  nationalities: ['MX'],
  documents: [],
  address: null,
};
const sanYsidro = { code: '2504', name: 'San Ysidro', country: 'US' };
const tijuana = { code: '400', name: 'Tijuana (El Chaparral)', country: 'MX' };

function meta(country: 'US' | 'MX', agency: string) {
  return {
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    originCountry: country,
    originAgency: agency,
    classification: 'LAW_ENFORCEMENT_SENSITIVE',
    releasableTo: ['US', 'MX'],
    purposes: ['BORDER_SECURITY'],
    correlationId: null,
    supersedes: null,
  };
}

/** A crossing in friendly JSON: the passport as written at that booth, the SENTRI card, the membership. */
function crossing(direction: 'NORTHBOUND' | 'SOUTHBOUND', passport: string) {
  const north = direction === 'NORTHBOUND';
  return {
    meta: north ? meta('US', 'CBP') : meta('MX', 'INM'),
    crossingId: `E2E-${direction.slice(0, 1)}-${randomUUID().slice(0, 8)}`,
    traveller,
    travelDocuments: [
      {
        documentType: 'PASSPORT',
        documentNumber: passport,
        issuingCountry: 'MX',
        issuingAuthority: 'SRE',
        expiresOn: '2031-05-02',
      },
      ...(north
        ? [
            {
              documentType: 'SENTRI_CARD',
              documentNumber: PASSID,
              issuingCountry: 'US',
              issuingAuthority: 'CBP',
              expiresOn: '2029-03-14',
            },
          ]
        : []),
    ],
    memberships: north
      ? [{ programme: 'SENTRI', membershipId: PASSID, issuingCountry: 'US', validUntil: '2029-03-14' }]
      : [],
    mode: north ? 'PASSENGER_VEHICLE' : 'PEDESTRIAN',
    conveyance: north
      ? {
          conveyanceType: 'PRIVATE_VEHICLE',
          identifier: '8ZKW214',
          registrationCountry: 'US',
          licensePlate: '8ZKW214',
          vehicleIdentificationNumber: null,
          trailerIds: [],
          description: 'Toyota Corolla, grey',
        }
      : null,
    portOfEntry: north ? sanYsidro : tijuana,
    direction,
    laneRequested: north ? 'TRUSTED_TRAVELLER' : 'GENERAL',
    arrivedAt: new Date().toISOString(),
  };
}

/** Publishes friendly JSON through the gateway as `who`, retrying UNAVAILABLE as share.proto advises. */
async function publish(gateway: TestGateway, who: string, topic: string, value: unknown): Promise<void> {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(who) ?? ''}`);
  const request = {
    topic,
    key: '',
    payloadFormat: PayloadFormat.AVRO_JSON,
    payload: Buffer.from(JSON.stringify(codec.toAvroJson(topic, codec.fromFriendlyJson(topic, value)))),
    schemaId: 0,
  };
  for (let attempt = 1; ; attempt++) {
    const error = await new Promise<ServiceError | null>((resolve) =>
      gateway.client.publish(request, metadata, (e) => resolve(e)),
    );
    if (!error) return;
    if (error.code !== status.UNAVAILABLE || attempt === 5) throw error;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Starts `groupId` where `topics` end now, as if the service had been running all along: the
 * broker is shared with every other integration test, and a group new to it would first work
 * through everything they published (thousands of FAST shipments), which is not what this test is
 * about. Records published after this are the group's to read.
 */
async function startAtEnd(bus: KafkaBus, groupId: string, topics: readonly string[]): Promise<void> {
  const ends = (await bus.admin.listTopics())
    .filter((t) => topics.includes(t.topic))
    .flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.high })));
  let assigned: () => void = () => undefined;
  const joined = new Promise<void>((resolve) => (assigned = resolve));
  const subscription = await bus.subscribe({
    groupId,
    topics: [...topics],
    fromBeginning: false,
    autoCommit: false,
    handler: async () => undefined,
    onAssignment: (partitions) => partitions.length > 0 && assigned(),
  });
  await joined;
  await subscription.commit(ends);
  await subscription.stop();
}

/** Every value on a topic whose key is `key` (or, for `entity`, whose subject is that entity), read outside any group. */
async function readKey<T>(bus: KafkaBus, topic: string, key: string, by: 'key' | 'entity' = 'key'): Promise<T[]> {
  const info = (await bus.admin.listTopics()).find((t) => t.topic === topic);
  const wanted = (info?.partitions ?? []).filter((p) => BigInt(p.high) > BigInt(p.low));
  if (wanted.length === 0) return [];
  const left = new Map(wanted.map((p) => [p.partition, BigInt(p.high)]));
  const out: T[] = [];
  const reader = await bus.readFrom({
    topic,
    positions: wanted.map((p) => ({ partition: p.partition, offset: p.low })),
    handler: async (batch) => {
      for (const r of batch.records) {
        if (BigInt(r.offset) + 1n >= (left.get(batch.partition) ?? 0n)) left.delete(batch.partition);
        if (!r.value || (by === 'key' && r.key !== key)) continue;
        const value = codec.decode(r.value, { topic }).value as T & { subject?: { entityId?: string } };
        if (by === 'key' || value.subject?.entityId === key) out.push(value);
      }
    },
  });
  await waitFor(() => left.size === 0, 60_000, `reading ${topic}`);
  await reader.stop();
  return out;
}

/** A partner system of `who`, on `feeds`, keeping every view it receives; `name` tells its subscription apart. */
function partner(
  gateway: TestGateway,
  who: string,
  name: string,
  feeds: string[],
): { feed: PartnerFeed; seen: PartnerRecord[] } {
  const seen: PartnerRecord[] = [];
  const feed = createGatewayPartnerFeed({
    address: gateway.address,
    credentials: credentials.createInsecure(),
    token: tokens.get(who),
    subscription: `e2e-${name}-${run}`,
    feeds,
    startPosition: StartPosition.LATEST,
    startTimeoutMs: 30_000,
  });
  return { feed, seen };
}

/** Mexico's lists, plus (once she is listed) the traveller under FGR's warrant, as Mexico shares them. */
function mexicoShares(withTraveller: boolean): WatchlistSet {
  const own = loadWatchlists(`${root}deploy/watchlists/mx.yaml`);
  const listed: WatchlistSet = withTraveller
    ? {
        ...own,
        lists: [
          ...own.lists,
          {
            listId: 'FGR-E2E',
            name: 'FGR órdenes de aprehensión (sintética, prueba)',
            owner: 'Fiscalía General de la República',
            entries: [
              {
                entryId: `FGR-E2E-${run}`,
                type: 'person',
                name: 'ZAMBRANO OCHOA, Lucía Fernanda',
                aliases: [],
                dateOfBirth: '1988-03-14',
                countryCode: 'MX',
                reason: 'Orden de aprehensión (sintética)',
                documents: [{ type: 'PASSPORT', number: PASSPORT_AS_MX_LISTS_IT, issuingCountry: 'MX' }],
              },
            ],
          },
        ],
        size: own.size + 1,
      }
    : own;
  return shareWatchlists(listed, hasher);
}

describe('people at the port and pre-cleared lanes (real Kafka, real gateway)', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  const stops: (() => Promise<void>)[] = [];
  let mexicoList = mexicoShares(false);
  let mxPartner: ReturnType<typeof partner>;
  let usPartner: ReturnType<typeof partner>;

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: `e2e-people-${run}`, heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({ bus, codec });
    const us = defaultRiskFiles('US');
    const services = [
      createScreeningService({
        bus,
        codec,
        country: 'US',
        watchlists: fixedWatchlists(loadWatchlists(`${root}deploy/watchlists/us.yaml`)),
        // What Mexico sends: its lists, document numbers only as keyed hashes; updated below.
        partnerWatchlists: { current: () => mexicoList },
        documentHasher: hasher,
        groupId: `e2e.people.screening.us.${run}`,
        logger,
      }),
      createScreeningService({
        bus,
        codec,
        country: 'MX',
        watchlists: fixedWatchlists(loadWatchlists(`${root}deploy/watchlists/mx.yaml`)),
        partnerWatchlists: fixedWatchlists(shareWatchlists(loadWatchlists(`${root}deploy/watchlists/us.yaml`), hasher)),
        documentHasher: hasher,
        groupId: `e2e.people.screening.mx.${run}`,
        logger,
      }),
      createRiskService({
        bus,
        codec,
        country: 'US',
        rules: loadRiskRules(us.rulesFile),
        trustedShippers: loadTrustedShippers(us.trustedShippersFile),
        groupId: `e2e.people.risk.${run}`,
        logger,
        // Long enough for every party's screening on a loaded machine: a shipment assessed
        // without its screening never gets the FAST lane. Results that come sooner end the wait.
        joinTimeoutMs: 60_000,
      }),
      createTravellerRiskService({
        bus,
        codec,
        country: 'US',
        rules: loadTravellerRules(us.travellerRulesFile),
        groupId: `e2e.people.travellers.${run}`,
        logger,
        joinTimeoutMs: 60_000,
      }),
      createPreClearanceService({
        bus,
        codec,
        country: 'US',
        groupId: `e2e.people.pre-clearance.${run}`,
        logger,
        partnerFeed: partner(gateway, 'dev-us-cbp-subscriber', 'pre-clearance', ['mx-to-us/mx.screening-results.v1'])
          .feed,
      }),
    ];
    figures = () => services.map((service) => service.stats());
    await Promise.all([
      startAtEnd(bus, `e2e.people.screening.us.${run}`, ['us.cargo-manifests.v1', 'us.traveller-crossings.v1']),
      startAtEnd(bus, `e2e.people.screening.mx.${run}`, ['mx.cargo-manifests.v1', 'mx.traveller-crossings.v1']),
      startAtEnd(bus, `e2e.people.risk.${run}`, ['us.cargo-manifests.v1', 'us.screening-results.v1']),
      startAtEnd(bus, `e2e.people.travellers.${run}`, ['us.traveller-crossings.v1', 'us.screening-results.v1']),
      startAtEnd(bus, `e2e.people.pre-clearance.${run}`, ['us.risk-assessments.v1']),
    ]);
    for (const service of services) {
      await service.start();
      stops.unshift(() => service.stop());
    }
    // Each country's partner system, on what the other shares about people and pre-clearance.
    mxPartner = partner(gateway, 'dev-mx-anam-subscriber', 'mx-partner', [
      'us-to-mx/us.traveller-crossings.v1',
      'us-to-mx/us.screening-results.v1',
      'us-to-mx/us.risk-assessments.v1',
      'us-to-mx/us.pre-clearance-decisions.v1',
    ]);
    usPartner = partner(gateway, 'dev-us-cbp-subscriber', 'us-partner', ['mx-to-us/mx.traveller-crossings.v1']);
    for (const p of [mxPartner, usPartner]) {
      await p.feed.start(async (record) => void p.seen.push(record));
      stops.unshift(() => p.feed.stop());
    }
  });

  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
    await gateway?.stop(1_000);
    await bus?.stop();
  });

  it('gives a confirmed SENTRI member the trusted lane, then secondary once Mexico lists her passport, never sharing the raw number', async () => {
    const status = {
      meta: meta('US', 'CBP'),
      membershipId: PASSID,
      programme: 'SENTRI',
      status: 'ACTIVE',
      holder: {
        ...traveller,
        documents: [
          {
            documentType: 'PASSPORT',
            documentNumber: PASSPORT_AS_US_READS_IT,
            issuingCountry: 'MX',
            issuingAuthority: 'SRE',
            expiresOn: null,
          },
        ],
      },
      validUntil: '2029-03-14',
      issuingAgency: 'CBP Trusted Traveler Programs',
    };
    await publish(gateway, 'dev-us-cbp-publisher', 'us.trusted-travellers.v1', status);

    const assessed = async (crossingId: string) =>
      (await readKey<RiskAssessment>(bus, 'us.risk-assessments.v1', crossingId, 'entity')).find(
        (a) => a.subject.subjectType === 'TRAVELLER',
      );

    // 1. Clean screening and a registry that confirms her: the trusted-traveller lane.
    const first = crossing('NORTHBOUND', PASSPORT_AS_US_READS_IT);
    await publish(gateway, 'dev-us-cbp-publisher', 'us.traveller-crossings.v1', first);
    await waitFor(async () => !!(await assessed(first.crossingId)), 90_000, 'the first crossing assessed');
    const trusted = (await assessed(first.crossingId))!;
    expect(trusted.portLane).toBe('TRUSTED_TRAVELLER');
    expect(trusted.recommendedLane).toBe('EXPEDITED');
    expect(trusted.factors.map((f) => f.code)).toContain('TRUSTED_TRAVELLER_CONFIRMED');

    // 2. Mexico lists her; the United States holds only the hashes of what Mexico listed.
    mexicoList = mexicoShares(true);
    expect(JSON.stringify(mexicoList)).not.toContain('4821');
    const second = crossing('NORTHBOUND', PASSPORT_AS_US_READS_IT);
    await publish(gateway, 'dev-us-cbp-publisher', 'us.traveller-crossings.v1', second);
    await waitFor(async () => !!(await assessed(second.crossingId)), 90_000, 'the second crossing assessed');
    const [screened] = await readKey<ScreeningResult>(bus, 'us.screening-results.v1', second.crossingId);
    expect(screened).toMatchObject({
      subjectType: 'TRAVELLER',
      crossingReference: second.crossingId,
      outcome: 'CONFIRMED_MATCH',
      matchedEntry: { listId: 'FGR-E2E', entryId: `FGR-E2E-${run}` },
    });
    expect(screened!.matchedEntry!.matchedOn).toContain('documentNumber');
    const inspected = (await assessed(second.crossingId))!;
    expect(inspected.portLane).toBe('SECONDARY_INSPECTION');
    expect(inspected.recommendedLane).toBe('SECONDARY_INSPECTION');
    // Her membership still checks out; the hit against it is what decides, and the factors say both.
    expect(inspected.factors.map((f) => f.code)).toContain('WATCHLIST_CONFIRMED_MATCH');

    // 3. What each partner receives. Mexico: the crossing, the screening and the lane, with every
    // document number as the bilateral hash — the very hash of what Mexico itself listed.
    const [hashOfListed] = hasher.hash(PASSPORT_AS_MX_LISTS_IT);
    expect(hashOfListed).toBe(keyedHash(ring, 'document-number', PASSPORT_AS_US_READS_IT));
    const mxGot = (feed: string, key: string) =>
      mxPartner.seen.find((r) => r.feed === `us-to-mx/${feed}` && r.key === key);
    await waitFor(
      () =>
        !!mxGot('us.traveller-crossings.v1', second.crossingId) &&
        !!mxGot('us.screening-results.v1', second.crossingId) &&
        mxPartner.seen.some((r) => (r.view['subject'] as { entityId?: string })?.entityId === second.crossingId),
      60_000,
      'Mexico to receive the crossing, its screening and its lane',
    );
    const crossingView = mxGot('us.traveller-crossings.v1', second.crossingId)!.view;
    const numbers = (crossingView['travelDocuments'] as { documentNumber: string }[]).map((d) => d.documentNumber);
    expect(numbers[0]).toBe(hashOfListed);
    for (const n of numbers) expect(n).toMatch(/^usmx-dev-1:[A-Za-z0-9_-]{43}$/);
    const laneView = mxPartner.seen.find(
      (r) => (r.view['subject'] as { entityId?: string })?.entityId === second.crossingId,
    )!.view;
    expect(laneView['portLane']).toBe('SECONDARY_INSPECTION');

    // The United States, as Mexico's partner: her southbound crossing into Tijuana, as INM records it.
    const south = crossing('SOUTHBOUND', PASSPORT_AS_MX_LISTS_IT);
    await publish(gateway, 'dev-mx-inm-publisher', 'mx.traveller-crossings.v1', south);
    await waitFor(
      () => usPartner.seen.some((r) => r.key === south.crossingId || r.eventId === south.meta.eventId),
      60_000,
      'the United States to receive the southbound crossing',
    );
    const southView = usPartner.seen.find((r) => r.eventId === south.meta.eventId)!.view;
    expect((southView['travelDocuments'] as { documentNumber: string }[])[0]!.documentNumber).toBe(hashOfListed);

    // No view, in either direction, ever carries the number in any of its spellings.
    const everything = JSON.stringify([...mxPartner.seen, ...usPartner.seen].map((r) => r.view));
    for (const raw of ['G48219930', 'G 4821-9930', '48219930', '4821-9930', PASSID])
      expect(everything).not.toContain(raw);
    // Nor her birth date: SENTRI cards expire on the holder's birthday, so no expiry date may leave
    // whole either (anywhere, free text included).
    for (const date of ['1988-03-14', '2029-03-14', '2031-05-02']) expect(everything).not.toContain(date);
  });

  it('refuses, over gRPC, a crossing that presents no travel document, naming the field', async () => {
    const bare = { ...crossing('NORTHBOUND', PASSPORT_AS_US_READS_IT), travelDocuments: [] };
    const error = await publish(gateway, 'dev-us-cbp-publisher', 'us.traveller-crossings.v1', bare).then(
      () => undefined,
      (e: ServiceError) => e,
    );
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toContain('travelDocuments: a crossing presents at least one travel document');
    const written = await readKey(bus, 'us.traveller-crossings.v1', bare.crossingId);
    expect(written).toEqual([]);
  });

  it('sends a pre-cleared shipment to the FAST lane and moves it out when Mexico’s screening hits its consignee', async () => {
    const pair = generatePreClearedPair(createRng(Date.now() % 1_000_000));
    const manifestId = `${pair.us.key}${run}`.slice(0, 24);
    const usManifest = { ...pair.us.value, manifestId, meta: { ...pair.us.value.meta, eventId: randomUUID() } };
    const mxManifest = { ...pair.mx.value, manifestId, meta: { ...pair.mx.value.meta, eventId: randomUUID() } };

    await publish(gateway, 'dev-us-cbp-publisher', 'us.cargo-manifests.v1', usManifest);
    const assessments = () => readKey<RiskAssessment>(bus, 'us.risk-assessments.v1', manifestId, 'entity');
    await waitLogged(
      async () => (await assessments()).length > 0,
      120_000,
      'the US assessment of the shipment',
      manifestId,
    );
    const fast = (await assessments())[0]!;
    // The factors, should it not be FAST, say why.
    expect([fast.portLane, fast.factors.map((f) => f.code)]).toEqual([
      'FAST',
      expect.arrayContaining(['PRE_CLEARED_TRUSTED_SHIPPER']),
    ]);
    const decisions = () => readKey<PreClearanceDecision>(bus, 'us.pre-clearance-decisions.v1', manifestId);
    await waitLogged(async () => (await decisions()).length === 1, 90_000, 'the US grant', manifestId);
    const [grant] = await decisions();
    expect(grant).toMatchObject({ decision: 'GRANTED', lane: 'FAST', manifestEventId: usManifest.meta.eventId });

    // Mexico's customs files its half of the same trip; Mexico's own screening hits the consignee.
    await publish(gateway, 'dev-mx-anam-publisher', 'mx.cargo-manifests.v1', mxManifest);
    await waitLogged(async () => (await decisions()).length === 2, 90_000, 'the US revocation', manifestId);
    const revoked = (await decisions())[1]!;
    expect(revoked).toMatchObject({
      decision: 'REVOKED',
      lane: 'SECONDARY_INSPECTION',
      meta: { supersedes: grant!.meta.eventId },
      cause: { topic: 'mx.screening-results.v1', entityId: `${manifestId}/consignee` },
    });
    const [mxHit] = await readKey<ScreeningResult>(bus, 'mx.screening-results.v1', manifestId).then((results) =>
      results.filter((r) => r.partyRole === 'CONSIGNEE'),
    );
    expect(mxHit?.matchedEntry?.entryId).toBe(pair.entry.entryId);
    expect(revoked.cause?.eventId).toBe(mxHit?.meta.eventId);
    expect(grant!.trustedShipper?.membershipId).toBeTruthy();
    expect(revoked.factors.find((f) => f.code === 'PRE_CLEARANCE_REVOKED_BY_PARTNER_SCREENING')?.description).toMatch(
      /MX.*watchlist match of the consignee/,
    );
    const lanes = (await readKey<RiskAssessment>(bus, 'us.risk-assessments.v1', manifestId, 'entity')).map(
      (a) => a.portLane,
    );
    expect(lanes).toEqual(['FAST', 'SECONDARY_INSPECTION']);

    // Mexico sees both decisions, and the superseding lane, on its feeds.
    await waitFor(
      () =>
        mxPartner.seen.filter((r) => r.feed === 'us-to-mx/us.pre-clearance-decisions.v1' && r.key === manifestId)
          .length === 2 &&
        mxPartner.seen.some(
          (r) =>
            r.feed === 'us-to-mx/us.risk-assessments.v1' &&
            (r.view['meta'] as { supersedes?: unknown }).supersedes === fast.meta.eventId,
        ),
      60_000,
      'Mexico to receive the grant, the revocation and the new lane',
    );
    const seenDecisions = mxPartner.seen
      .filter((r) => r.feed === 'us-to-mx/us.pre-clearance-decisions.v1' && r.key === manifestId)
      .map((r) => [r.view['decision'], r.view['lane']]);
    expect(seenDecisions).toEqual([
      ['GRANTED', 'FAST'],
      ['REVOKED', 'SECONDARY_INSPECTION'],
    ]);
  });
});
