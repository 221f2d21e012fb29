// Synthetic investigation events: HSI cases in the US, FGR carpetas de investigación in Mexico,
// each carrying the case's full current state (subjects, corridor, related cases).
import type { Country } from '@puente/runtime';

import { caseSummary, caseTitle, OFFENCES, RELATED_OFFENCE, SOUTHBOUND_OFFENCES, type Offence } from './cases.js';
import {
  compileGeneratorOptions,
  eventMeta,
  PUBLISHING_AGENCY,
  topicOf,
  type GeneratedEvent,
  type GeneratorOptions,
} from './meta.js';
import { americanAddress, isoDate, mexicanAddress, organization, person, type JsonRecord } from './parties.js';
import { pickCrossing, type BorderCrossing } from './ports.js';
import type { Rng } from './prng.js';

const DAY = 86_400_000;

const HSI_OFFICE: Record<string, string> = {
  '2304': 'LRD',
  '2506': 'SDG',
  '2402': 'ELP',
  '2604': 'NOG',
  '2507': 'CLX',
  '2301': 'BRO',
  '2305': 'MCA',
  '2303': 'EGP',
  '2408': 'ELP',
};

const FGR_UNIT: Record<Offence, string> = {
  DRUG_TRAFFICKING: 'FEMDO/UEIDCS',
  ARMS_TRAFFICKING: 'FEMDO/UEITA',
  HUMAN_SMUGGLING: 'FEMDO/UEITMPO',
  MONEY_LAUNDERING: 'FEMDO/UEIORPIFAM',
  BULK_CASH_SMUGGLING: 'FEMDO/UEIORPIFAM',
  CUSTOMS_FRAUD: 'FECOR/UEIDFF',
  CONTRABAND: 'FECOR/UEIDFF',
};

export const hsiCaseId = (rng: Rng, crossing: BorderCrossing, year: number): string =>
  `HSI-${HSI_OFFICE[crossing.us.code] ?? 'HOU'}-${year}-${rng.digits(5)}`;
export const fgrCaseId = (rng: Rng, offence: Offence, year: number): string =>
  `FGR/${FGR_UNIT[offence]}/${rng.digits(4)}/${year}`;

const MX_ORIGINS = ['Culiacán, Sinaloa', 'Guadalajara, Jalisco', 'Uruapan, Michoacán', 'Hermosillo, Sonora'];
const US_DESTINATIONS = ['Los Angeles, CA', 'Phoenix, AZ', 'Dallas, TX', 'Houston, TX', 'Chicago, IL', 'Atlanta, GA'];

export function corridorOf(rng: Rng, crossing: BorderCrossing, offence: Offence): JsonRecord {
  const southbound = SOUTHBOUND_OFFENCES.has(offence);
  const us = `${crossing.usCity.city}, ${crossing.usCity.state}`;
  const mx = `${crossing.mxCity.city}, ${crossing.mxCity.state}`;
  return {
    name: southbound
      ? `${crossing.us.name} – ${crossing.mxCity.city}`
      : `${crossing.mxCity.city} – ${crossing.us.name}`,
    originLocality: southbound
      ? rng.chance(0.5)
        ? us
        : rng.pick(US_DESTINATIONS)
      : rng.chance(0.5)
        ? mx
        : rng.pick(MX_ORIGINS),
    destinationLocality: southbound
      ? rng.chance(0.5)
        ? mx
        : rng.pick(MX_ORIGINS)
      : rng.chance(0.5)
        ? us
        : rng.pick(US_DESTINATIONS),
    portsOfEntry: [{ ...crossing.us }, { ...crossing.mx }],
  };
}

const ROLES = [
  ['SUSPECT', 3],
  ['ASSOCIATE', 3],
  ['COURIER', 2],
  ['FACILITATOR', 2],
  ['WITNESS', 1],
] as const;

export function caseSubjects(rng: Rng, country: Country, crossing: BorderCrossing, now: number): JsonRecord[] {
  const count = rng.weighted([
    [1, 3],
    [2, 4],
    [3, 2],
    [4, 1],
  ] as const);
  return Array.from({ length: count }, (_, i) => {
    const role = i === 0 ? 'TARGET' : rng.weighted(ROLES);
    if (i > 0 && rng.chance(0.15)) {
      const orgCountry: Country = rng.chance(0.6) ? country : country === 'US' ? 'MX' : 'US';
      return {
        role: 'FACILITATOR',
        person: null,
        organization: organization(rng, orgCountry, rng.pick(['general', 'carrier'] as const), { now, crossing }),
      };
    }
    const nationality: Country = rng.chance(country === 'MX' ? 0.8 : 0.5) ? 'MX' : 'US';
    const subject = person(rng, nationality, { now, state: crossing.mxCity.state });
    if (rng.chance(0.3))
      subject.address = nationality === 'MX' ? mexicanAddress(rng, crossing) : americanAddress(rng, crossing);
    if (role === 'TARGET' && rng.chance(0.2)) {
      subject.aliases = [
        rng.pick(
          nationality === 'MX'
            ? ['El Güero', 'El Flaco', 'La Jefa', 'El Primo', 'El Chato']
            : ['Junior', 'Tex', 'Smokey', 'Red'],
        ),
      ];
    }
    return { role, person: subject, organization: null };
  });
}

