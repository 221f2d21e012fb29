// Invented people, companies and addresses in the right locale: Spanish given names and double
// surnames for Mexican persons, an English/Spanish mix for US persons, S.A. de C.V. and LLC
// companies with plausible (fake) RFCs, EINs, SCAC and CAAT codes, addresses in border cities.
import type { Country } from '@puente/runtime';

import {
  MX_COMPANY,
  MX_GIVEN_FEMALE,
  MX_GIVEN_MALE,
  MX_SURNAMES,
  US_COMPANY,
  US_GIVEN_FEMALE,
  US_GIVEN_MALE,
  US_MIDDLE,
  US_SURNAMES_ANGLO,
  US_SURNAMES_HISPANIC,
  WELL_KNOWN_PEOPLE,
} from './names.js';
import type { BorderCrossing } from './ports.js';
import type { Rng } from './prng.js';

/** Friendly JSON (as the codec's `fromJson` accepts it) of a schema record. */
export type JsonRecord = Record<string, unknown>;

export interface PersonJson extends JsonRecord {
  givenNames: string;
  surname: string;
  secondSurname: string | null;
  aliases: string[];
  dateOfBirth: string | null;
  nationalities: string[];
  documents: JsonRecord[];
}

export interface OrganizationJson extends JsonRecord {
  name: string;
  countryCode: string;
  identifiers: { scheme: string; value: string }[];
  trustedTraderMemberships: JsonRecord[];
}

export type OrgKind = 'carrier' | 'autoParts' | 'produce' | 'electronics' | 'textiles' | 'general' | 'broker';

const DAY = 86_400_000;

export const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

/** "Given Surname Second" as screening composes it. */
export function fullName(person: Pick<PersonJson, 'givenNames' | 'surname' | 'secondSurname'>): string {
  return [person.givenNames, person.surname, person.secondSurname ?? ''].join(' ').trim();
}

const folded = (name: string) => stripAccents(name).toLowerCase().replace(/\s+/g, ' ').trim();
const WELL_KNOWN = new Set(WELL_KNOWN_PEOPLE.map(folded));
export const isWellKnownPerson = (name: string): boolean => WELL_KNOWN.has(folded(name));

const MX_STATE_CODES: Record<string, string> = {
  Tamaulipas: 'TS',
  Chihuahua: 'CH',
  'Baja California': 'BC',
  Sonora: 'SR',
  Coahuila: 'CL',
  'Nuevo León': 'NL',
  Jalisco: 'JC',
  Sinaloa: 'SL',
  'Ciudad de México': 'DF',
  Michoacán: 'MN',
};

export function birthDate(rng: Rng, now: number, minAge = 23, maxAge = 64): string {
  return isoDate(now - rng.int(minAge * 365, maxAge * 365) * DAY);
}

/** A CURP built the way RENAPO builds one from the name, birth date, sex and state (check digit faked). */
export function curpOf(rng: Rng, person: PersonJson, sex: 'H' | 'M', state: string): string {
  const clean = (s: string) =>
    stripAccents(s)
      .toUpperCase()
      .replace(/[^A-Z ]/g, '');
  const surname = clean(person.surname).replace(/ /g, '');
  const second = clean(person.secondSurname ?? 'X').replace(/ /g, '');
  const given = clean(person.givenNames).split(' ');
  const first = given[0] === 'MARIA' || given[0] === 'JOSE' ? (given[1] ?? given[0] ?? 'X') : (given[0] ?? 'X');
  const vowel = /[AEIOU]/.exec(surname.slice(1))?.[0] ?? 'X';
  const consonant = (s: string) => /[^AEIOU]/.exec(s.slice(1))?.[0] ?? 'X';
  const dob = (person.dateOfBirth ?? '1980-01-01').replace(/-/g, '').slice(2);
  return `${surname[0] ?? 'X'}${vowel}${second[0] ?? 'X'}${first[0] ?? 'X'}${dob}${sex}${MX_STATE_CODES[state] ?? 'NE'}${consonant(surname)}${consonant(second)}${consonant(first)}${rng.pick(['0', 'A'])}${rng.digits(1)}`;
}

export interface PersonOptions {
  readonly now: number;
  /** Documents for a commercial driver crossing the border rather than a case subject. */
  readonly driver?: boolean;
  /** State of residence (Mexican persons), for the CURP. */
  readonly state?: string;
}

