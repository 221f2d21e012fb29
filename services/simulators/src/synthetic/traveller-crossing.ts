// Synthetic travellers at the primary inspection booth: CBP sees them NORTHBOUND at San Ysidro,
// Otay Mesa, El Paso and Laredo; INM SOUTHBOUND at Tijuana, Ciudad Juárez and Nuevo Laredo. On
// foot, by car, by bus or driving a truck, with the documents such travellers carry; a share are
// members of SENTRI / Global Entry (northbound) or Viajero Confiable (southbound) taken from the
// programme registries — a few with memberships the registry no longer honours — and rarely one is
// a variant of a person on the entered country's watchlist.
import type { Country } from '@puente/runtime';
import type { WatchlistEntry } from '@puente/screening';

import { fakeVin } from './cargo-manifest.js';
import {
  compileGeneratorOptions,
  eventMeta,
  PUBLISHING_AGENCY,
  topicOf,
  type GeneratedEvent,
  type GeneratorOptions,
  type WatchlistHit,
} from './meta.js';
import { fullName, isoDate, person, type JsonRecord, type PersonJson } from './parties.js';
import { TRAVELLER_PORTS, type TravellerPort } from './ports.js';
import type { Rng } from './prng.js';
import { inGoodStanding, type TrustedTravellerMember } from './trusted-travellers.js';
import { personVariant } from './watchlist-hits.js';

export type CrossingModeName = 'PEDESTRIAN' | 'PASSENGER_VEHICLE' | 'BUS' | 'COMMERCIAL_DRIVER';
export type RequestedLane = 'TRUSTED_TRAVELLER' | 'READY_LANE' | 'GENERAL';

/** Share of crossings by members of the entered country's programme (SENTRI lanes are busy; Viajero Confiable is small). */
export const MEMBER_RATE: Readonly<Record<Country, number>> = Object.freeze({ US: 0.15, MX: 0.06 });
/** Share of the members' crossings that claim a membership the registry does not hold in good standing. */
export const LAPSED_CLAIM_RATE = 0.1;

/** Documents read by radio frequency at the booth: they qualify a traveller for the Ready Lane. */
export const RFID_DOCUMENTS: ReadonlySet<string> = new Set([
  'PASSPORT_CARD',
  'BORDER_CROSSING_CARD',
  'SENTRI_CARD',
  'FAST_CARD',
]);

const MODES: readonly (readonly [CrossingModeName, number])[] = [
  ['PEDESTRIAN', 35],
  ['PASSENGER_VEHICLE', 50],
  ['BUS', 8],
  ['COMMERCIAL_DRIVER', 7],
];
const CARS = [
  ['3N1', 'Nissan Versa'],
  ['3N1', 'Nissan Sentra'],
  ['1FT', 'Ford F-150'],
  ['1GC', 'Chevrolet Silverado'],
  ['3GN', 'Chevrolet Equinox'],
  ['1HG', 'Honda Civic'],
  ['3VW', 'Volkswagen Jetta'],
  ['5YJ', 'Tesla Model 3'],
  ['4T1', 'Toyota Camry'],
] as const;
const TRUCKS = ['3AK', '1XK', '1XP', '3HS'] as const;
const COLOURS = ['white', 'gray', 'silver', 'black', 'red', 'blue'];
const BUS_LINES: Readonly<Record<Country, readonly string[]>> = {
  US: ['Tufesa', 'Omnibus Mexicanos', 'Autobuses Americanos', 'Greyhound México'],
  MX: ['Greyhound', 'El Paso–Los Angeles Limousine Express', 'Tufesa', 'Autobuses Americanos'],
};
const DAY = 86_400_000;

interface Who {
  readonly traveller: PersonJson;
  readonly documents: JsonRecord[];
  readonly memberships: JsonRecord[];
  readonly mode: CrossingModeName;
  readonly lane: RequestedLane;
  readonly hit?: WatchlistHit;
}

const hasRfid = (documents: readonly JsonRecord[]) =>
  documents.some((d) => RFID_DOCUMENTS.has(String(d['documentType'])));

/** The lane an ordinary traveller queues in: the Ready Lane with an RFID card (mostly), else general. */
function laneFor(rng: Rng, country: Country, mode: CrossingModeName, documents: readonly JsonRecord[]): RequestedLane {
  // Ready Lanes are a US-bound facility; commercial drivers go to the cargo facility's booths.
  if (country !== 'US' || mode === 'COMMERCIAL_DRIVER' || !hasRfid(documents)) return 'GENERAL';
  return rng.chance(0.85) ? 'READY_LANE' : 'GENERAL';
}

function withoutDocuments(p: PersonJson): PersonJson {
  return { ...p, documents: [] };
}