/** One investigation event of the country's investigative agency (HSI in the US, FGR in Mexico). */
export function generateInvestigationEvent(rng: Rng, country: Country, options: GeneratorOptions = {}): GeneratedEvent {
  const { now: clock } = compileGeneratorOptions(options);
  const now = clock();
  const crossing = pickCrossing(rng);
  const offence = rng.weighted(OFFENCES);
  const offences = rng.chance(0.3) ? [offence, RELATED_OFFENCE[offence]] : [offence];
  const eventType = rng.weighted([
    ['OPENED', 4],
    ['UPDATED', 5],
    ['CLOSED', 1.5],
  ] as const);
  const openedAgo = eventType === 'OPENED' ? rng.int(0, 14) : rng.int(30, 700);
  const openedOn = now - openedAgo * DAY;
  const year = new Date(openedOn).getUTCFullYear();
  const agency = PUBLISHING_AGENCY[country].investigation;
  const caseId = country === 'US' ? hsiCaseId(rng, crossing, year) : fgrCaseId(rng, offence, year);
  const other: Country = country === 'US' ? 'MX' : 'US';
  const relatedCaseIds = Array.from(
    {
      length: rng.weighted([
        [0, 5],
        [1, 3],
        [2, 1],
      ] as const),
    },
    () =>
      rng.chance(0.5)
        ? other === 'US'
          ? hsiCaseId(rng, crossing, year)
          : fgrCaseId(rng, offence, year)
        : country === 'US'
          ? `${rng.pick(['DEA', 'ATF'])}-${HSI_OFFICE[crossing.us.code] ?? 'HOU'}-${year}-${rng.digits(4)}`
          : fgrCaseId(rng, RELATED_OFFENCE[offence], year),
  );
  const value = {
    meta: eventMeta(rng, {
      country,
      kind: 'investigation',
      now,
      classification: [
        ['LAW_ENFORCEMENT_SENSITIVE', 60],
        ['SENSITIVE', 20],
        ['RESTRICTED', 20],
      ],
      purposes: rng.chance(0.5) ? ['CRIMINAL_INVESTIGATION', 'PROSECUTION'] : ['CRIMINAL_INVESTIGATION'],
    }),
    caseId,
    eventType,
    leadAgency: agency,
    participatingAgencies: rng.sample(
      country === 'US' ? ['CBP', 'DEA', 'ATF', 'FBI', 'USBP', 'IRS-CI'] : ['ANAM', 'SEDENA', 'SEMAR', 'GN', 'UIF'],
      rng.int(0, 3),
    ),
    openedOn: isoDate(openedOn),
    title: caseTitle(rng, country, offence, crossing),
    summary: caseSummary(rng, country, offence, crossing),
    offenceCategories: offences,
    corridor: rng.chance(0.65) ? corridorOf(rng, crossing, offence) : null,
    subjects: caseSubjects(rng, country, crossing, now),
    relatedCaseIds,
    closureReason:
      eventType === 'CLOSED'
        ? rng.weighted([
            ['REFERRED_FOR_PROSECUTION', 5],
            ['INSUFFICIENT_EVIDENCE', 2],
            ['MERGED', 1],
            ['TRANSFERRED', 1],
            ['RESOLVED', 1],
          ] as const)
        : null,
    // Domestic-only fields: every agreement drops them; the simulators fill some to prove it.
    agentNotes: rng.chance(0.3)
      ? country === 'US'
        ? rng.pick([
            'Surveillance ongoing; do not approach subjects.',
            'Pending Title III application.',
            'Coordinate with AUSA before any arrest.',
          ])
        : rng.pick([
            'Vigilancia en curso; no abordar a los sujetos.',
            'Pendiente solicitud de intervención de comunicaciones.',
            'Coordinar con el MPF antes de cualquier detención.',
          ])
      : null,
    informantReferences: rng.chance(0.2) ? [country === 'US' ? `CS-${rng.digits(4)}` : `TC-${rng.digits(4)}`] : [],
  };
  return {
    topic: topicOf(country, 'investigation'),
    key: caseId,
    publisher: `${country}/${agency}`,
    kind: 'investigation',
    value,
    watchlistHits: [],
  };
}

/** The friendly-JSON value of {@link generateInvestigationEvent}. */
export function investigationEvent(rng: Rng, country: Country, options?: GeneratorOptions): GeneratedEvent['value'] {
  return generateInvestigationEvent(rng, country, options).value;
}