export function mexicanPerson(rng: Rng, options: PersonOptions): PersonJson {
  for (;;) {
    const sex = rng.chance(options.driver ? 0.1 : 0.35) ? 'M' : 'H';
    const [surname, secondSurname] = rng.sample(MX_SURNAMES, 2) as [string, string];
    const person: PersonJson = {
      personId: null,
      givenNames: rng.pick(sex === 'M' ? MX_GIVEN_FEMALE : MX_GIVEN_MALE),
      surname,
      secondSurname,
      aliases: [],
      dateOfBirth: birthDate(rng, options.now),
      nationalities: rng.chance(0.04) ? ['MX', 'US'] : ['MX'],
      documents: [],
      address: null,
    };
    if (isWellKnownPerson(fullName(person))) continue;
    const expires = (years: number) => isoDate(options.now + rng.int(60, years * 365) * DAY);
    if (options.driver) {
      if (rng.chance(0.7))
        person.documents.push({
          documentType: 'FAST_CARD',
          documentNumber: rng.digits(8),
          issuingCountry: 'US',
          issuingAuthority: 'U.S. Customs and Border Protection',
          expiresOn: expires(5),
        });
      person.documents.push(
        rng.chance(0.6)
          ? {
              documentType: 'PASSPORT',
              documentNumber: `G${rng.digits(8)}`,
              issuingCountry: 'MX',
              issuingAuthority: 'Secretaría de Relaciones Exteriores',
              expiresOn: expires(10),
            }
          : {
              documentType: 'BORDER_CROSSING_CARD',
              documentNumber: `${rng.letters(3)}${rng.digits(9)}`,
              issuingCountry: 'US',
              issuingAuthority: 'U.S. Department of State',
              expiresOn: expires(10),
            },
      );
      if (rng.chance(0.5))
        person.documents.push({
          documentType: 'COMMERCIAL_DRIVER_LICENSE',
          documentNumber: `${rng.letters(3)}${rng.digits(7)}`,
          issuingCountry: 'MX',
          issuingAuthority: 'SICT (Licencia Federal de Conductor)',
          expiresOn: expires(4),
        });
    } else {
      person.documents.push({
        documentType: 'CURP',
        documentNumber: curpOf(rng, person, sex, options.state ?? 'Tamaulipas'),
        issuingCountry: 'MX',
        issuingAuthority: 'RENAPO',
        expiresOn: null,
      });
      if (rng.chance(0.4))
        person.documents.push({
          documentType: 'VOTER_ID',
          documentNumber: rng.digits(13),
          issuingCountry: 'MX',
          issuingAuthority: 'INE',
          expiresOn: expires(8),
        });
    }
    return person;
  }
}

const US_LICENSING: readonly (readonly [string, string])[] = [
  ['TX', 'Texas DPS'],
  ['CA', 'California DMV'],
  ['AZ', 'Arizona MVD'],
  ['NM', 'New Mexico MVD'],
];

export function americanPerson(rng: Rng, options: PersonOptions): PersonJson {
  for (;;) {
    const female = rng.chance(options.driver ? 0.12 : 0.35);
    const hispanic = rng.chance(0.4);
    const given = rng.pick(female ? US_GIVEN_FEMALE : US_GIVEN_MALE);
    const person: PersonJson = {
      personId: null,
      givenNames: rng.chance(0.3) ? `${given} ${rng.pick(US_MIDDLE)}` : given,
      surname: rng.pick(hispanic ? US_SURNAMES_HISPANIC : US_SURNAMES_ANGLO),
      secondSurname: hispanic && rng.chance(0.1) ? rng.pick(US_SURNAMES_HISPANIC) : null,
      aliases: [],
      dateOfBirth: birthDate(rng, options.now),
      nationalities: hispanic && rng.chance(0.1) ? ['US', 'MX'] : ['US'],
      documents: [],
      address: null,
    };
    if (person.secondSurname === person.surname) person.secondSurname = null;
    if (isWellKnownPerson(fullName(person)) || isWellKnownPerson(`${given} ${person.surname}`)) continue;
    const expires = (years: number) => isoDate(options.now + rng.int(60, years * 365) * DAY);
    const [, authority] = rng.pick(US_LICENSING);
    person.documents.push({
      documentType: options.driver ? 'COMMERCIAL_DRIVER_LICENSE' : 'DRIVER_LICENSE',
      documentNumber: rng.digits(8),
      issuingCountry: 'US',
      issuingAuthority: authority,
      expiresOn: expires(8),
    });
    if (options.driver || rng.chance(0.5))
      person.documents.push(
        rng.chance(0.5)
          ? {
              documentType: 'PASSPORT_CARD',
              documentNumber: `C0${rng.digits(7)}`,
              issuingCountry: 'US',
              issuingAuthority: 'U.S. Department of State',
              expiresOn: expires(10),
            }
          : {
              documentType: 'PASSPORT',
              documentNumber: rng.chance(0.5) ? rng.digits(9) : `A${rng.digits(8)}`,
              issuingCountry: 'US',
              issuingAuthority: 'U.S. Department of State',
              expiresOn: expires(10),
            },
      );
    return person;
  }
}

