// Offence-specific wording shared by investigations and prosecutions: titles, releasable
// summaries, statutes and charges in each country's language and law.
import type { Country } from '@puente/runtime';

import type { BorderCrossing } from './ports.js';
import type { Rng } from './prng.js';

export type Offence =
  | 'DRUG_TRAFFICKING'
  | 'ARMS_TRAFFICKING'
  | 'HUMAN_SMUGGLING'
  | 'MONEY_LAUNDERING'
  | 'BULK_CASH_SMUGGLING'
  | 'CUSTOMS_FRAUD'
  | 'CONTRABAND';

export const OFFENCES: readonly (readonly [Offence, number])[] = [
  ['DRUG_TRAFFICKING', 5],
  ['ARMS_TRAFFICKING', 4],
  ['HUMAN_SMUGGLING', 2],
  ['MONEY_LAUNDERING', 2],
  ['BULK_CASH_SMUGGLING', 1],
  ['CUSTOMS_FRAUD', 2],
  ['CONTRABAND', 1],
];

/** Offences that often travel together in one case. */
export const RELATED_OFFENCE: Readonly<Record<Offence, Offence>> = {
  DRUG_TRAFFICKING: 'MONEY_LAUNDERING',
  ARMS_TRAFFICKING: 'CONTRABAND',
  HUMAN_SMUGGLING: 'MONEY_LAUNDERING',
  MONEY_LAUNDERING: 'BULK_CASH_SMUGGLING',
  BULK_CASH_SMUGGLING: 'MONEY_LAUNDERING',
  CUSTOMS_FRAUD: 'MONEY_LAUNDERING',
  CONTRABAND: 'CUSTOMS_FRAUD',
};

/** Whether the offence moves things south (arms, cash) rather than north. */
export const SOUTHBOUND_OFFENCES: ReadonlySet<Offence> = new Set(['ARMS_TRAFFICKING', 'BULK_CASH_SMUGGLING']);

const OPERATION_WORDS = [
  ['Iron', 'Silent', 'Copper', 'Northern', 'Long', 'Broken', 'Hidden', 'Steady', 'Open'],
  ['Ledger', 'Current', 'Compass', 'Harvest', 'Bridge', 'Lantern', 'Anvil', 'Meridian', 'Gate'],
];

const DRUGS_EN = ['fentanyl pills', 'methamphetamine', 'fentanyl powder', 'cocaine'];
const DRUGS_ES = ['pastillas de fentanilo', 'metanfetamina', 'fentanilo en polvo', 'cocaína'];
const COVER_EN = ['produce', 'auto parts', 'furniture', 'tile', 'frozen food'];
const COVER_ES = ['hortalizas', 'autopartes', 'muebles', 'loseta cerámica', 'alimentos congelados'];

export function caseTitle(rng: Rng, country: Country, offence: Offence, crossing: BorderCrossing): string {
  if (country === 'US') return `Operation ${rng.pick(OPERATION_WORDS[0] ?? [])} ${rng.pick(OPERATION_WORDS[1] ?? [])}`;
  const short: Record<Offence, string> = {
    DRUG_TRAFFICKING: 'contra la salud',
    ARMS_TRAFFICKING: 'armas',
    HUMAN_SMUGGLING: 'tráfico de personas',
    MONEY_LAUNDERING: 'recursos ilícitos',
    BULK_CASH_SMUGGLING: 'efectivo',
    CUSTOMS_FRAUD: 'pedimentos simulados',
    CONTRABAND: 'contrabando',
  };
  return `Carpeta ${crossing.mxCity.city} ${short[offence]}`;
}

