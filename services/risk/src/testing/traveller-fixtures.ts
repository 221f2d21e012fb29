// Traveller test fixtures (synthetic people only): a northbound pedestrian crossing at San Ysidro,
// the registry status CBP's Trusted Traveler Programs would publish for a membership, and the
// screening result the screening service would publish for a crossing (key and crossingReference
// = crossingId, correlationId = the crossing's eventId).
import { randomUUID } from 'node:crypto';

import type {
  EventMeta,
  IdentityDocument,
  Person,
  ScreeningOutcome,
  ScreeningResult,
  TravellerCrossing,
  TrustedTravellerMembership,
  TrustedTravellerStatus,
} from '@puente/contracts';
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';

const meta = (country: 'US' | 'MX', agency: string, overrides: Partial<EventMeta> = {}): EventMeta => ({
  eventId: randomUUID(),
  occurredAt: new Date('2026-12-07T15:00:00Z'),
  originCountry: country,
  originAgency: agency,
  classification: 'LAW_ENFORCEMENT_SENSITIVE',
  releasableTo: ['US', 'MX'],
  purposes: ['BORDER_SECURITY'],
  correlationId: null,
  supersedes: null,
  ...overrides,
});

export const passportCard = (documentNumber = 'C03005988'): IdentityDocument => ({
  documentType: 'PASSPORT_CARD',
  documentNumber,
  issuingCountry: 'US',
  issuingAuthority: 'U.S. Department of State',
  expiresOn: '2031-04-30',
});

export const mexicanPassport = (documentNumber = 'G 1234-5678'): IdentityDocument => ({
  documentType: 'PASSPORT',
  documentNumber,
  issuingCountry: 'MX',
  issuingAuthority: 'SRE',
  expiresOn: '2030-01-15',
});

/** A synthetic traveller: Itzel Bermúdez Olvera, born 1988-03-14. */
export function traveller(overrides: Partial<Person> = {}): Person {
  return {
    personId: null,
    givenNames: 'Itzel',
    surname: 'Bermúdez',
    secondSurname: 'Olvera',
    aliases: [],
    dateOfBirth: '1988-03-14',
    nationalities: ['MX'],
    documents: [],
    address: null,
    ...overrides,
  };
}

export const sentri = (membershipId = '981234567', overrides: Partial<TrustedTravellerMembership> = {}) =>
  ({
    programme: 'SENTRI',
    membershipId,
    issuingCountry: 'US',
    validUntil: '2029-06-30',
    ...overrides,
  }) satisfies TrustedTravellerMembership;

/** A northbound pedestrian crossing at San Ysidro (2504), in the general lane unless told otherwise. */
export function crossing(overrides: Partial<TravellerCrossing> = {}): TravellerCrossing {
  return {
    meta: meta('US', 'CBP'),
    crossingId: `SYS-${randomUUID().slice(0, 8)}`,
    traveller: traveller(),
    travelDocuments: [mexicanPassport()],
    memberships: [],
    mode: 'PEDESTRIAN',
    conveyance: null,
    portOfEntry: { code: '2504', name: 'San Ysidro', country: 'US' },
    direction: 'NORTHBOUND',
    laneRequested: 'GENERAL',
    arrivedAt: new Date('2026-12-07T15:00:00Z'),
    ...overrides,
  };
}

/** The registry's word on a membership, ACTIVE and held by `traveller()` with her passport enrolled. */
export function registryStatus(
  membershipId = '981234567',
  overrides: Partial<TrustedTravellerStatus> = {},
): TrustedTravellerStatus {
  return {
    meta: meta('US', 'CBP'),
    membershipId,
    programme: 'SENTRI',
    status: 'ACTIVE',
    holder: traveller({ documents: [mexicanPassport('G12345678')] }),
    validUntil: '2029-06-30',
    issuingAgency: 'CBP Trusted Traveler Programs',
    ...overrides,
  };
}

/** The screening service's result for a crossing, CLEAR unless told otherwise. */
export function crossingScreening(of: TravellerCrossing, outcome: ScreeningOutcome = 'CLEAR'): ScreeningResult {
  return {
    meta: meta(of.meta.originCountry, of.meta.originAgency, { correlationId: of.meta.eventId }),
    screeningId: `${of.crossingId}/traveller`,
    subjectType: 'TRAVELLER',
    traveller: of.traveller,
    conveyance: null,
    shipmentReference: null,
    party: null,
    crossingReference: of.crossingId,
    manifestReference: null,
    partyRole: null,
    portOfEntry: of.portOfEntry,
    screeningSystem: 'CBP TECS',
    lists: [{ listId: 'TSDB', name: 'Terrorist Screening Dataset', owner: 'FBI TSC' }],
    outcome,
    score: outcome === 'CLEAR' ? 0.1 : outcome === 'POTENTIAL_MATCH' ? 0.82 : 0.98,
    matchedEntry:
      outcome === 'CLEAR'
        ? null
        : {
            listId: 'TSDB',
            entryId: 'TS-55021',
            matchedName: 'BERMUDEZ OLVERA ITZEL',
            matchedOn: ['name', 'dateOfBirth'],
          },
    ruleId: 'TEST-TRAVELLER-1',
    referredForInspection: outcome !== 'CLEAR',
  };
}

export async function ensureTravellerTopics(bus: Bus, country: 'us' | 'mx', partitions = 3): Promise<void> {
  await bus.admin.ensureTopics([
    ...['traveller-crossings', 'screening-results', 'trusted-travellers', 'risk-assessments'].map((domain) => ({
      topic: `${country}.${domain}.v1`,
      partitions,
    })),
    ...['traveller-crossings', 'screening-results'].map((domain) => ({
      topic: `dlq.${country}.${domain}.v1`,
      partitions: 1,
    })),
  ]);
}

export async function publishValue(
  bus: Bus,
  codec: AvroCodec,
  topic: string,
  key: string,
  value: unknown,
): Promise<void> {
  await bus.publish(topic, [{ key, value: codec.encode(topic as never, value as never) }]);
}