export function person(rng: Rng, nationality: Country, options: PersonOptions): PersonJson {
  return nationality === 'MX' ? mexicanPerson(rng, options) : americanPerson(rng, options);
}

// --- addresses -----------------------------------------------------------------------------------

const MX_INTERIOR = [
  { city: 'Monterrey', state: 'Nuevo León', cpPrefix: '64' },
  { city: 'Apodaca', state: 'Nuevo León', cpPrefix: '66' },
  { city: 'Saltillo', state: 'Coahuila', cpPrefix: '25' },
  { city: 'Ramos Arizpe', state: 'Coahuila', cpPrefix: '25' },
  { city: 'Hermosillo', state: 'Sonora', cpPrefix: '83' },
  { city: 'Chihuahua', state: 'Chihuahua', cpPrefix: '31' },
  { city: 'Culiacán', state: 'Sinaloa', cpPrefix: '80' },
  { city: 'Uruapan', state: 'Michoacán', cpPrefix: '60' },
] as const;
const US_INTERIOR = [
  { city: 'San Antonio', state: 'TX', zipPrefix: '782' },
  { city: 'Dallas', state: 'TX', zipPrefix: '752' },
  { city: 'Houston', state: 'TX', zipPrefix: '770' },
  { city: 'McAllen', state: 'TX', zipPrefix: '785' },
  { city: 'Phoenix', state: 'AZ', zipPrefix: '850' },
  { city: 'Los Angeles', state: 'CA', zipPrefix: '900' },
  { city: 'Chicago', state: 'IL', zipPrefix: '606' },
  { city: 'Detroit', state: 'MI', zipPrefix: '482' },
] as const;
const MX_STREETS = [
  'Av. Tecnológico',
  'Blvd. Industrial',
  'Av. Revolución',
  'Calle Guerrero',
  'Av. Reforma',
  'Blvd. Aeropuerto',
  'Carretera Nacional km',
  'Av. de las Américas',
  'Calle Hidalgo',
  'Av. Constitución',
];
const MX_COLONIAS = [
  'Parque Industrial Nuevo Milenio',
  'Col. Centro',
  'Parque Industrial Las Américas',
  'Col. Industrial',
  'Parque Industrial Stiva',
  'Col. Del Valle',
  'Parque Industrial Finsa',
  'Col. Las Fuentes',
];
const US_STREETS = [
  'Mines Rd',
  'Killam Industrial Blvd',
  'Airway Blvd',
  'Siempre Viva Rd',
  'Industrial Pkwy',
  'Commerce St',
  'Trade Center Dr',
  'Military Hwy',
  'Santa Teresa Industrial Blvd',
  'Logistics Way',
];

export function mexicanAddress(rng: Rng, crossing: BorderCrossing | null): JsonRecord {
  const place = crossing && rng.chance(0.6) ? crossing.mxCity : rng.pick(MX_INTERIOR);
  const street = rng.pick(MX_STREETS);
  const number = street.endsWith('km') ? `${rng.int(2, 30)}.${rng.int(0, 9)}` : String(rng.int(100, 9999));
  return {
    street: `${street} ${number}, ${rng.pick(MX_COLONIAS)}`,
    city: place.city,
    stateOrProvince: place.state,
    postalCode: `${place.cpPrefix}${rng.digits(3)}`,
    countryCode: 'MX',
  };
}

export function americanAddress(rng: Rng, crossing: BorderCrossing | null): JsonRecord {
  const place = crossing && rng.chance(0.6) ? crossing.usCity : rng.pick(US_INTERIOR);
  return {
    street: `${rng.int(100, 12999)} ${rng.pick(US_STREETS)}${rng.chance(0.3) ? ` Ste ${rng.int(100, 450)}` : ''}`,
    city: place.city,
    stateOrProvince: place.state,
    postalCode: `${place.zipPrefix}${rng.digits(2)}`,
    countryCode: 'US',
  };
}