export function caseSummary(rng: Rng, country: Country, offence: Offence, crossing: BorderCrossing): string {
  const usPort = crossing.us.name;
  const mxCity = crossing.mxCity.city;
  const usCity = crossing.usCity.city;
  if (country === 'US') {
    switch (offence) {
      case 'DRUG_TRAFFICKING':
        return `${rng.pick(DRUGS_EN)} concealed in commercial ${rng.pick(COVER_EN)} shipments entering at ${usPort} for distribution from ${usCity}.`;
      case 'ARMS_TRAFFICKING':
        return `Straw purchases of rifles and pistols in the ${usCity} area, exported southbound through ${usPort} to ${mxCity}.`;
      case 'HUMAN_SMUGGLING':
        return `Smuggling of migrants in tractor-trailers through ${usPort}; stash houses in the ${usCity} area.`;
      case 'MONEY_LAUNDERING':
        return `Trade-based laundering of narcotics proceeds through over-invoiced shipments crossing at ${usPort}.`;
      case 'BULK_CASH_SMUGGLING':
        return `Bulk currency concealed in southbound vehicles leaving ${usCity} for ${mxCity}.`;
      case 'CUSTOMS_FRAUD':
        return `Undervaluation and misclassification of imported goods entered at ${usPort}.`;
      default:
        return `Contraband concealed in commercial cargo entering at ${usPort}.`;
    }
  }
  switch (offence) {
    case 'DRUG_TRAFFICKING':
      return `Trasiego de ${rng.pick(DRUGS_ES)} oculta en cargamentos de ${rng.pick(COVER_ES)} con destino a ${usCity} por ${mxCity}.`;
    case 'ARMS_TRAFFICKING':
      return `Introducción de armas largas y cartuchos adquiridos en ${usCity} e ingresados por ${mxCity} en vehículos de carga.`;
    case 'HUMAN_SMUGGLING':
      return `Tráfico de personas migrantes en cajas de tractocamión hacia ${usCity}, con casas de seguridad en ${mxCity}.`;
    case 'MONEY_LAUNDERING':
      return `Operaciones con recursos de procedencia ilícita mediante empresas fachada con domicilio en ${mxCity}.`;
    case 'BULK_CASH_SMUGGLING':
      return `Ingreso de dólares en efectivo no declarados por ${mxCity} ocultos en compartimentos de vehículos.`;
    case 'CUSTOMS_FRAUD':
      return `Pedimentos con valores y fracciones arancelarias simulados en la aduana de ${crossing.mx.name}.`;
    default:
      return `Contrabando de mercancía de procedencia extranjera por la aduana de ${crossing.mx.name}.`;
  }
}

export interface ChargeTemplate {
  readonly statuteReference: string;
  readonly description: string;
}

export const CHARGES: Readonly<Record<Country, Readonly<Record<Offence, readonly ChargeTemplate[]>>>> = {
  US: {
    DRUG_TRAFFICKING: [
      { statuteReference: '21 U.S.C. §§ 952, 960', description: 'Importation of a controlled substance' },
      { statuteReference: '21 U.S.C. § 841(a)(1)', description: 'Possession with intent to distribute fentanyl' },
      { statuteReference: '21 U.S.C. § 846', description: 'Conspiracy to distribute a controlled substance' },
    ],
    ARMS_TRAFFICKING: [
      { statuteReference: '18 U.S.C. § 554', description: 'Smuggling goods from the United States' },
      { statuteReference: '18 U.S.C. § 922(a)(6)', description: 'False statement in the acquisition of a firearm' },
      { statuteReference: '18 U.S.C. § 933', description: 'Trafficking in firearms' },
    ],
    HUMAN_SMUGGLING: [
      { statuteReference: '8 U.S.C. § 1324(a)(1)(A)(ii)', description: 'Transportation of illegal aliens' },
    ],
    MONEY_LAUNDERING: [
      { statuteReference: '18 U.S.C. § 1956(h)', description: 'Conspiracy to launder monetary instruments' },
    ],
    BULK_CASH_SMUGGLING: [{ statuteReference: '31 U.S.C. § 5332', description: 'Bulk cash smuggling' }],
    CUSTOMS_FRAUD: [
      { statuteReference: '18 U.S.C. § 542', description: 'Entry of goods by means of false statements' },
    ],
    CONTRABAND: [{ statuteReference: '18 U.S.C. § 545', description: 'Smuggling goods into the United States' }],
  },
  MX: {
    DRUG_TRAFFICKING: [
      {
        statuteReference: 'Código Penal Federal, art. 194',
        description: 'Delito contra la salud en su modalidad de transporte',
      },
      {
        statuteReference: 'Código Penal Federal, art. 195',
        description: 'Posesión de narcóticos con fines de comercio',
      },
    ],
    ARMS_TRAFFICKING: [
      {
        statuteReference: 'Ley Federal de Armas de Fuego y Explosivos, art. 84',
        description: 'Introducción ilícita al país de armas de fuego de uso exclusivo del Ejército',
      },
      {
        statuteReference: 'Ley Federal de Armas de Fuego y Explosivos, art. 83 Quat',
        description: 'Posesión de cartuchos de uso exclusivo del Ejército',
      },
    ],
    HUMAN_SMUGGLING: [{ statuteReference: 'Ley de Migración, art. 159', description: 'Tráfico de personas' }],
    MONEY_LAUNDERING: [
      {
        statuteReference: 'Código Penal Federal, art. 400 Bis',
        description: 'Operaciones con recursos de procedencia ilícita',
      },
    ],
    BULK_CASH_SMUGGLING: [
      {
        statuteReference: 'Código Penal Federal, art. 400 Bis',
        description: 'Operaciones con recursos de procedencia ilícita (efectivo no declarado)',
      },
    ],
    CUSTOMS_FRAUD: [
      { statuteReference: 'Código Fiscal de la Federación, art. 108', description: 'Defraudación fiscal' },
    ],
    CONTRABAND: [{ statuteReference: 'Código Fiscal de la Federación, art. 102', description: 'Contrabando' }],
  },
};
