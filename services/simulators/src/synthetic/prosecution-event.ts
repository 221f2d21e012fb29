// Synthetic prosecution events: US Attorneys' Offices in federal district court, FGR before the
// Mexican federal criminal courts; stages, charges and dispositions that agree with each other.
import type { Country } from '@puente/runtime';

import { CHARGES, OFFENCES, RELATED_OFFENCE, type Offence } from './cases.js';
import { fgrCaseId, hsiCaseId } from './investigation-event.js';
import {
  compileGeneratorOptions,
  eventMeta,
  PUBLISHING_AGENCY,
  topicOf,
  type GeneratedEvent,
  type GeneratorOptions,
} from './meta.js';
import { isoDate, person, type JsonRecord } from './parties.js';
import { pickCrossing } from './ports.js';
import type { Rng } from './prng.js';

const DAY = 86_400_000;

type Stage =
  | 'CHARGED'
  | 'INDICTED'
  | 'TRIAL'
  | 'CONVICTED'
  | 'SENTENCED'
  | 'ACQUITTED'
  | 'DISMISSED'
  | 'EXTRADITION_REQUESTED'
  | 'EXTRADITED';

/** Stage reached → the stage it usually comes from. */
const PREVIOUS: Readonly<Record<Exclude<Stage, 'CHARGED'>, Stage>> = {
  INDICTED: 'CHARGED',
  TRIAL: 'INDICTED',
  CONVICTED: 'TRIAL',
  SENTENCED: 'CONVICTED',
  ACQUITTED: 'TRIAL',
  DISMISSED: 'INDICTED',
  EXTRADITION_REQUESTED: 'INDICTED',
  EXTRADITED: 'EXTRADITION_REQUESTED',
};

const STAGES: readonly (readonly [Exclude<Stage, 'CHARGED'>, number])[] = [
  ['INDICTED', 5],
  ['TRIAL', 2],
  ['CONVICTED', 2],
  ['SENTENCED', 2],
  ['ACQUITTED', 0.5],
  ['DISMISSED', 0.5],
  ['EXTRADITION_REQUESTED', 1],
  ['EXTRADITED', 0.5],
];

const TREATY: Record<Country, string> = {
  US: 'Extradition Treaty between the United States of America and the United Mexican States (1978), art. 1',
  MX: 'Tratado de Extradición entre los Estados Unidos Mexicanos y los Estados Unidos de América (1978), art. 1',
};

const MX_STATE_ABBR: Record<string, string> = {
  Tamaulipas: 'TAMPS',
  Chihuahua: 'CHIH',
  'Baja California': 'BC',
  Sonora: 'SON',
  Coahuila: 'COAH',
};

function disposition(rng: Rng, stage: Stage): string {
  switch (stage) {
    case 'CONVICTED':
    case 'SENTENCED':
      return rng.chance(0.6) ? 'PLEADED_GUILTY' : 'CONVICTED';
    case 'ACQUITTED':
      return 'ACQUITTED';
    case 'DISMISSED':
      return 'DISMISSED';
    default:
      return 'PENDING';
  }
}

/**
 * One prosecution event of the country's prosecuting office: a US Attorney's Office (USAO) in the
 * US, FGR in Mexico.
 */