// --- organizations -------------------------------------------------------------------------------

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';

function rfc(rng: Rng, name: string, now: number): string {
  const initials = stripAccents(name)
    .toUpperCase()
    .replace(/,.*$/, '')
    .split(/\s+/)
    .filter((w) => w.length > 2 && !['DEL', 'LAS', 'LOS'].includes(w))
    .map((w) => w[0])
    .join('')
    .padEnd(3, 'X')
    .slice(0, 3);
  const founded = isoDate(now - rng.int(3 * 365, 35 * 365) * DAY)
    .replace(/-/g, '')
    .slice(2);
  return `${initials}${founded}${rng.letters(2, ALNUM)}${rng.digits(1)}`;
}

const ein = (rng: Rng) => `${rng.pick(['74', '76', '84', '85', '86', '88', '46', '47', '27'])}-${rng.digits(7)}`;

function mexicanCompanyName(rng: Rng, kind: OrgKind): string {
  const form = rng.pick(MX_COMPANY.forms);
  if (kind === 'broker')
    return `Agencia Aduanal ${rng.pick(MX_SURNAMES)} ${rng.pick(['y Asociados', 'Hermanos', rng.pick(MX_COMPANY.place)])}, S.C.`;
  const words = kind === 'carrier' ? MX_COMPANY.carrier : MX_COMPANY[kind];
  const core = rng.chance(0.35) ? `${rng.pick(MX_SURNAMES)} Hermanos` : rng.pick(MX_COMPANY.place);
  return `${rng.pick(words)} ${core}, ${form}`;
}

function americanCompanyName(rng: Rng, kind: OrgKind): string {
  if (kind === 'broker') return `${rng.pick(US_COMPANY.core)} Customs Brokerage ${rng.pick(['Inc.', 'LLC'])}`;
  const words = kind === 'carrier' ? US_COMPANY.carrier : US_COMPANY[kind];
  const core = rng.chance(0.25) ? `${rng.pick(US_SURNAMES_ANGLO)} & Sons` : rng.pick(US_COMPANY.core);
  return `${core} ${rng.pick(words)} ${rng.pick(US_COMPANY.forms)}`;
}

/** A company; carriers also get SCAC and CAAT codes, importers sometimes an importer number. */
export function organization(
  rng: Rng,
  country: Country,
  kind: OrgKind,
  options: { now: number; crossing: BorderCrossing | null },
): OrganizationJson {
  const name = country === 'MX' ? mexicanCompanyName(rng, kind) : americanCompanyName(rng, kind);
  const identifiers: { scheme: string; value: string }[] = [];
  if (country === 'MX') identifiers.push({ scheme: 'MX_RFC', value: rfc(rng, name, options.now) });
  else identifiers.push({ scheme: 'US_EIN', value: ein(rng) });
  if (kind === 'carrier') {
    const initials = stripAccents(name)
      .toUpperCase()
      .replace(/[^A-Z ]/g, '')
      .split(' ')
      .filter((w) => w.length > 2)
      .map((w) => w[0])
      .join('');
    identifiers.push({ scheme: 'SCAC', value: `${initials}${rng.letters(4)}`.slice(0, 4) });
    identifiers.push({ scheme: 'CAAT', value: rng.letters(4, ALNUM) });
  } else if (kind !== 'broker' && rng.chance(0.4)) {
    identifiers.push(
      country === 'MX'
        ? { scheme: 'MX_PADRON_IMPORTADORES', value: `PI-${rng.digits(7)}` }
        : { scheme: 'CBP_IMPORTER_NUMBER', value: `${identifiers[0]?.value ?? ein(rng)}00` },
    );
  }
  return {
    name,
    tradeName: null,
    countryCode: country,
    identifiers,
    address:
      kind === 'broker' && rng.chance(0.5)
        ? null
        : country === 'MX'
          ? mexicanAddress(rng, options.crossing)
          : americanAddress(rng, options.crossing),
    trustedTraderMemberships: [],
  };
}

export function scacOf(org: OrganizationJson): string | undefined {
  return org.identifiers.find((i) => i.scheme === 'SCAC')?.value;
}
