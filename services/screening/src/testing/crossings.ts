// Synthetic traveller crossings and keys for screening's tests: a pedestrian entering the US at
// San Ysidro unless a patch says otherwise. Invented people only.
import { createSecretKey, randomUUID } from 'node:crypto';

import type { IdentityDocument, Person, TravellerCrossing } from '@puente/contracts';
import type { KeyRing } from '@puente/policy';

export function passport(documentNumber: string, issuingCountry = 'MX'): IdentityDocument {
  return { documentType: 'PASSPORT', documentNumber, issuingCountry, issuingAuthority: null, expiresOn: null };
}

export function person(patch: Partial<Person> = {}): Person {
  return {
    personId: null,
    givenNames: 'Rosalba',
    surname: 'Quintanar',
    secondSurname: 'Echeverría',
    aliases: [],
    dateOfBirth: '1990-02-14',
    nationalities: ['MX'],
    documents: [],
    address: null,
    ...patch,
  };
}

export function crossing(patch: Partial<TravellerCrossing> = {}): TravellerCrossing {
  const crossingId = patch.crossingId ?? `SY-${randomUUID().slice(0, 8)}`;
  return {
    meta: {
      eventId: randomUUID(),
      occurredAt: new Date('2026-12-01T15:04:05.000Z'),
      originCountry: 'US',
      originAgency: 'CBP',
      classification: 'LAW_ENFORCEMENT_SENSITIVE',
      releasableTo: ['US', 'MX'],
      purposes: ['BORDER_SECURITY'],
      correlationId: null,
      supersedes: null,
    },
    crossingId,
    traveller: person(),
    travelDocuments: [passport('G 7788-1200')],
    memberships: [],
    mode: 'PEDESTRIAN',
    conveyance: null,
    portOfEntry: { code: '2504', name: 'San Ysidro', country: 'US' },
    direction: 'NORTHBOUND',
    laneRequested: 'GENERAL',
    arrivedAt: new Date('2026-12-01T15:04:00.000Z'),
    ...patch,
  };
}

/** The development key of deploy/policies/dev-keys.env (a marked fixture, not a secret). */
export const DEV_KEY_BASE64 = 'ZGV2LW9ubHktdXMtbXgta2V5LW5vdC1hLXNlY3JldC0wMDAx';

/** A ring of one key with the given id and 32 bytes derived from `seed`. */
export function ringOf(id: string, seed: string): KeyRing {
  return { current: { id, key: createSecretKey(Buffer.from(seed.padEnd(32, '#').slice(0, 32))) } };
}