export function generateProsecutionEvent(rng: Rng, country: Country, options: GeneratorOptions = {}): GeneratedEvent {
  const { now: clock } = compileGeneratorOptions(options);
  const now = clock();
  const crossing = pickCrossing(rng);
  const offence: Offence = rng.weighted(OFFENCES);
  const eventType = rng.weighted([
    ['CHARGES_FILED', 3],
    ['STAGE_CHANGED', 6],
    ['CHARGES_AMENDED', 1],
  ] as const);
  const stage: Stage = eventType === 'CHARGES_FILED' ? 'CHARGED' : rng.weighted(STAGES);
  const previousStage = eventType === 'STAGE_CHANGED' && stage !== 'CHARGED' ? PREVIOUS[stage] : null;
  const stageChangedOn = now - rng.int(0, eventType === 'CHARGES_FILED' ? 3 : 20) * DAY;
  const filedOn = stage === 'CHARGED' ? stageChangedOn : stageChangedOn - rng.int(30, 600) * DAY;
  const year = new Date(filedOn).getUTCFullYear();
  const yy = String(year).slice(2);
  const other: Country = country === 'US' ? 'MX' : 'US';
  const state = crossing.mxCity.state;

  const defendants: JsonRecord[] = Array.from(
    {
      length: rng.weighted([
        [1, 5],
        [2, 3],
        [3, 1],
      ] as const),
    },
    (_, i) => {
      const offences = i === 0 || rng.chance(0.7) ? [offence] : [offence, RELATED_OFFENCE[offence]];
      const extradition = stage === 'EXTRADITION_REQUESTED' || stage === 'EXTRADITED';
      return {
        defendantId: String(i + 1),
        person: person(rng, rng.chance(country === 'MX' ? 0.85 : 0.55) ? 'MX' : 'US', { now, state }),
        custodyStatus: extradition
          ? stage === 'EXTRADITED'
            ? 'IN_CUSTODY'
            : rng.pick(['IN_CUSTODY', 'FUGITIVE'])
          : rng.weighted([
              ['IN_CUSTODY', 6],
              ['RELEASED', 2],
              ['FUGITIVE', 1],
              ['UNKNOWN', 0.5],
            ] as const),
        charges: offences.flatMap((o) =>
          rng.sample(CHARGES[country][o], rng.int(1, 2)).map((c) => ({
            statuteReference: c.statuteReference,
            description: c.description,
            offenceCategory: o,
            counts: rng.weighted([
              [1, 6],
              [2, 2],
              [3, 1],
              [rng.int(4, 12), 0.5],
            ] as const),
            disposition: disposition(rng, stage),
          })),
        ),
      };
    },
  );

  const prosecutingOffice =
    country === 'US' ? crossing.usDistrict.usao : rng.chance(0.5) ? 'FGR – FEMDO' : `FGR – Delegación ${state}`;
  const district = crossing.usDistrict.court.replace(/^.* for the /, '');
  const prosecutionId =
    country === 'US'
      ? `${crossing.usDistrict.usao}-${year}R${rng.digits(5)}`
      : `FGR-${MX_STATE_ABBR[state] ?? 'CDMX'}-CP-${rng.digits(4)}-${year}`;
  const extraditionRequest =
    stage === 'EXTRADITION_REQUESTED' || stage === 'EXTRADITED'
      ? {
          requestingCountry: country,
          requestedCountry: other,
          requestedOn: isoDate(stageChangedOn - rng.int(0, 60) * DAY),
          defendantIds: ['1'],
          treatyReference: TREATY[country],
        }
      : null;
  const caseId = () => (country === 'US' ? hsiCaseId(rng, crossing, year) : fgrCaseId(rng, offence, year));
  const value = {
    meta: eventMeta(rng, {
      country,
      kind: 'prosecution',
      now,
      classification: [
        ['LAW_ENFORCEMENT_SENSITIVE', 60],
        ['SENSITIVE', 30],
        ['RESTRICTED', 10],
      ],
      purposes: rng.chance(0.4) ? ['PROSECUTION', 'CRIMINAL_INVESTIGATION'] : ['PROSECUTION'],
    }),
    prosecutionId,
    eventType,
    stage,
    previousStage,
    stageChangedOn: isoDate(stageChangedOn),
    docketNumber:
      country === 'US'
        ? `${crossing.usDistrict.docketPrefix}:${yy}-cr-${rng.digits(5)}`
        : `Causa Penal ${rng.int(1, 899)}/${year}`,
    prosecutingOffice,
    jurisdiction: {
      country,
      level: 'FEDERAL',
      subdivision: country === 'US' ? crossing.usCity.state : state,
      district: country === 'US' ? district : crossing.mxCircuit,
    },
    court:
      country === 'US'
        ? { name: crossing.usDistrict.court, courtId: null, city: crossing.usCity.city }
        : {
            name: rng.chance(0.6)
              ? `Juzgado de Distrito Especializado en el Sistema Penal Acusatorio en ${state}, con residencia en ${crossing.mxCity.city}`
              : `Centro de Justicia Penal Federal en el Estado de ${state}`,
            courtId: null,
            city: crossing.mxCity.city,
          },
    linkedCaseIds: Array.from({ length: rng.int(1, 2) }, caseId),
    defendants,
    extraditionRequest,
    summary:
      country === 'US'
        ? `${stage === 'CHARGED' ? 'Complaint filed' : `Case moved to ${stage.toLowerCase().replace('_', ' ')}`}: ${defendants.length} defendant(s), ${offence.toLowerCase().replace(/_/g, ' ')}.`
        : `${stage === 'INDICTED' ? 'Vinculación a proceso' : stage === 'CHARGED' ? 'Formulación de imputación' : `Etapa ${stage.toLowerCase().replace('_', ' ')}`}: ${defendants.length} imputado(s) por ${offence.toLowerCase().replace(/_/g, ' ')}.`,
  };
  return {
    topic: topicOf(country, 'prosecution'),
    key: prosecutionId,
    publisher: `${country}/${PUBLISHING_AGENCY[country].prosecution}`,
    kind: 'prosecution',
    value,
    watchlistHits: [],
  };
}

/** The friendly-JSON value of {@link generateProsecutionEvent}. */
export function prosecutionEvent(rng: Rng, country: Country, options?: GeneratorOptions): GeneratedEvent['value'] {
  return generateProsecutionEvent(rng, country, options).value;
}
