import type { CargoManifest, Organization, Person } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import { partiesOf } from './parties.js';

const org = (name: string, tradeName: string | null = null): Organization => ({
  name,
  tradeName,
  countryCode: 'US',
  identifiers: [],
  address: null,
  trustedTraderMemberships: [],
});

const driver: Person = {
  personId: null,
  givenNames: 'María Guadalupe',
  surname: 'Ochoa',
  secondSurname: 'Reyes',
  aliases: ['Lupe Ochoa'],
  dateOfBirth: '1980-02-03',
  nationalities: ['MX'],
  documents: [],
  address: null,
};

const manifestWith = (parts: Partial<CargoManifest>): CargoManifest =>
  ({
    consignor: org('Shipper Inc.'),
    consignee: org('Importadora S.A.', 'Importa'),
    carrier: org('Carrier LLC'),
    driver: null,
    ...parts,
  }) as CargoManifest;

describe('partiesOf', () => {
  it('lists consignor, consignee and carrier as organisations, with a trade name as a second name', () => {
    const parties = partiesOf(manifestWith({}));
    expect(parties.map((p) => [p.role, p.subjectType, p.names, p.dateOfBirth])).toEqual([
      ['consignor', 'PARTY', ['Shipper Inc.'], null],
      ['consignee', 'PARTY', ['Importadora S.A.', 'Importa'], null],
      ['carrier', 'PARTY', ['Carrier LLC'], null],
    ]);
    expect(parties[1]?.organization?.name).toBe('Importadora S.A.');
    expect(parties.every((p) => p.person === undefined)).toBe(true);
  });

  it('adds the driver as a traveller: full name with both surnames, then the aliases', () => {
    const parties = partiesOf(manifestWith({ driver }));
    expect(parties).toHaveLength(4);
    expect(parties[3]).toEqual({
      role: 'driver',
      subjectType: 'TRAVELLER',
      names: ['María Guadalupe Ochoa Reyes', 'Lupe Ochoa'],
      dateOfBirth: '1980-02-03',
      person: driver,
    });
  });

  it('drops a missing second surname without a trailing space', () => {
    const parties = partiesOf(manifestWith({ driver: { ...driver, secondSurname: null, aliases: [] } }));
    expect(parties[3]?.names).toEqual(['María Guadalupe Ochoa']);
  });
});