/** The documents an ordinary traveller of this nationality shows entering `country`. */
function travelDocuments(rng: Rng, nationality: Country, entering: Country, now: number): JsonRecord[] {
  const expires = (years: number) => isoDate(now + rng.int(60, years * 365) * DAY);
  const mxPassport = () => ({
    documentType: 'PASSPORT',
    documentNumber: `G${rng.digits(8)}`,
    issuingCountry: 'MX',
    issuingAuthority: 'Secretaría de Relaciones Exteriores',
    expiresOn: expires(10),
  });
  const usPassport = () => ({
    documentType: 'PASSPORT',
    documentNumber: rng.chance(0.5) ? rng.digits(9) : `A${rng.digits(8)}`,
    issuingCountry: 'US',
    issuingAuthority: 'U.S. Department of State',
    expiresOn: expires(10),
  });
  const passportCard = () => ({
    documentType: 'PASSPORT_CARD',
    documentNumber: `C0${rng.digits(7)}`,
    issuingCountry: 'US',
    issuingAuthority: 'U.S. Department of State',
    expiresOn: expires(10),
  });
  if (nationality === 'US') {
    const kind = rng.weighted([
      ['card', 45],
      ['book', 40],
      ['both', 15],
    ] as const);
    if (kind === 'card') return [passportCard()];
    if (kind === 'book') return [usPassport()];
    return [usPassport(), passportCard()];
  }
  if (entering === 'US') {
    // Border residents cross on the laser visa; others on a passport (the visa foil rides in it).
    return rng.chance(0.75)
      ? [
          {
            documentType: 'BORDER_CROSSING_CARD',
            documentNumber: `${rng.letters(3)}${rng.digits(9)}`,
            issuingCountry: 'US',
            issuingAuthority: 'U.S. Department of State',
            expiresOn: expires(10),
          },
        ]
      : [mxPassport()];
  }
  // Mexicans returning home show the INE voter card or their passport.
  return rng.chance(0.6)
    ? [
        {
          documentType: 'VOTER_ID',
          documentNumber: rng.digits(13),
          issuingCountry: 'MX',
          issuingAuthority: 'INE',
          expiresOn: expires(8),
        },
      ]
    : [mxPassport()];
}

function ordinaryTraveller(rng: Rng, country: Country, place: TravellerPort, now: number): Who {
  const mode = rng.weighted(MODES);
  const nationality: Country = rng.chance(country === 'US' ? 0.55 : 0.5) ? 'MX' : 'US';
  if (mode === 'COMMERCIAL_DRIVER') {
    // A driver's crossing documents: FAST card, passport or border crossing card, licence.
    const driver = person(rng, nationality, { now, driver: true, state: place.mxState });
    return {
      traveller: withoutDocuments(driver),
      documents: driver.documents,
      memberships: [],
      mode,
      lane: 'GENERAL',
    };
  }
  const traveller = withoutDocuments(person(rng, nationality, { now, state: place.mxState }));
  const documents = travelDocuments(rng, nationality, country, now);
  return { traveller, documents, memberships: [], mode, lane: laneFor(rng, country, mode, documents) };
}

function memberTraveller(rng: Rng, member: TrustedTravellerMember, registryCountry: Country): Who {
  const { holder } = member;
  const traveller: PersonJson = {
    personId: null,
    givenNames: holder.givenNames,
    surname: holder.surname,
    secondSurname: holder.secondSurname,
    aliases: [],
    dateOfBirth: holder.dateOfBirth,
    nationalities: [...holder.nationalities],
    documents: [],
    address: null,
  };
  // The enrolled documents: a SENTRI member always shows the card, the passport only sometimes.
  const enrolled = holder.documents.map((d) => ({ ...d }));
  const card = enrolled.filter((d) => d.documentType === 'SENTRI_CARD');
  const documents = card.length > 0 && rng.chance(0.5) ? card : enrolled;
  const vehicleFirst = member.programme === 'SENTRI' ? 0.7 : member.programme === 'GLOBAL_ENTRY' ? 0.3 : 0.5;
  const mode: CrossingModeName = rng.chance(vehicleFirst) ? 'PASSENGER_VEHICLE' : 'PEDESTRIAN';
  return {
    traveller,
    documents,
    memberships: [
      {
        programme: member.programme,
        membershipId: member.membershipId,
        issuingCountry: registryCountry,
        validUntil: member.validUntil,
      },
    ],
    mode,
    lane: 'TRUSTED_TRAVELLER',
  };
}

function watchlistedTraveller(rng: Rng, country: Country, options: { now: number; entry: WatchlistEntry }): Who {
  const hit = personVariant(rng, options.entry, options.now);
  const traveller = withoutDocuments(hit.person);
  const documents = hit.person.documents;
  const mode: CrossingModeName = rng.chance(0.5) ? 'PEDESTRIAN' : 'PASSENGER_VEHICLE';
  return {
    traveller,
    documents,
    memberships: [],
    mode,
    lane: laneFor(rng, country, mode, documents),
    hit: {
      entryId: options.entry.entryId,
      listedName: options.entry.name,
      role: 'traveller',
      name: fullName(traveller),
      variant: hit.variant,
    },
  };
}

function conveyanceFor(rng: Rng, mode: CrossingModeName, who: Who, place: TravellerPort): JsonRecord | null {
  const registration: Country = (who.traveller.nationalities[0] ?? 'MX') === 'US' ? 'US' : 'MX';
  const plate = (country: Country) =>
    country === 'US'
      ? `${place.usState} ${rng.letters(3)}${rng.digits(4)}`
      : `${rng.letters(3)}-${rng.digits(3)}-${rng.letters(1)}`;
  switch (mode) {
    case 'PEDESTRIAN':
      return null;
    case 'PASSENGER_VEHICLE': {
      const [wmi, model] = rng.pick(CARS);
      const licensePlate = plate(registration);
      return {
        conveyanceType: 'PRIVATE_VEHICLE',
        identifier: licensePlate,
        registrationCountry: registration,
        licensePlate,
        vehicleIdentificationNumber: rng.chance(0.8) ? fakeVin(rng, wmi) : null,
        trailerIds: [],
        description: `${model}, ${rng.pick(COLOURS)}`,
      };
    }
    case 'BUS': {
      const operator: Country = rng.chance(0.6) ? 'MX' : 'US';
      const licensePlate = plate(operator);
      return {
        conveyanceType: 'BUS',
        identifier: `${rng.pick(BUS_LINES[operator === 'MX' ? 'US' : 'MX'])} ${rng.digits(4)}`,
        registrationCountry: operator,
        licensePlate,
        vehicleIdentificationNumber: null,
        trailerIds: [],
        description: rng.pick(['MCI J4500 coach', 'Volvo 9700 coach', 'Irizar i6 coach']),
      };
    }
    default: {
      const licensePlate = plate(registration);
      return {
        conveyanceType: 'TRUCK',
        identifier: licensePlate,
        registrationCountry: registration,
        licensePlate,
        vehicleIdentificationNumber: fakeVin(rng, rng.pick(TRUCKS)),
        trailerIds: [`${rng.letters(4)}U ${rng.digits(6)}`],
        description: null,
      };
    }
  }
}

/**
 * One traveller crossing as the entered country's agency records it: CBP (US) for northbound
 * travellers, INM (MX) for southbound ones. Valid under `travellerCrossingProblems`.
 */
export function generateTravellerCrossing(rng: Rng, country: Country, options: GeneratorOptions = {}): GeneratedEvent {
  const compiled = compileGeneratorOptions(options);
  const now = compiled.now();
  const reference = compiled.reference[country];
  const place = rng.weighted(TRAVELLER_PORTS[country].map((p) => [p, p.weight] as const));
  const today = isoDate(now);
  const registry = reference.trustedTravellers;
  const good = registry.members.filter((m) => inGoodStanding(m, today));
  const lapsed = registry.members.filter((m) => !inGoodStanding(m, today));
  const persons = reference.watchlistEntries.filter((e) => e.type === 'person');

  let who: Who;
  const roll = rng.next();
  if (roll < compiled.travellerHitRate && persons.length > 0) {
    who = watchlistedTraveller(rng, country, { now, entry: rng.pick(persons) });
  } else if (roll < compiled.travellerHitRate + MEMBER_RATE[country] && registry.members.length > 0) {
    const pool = lapsed.length > 0 && (good.length === 0 || rng.chance(LAPSED_CLAIM_RATE)) ? lapsed : good;
    who = memberTraveller(rng, rng.pick(pool), registry.country);
  } else {
    who = ordinaryTraveller(rng, country, place, now);
  }
  const mode = who.mode;
  const conveyance = conveyanceFor(rng, mode, who, place);
  const agency = PUBLISHING_AGENCY[country].crossing;
  const crossingId = `${agency}-${place.port.code}-${today.replace(/-/g, '')}-${rng.digits(8)}`;
  const value = {
    meta: eventMeta(rng, {
      country,
      kind: 'crossing',
      now,
      classification: [
        ['SENSITIVE', 80],
        ['LAW_ENFORCEMENT_SENSITIVE', 20],
      ],
      purposes: ['BORDER_SECURITY'],
    }),
    crossingId,
    traveller: who.traveller,
    travelDocuments: who.documents,
    memberships: who.memberships,
    mode,
    conveyance,
    portOfEntry: { ...place.port },
    direction: country === 'US' ? 'NORTHBOUND' : 'SOUTHBOUND',
    laneRequested: who.lane,
    arrivedAt: new Date(now - rng.int(0, 120) * 1000).toISOString(),
  };
  return {
    topic: topicOf(country, 'crossing'),
    key: crossingId,
    publisher: `${country}/${agency}`,
    kind: 'crossing',
    value,
    watchlistHits: who.hit ? [who.hit] : [],
  };
}

/** The friendly-JSON value of {@link generateTravellerCrossing}. */
export function travellerCrossing(rng: Rng, country: Country, options?: GeneratorOptions): GeneratedEvent['value'] {
  return generateTravellerCrossing(rng, country, options).value;
}
