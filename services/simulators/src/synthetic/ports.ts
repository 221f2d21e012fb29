// Real land ports of entry on the US–Mexico border, paired with the Mexican aduana across the
// bridge: CBP port codes (e.g. 2304 Laredo) and aduana/sección codes (e.g. 240 Nuevo Laredo).
import type { Country } from '@puente/runtime';

export interface PortJson {
  readonly code: string;
  readonly name: string;
  readonly country: Country;
}

export interface BorderCrossing {
  readonly us: PortJson;
  readonly mx: PortJson;
  readonly usCity: { readonly city: string; readonly state: string; readonly zipPrefix: string };
  readonly mxCity: { readonly city: string; readonly state: string; readonly cpPrefix: string };
  /** Relative share of commercial truck traffic, roughly. */
  readonly weight: number;
  /** Crossings with a freight rail bridge. */
  readonly rail: boolean;
  /** Working court and prosecutor context on each side. */
  readonly usDistrict: { readonly usao: string; readonly court: string; readonly docketPrefix: string };
  readonly mxCircuit: string;
}

const us = (code: string, name: string): PortJson => ({ code, name, country: 'US' });
const mx = (code: string, name: string): PortJson => ({ code, name, country: 'MX' });

const SDTX = {
  usao: 'USAO-SDTX',
  court: 'U.S. District Court for the Southern District of Texas',
  docketPrefix: '5',
};
const WDTX = { usao: 'USAO-WDTX', court: 'U.S. District Court for the Western District of Texas', docketPrefix: '3' };
const SDCA = {
  usao: 'USAO-SDCA',
  court: 'U.S. District Court for the Southern District of California',
  docketPrefix: '3',
};
const DAZ = { usao: 'USAO-AZ', court: 'U.S. District Court for the District of Arizona', docketPrefix: '4' };

export const BORDER_CROSSINGS: readonly BorderCrossing[] = [
  {
    us: us('2304', 'Laredo'),
    mx: mx('240', 'Nuevo Laredo'),
    usCity: { city: 'Laredo', state: 'TX', zipPrefix: '780' },
    mxCity: { city: 'Nuevo Laredo', state: 'Tamaulipas', cpPrefix: '88' },
    weight: 10,
    rail: true,
    usDistrict: SDTX,
    mxCircuit: 'Decimonoveno Circuito',
  },
  {
    us: us('2506', 'Otay Mesa'),
    mx: mx('400', 'Tijuana (Mesa de Otay)'),
    usCity: { city: 'San Diego', state: 'CA', zipPrefix: '921' },
    mxCity: { city: 'Tijuana', state: 'Baja California', cpPrefix: '22' },
    weight: 6,
    rail: false,
    usDistrict: SDCA,
    mxCircuit: 'Decimoquinto Circuito',
  },
  {
    us: us('2402', 'El Paso'),
    mx: mx('070', 'Ciudad Juárez'),
    usCity: { city: 'El Paso', state: 'TX', zipPrefix: '799' },
    mxCity: { city: 'Ciudad Juárez', state: 'Chihuahua', cpPrefix: '32' },
    weight: 7,
    rail: true,
    usDistrict: WDTX,
    mxCircuit: 'Decimoséptimo Circuito',
  },
  {
    us: us('2604', 'Nogales'),
    mx: mx('230', 'Nogales'),
    usCity: { city: 'Nogales', state: 'AZ', zipPrefix: '856' },
    mxCity: { city: 'Nogales', state: 'Sonora', cpPrefix: '84' },
    weight: 4,
    rail: true,
    usDistrict: DAZ,
    mxCircuit: 'Quinto Circuito',
  },
  {
    us: us('2507', 'Calexico East'),
    mx: mx('190', 'Mexicali'),
    usCity: { city: 'Calexico', state: 'CA', zipPrefix: '922' },
    mxCity: { city: 'Mexicali', state: 'Baja California', cpPrefix: '21' },
    weight: 3,
    rail: false,
    usDistrict: SDCA,
    mxCircuit: 'Decimoquinto Circuito',
  },
  {
    us: us('2301', 'Brownsville'),
    mx: mx('170', 'Matamoros'),
    usCity: { city: 'Brownsville', state: 'TX', zipPrefix: '785' },
    mxCity: { city: 'Matamoros', state: 'Tamaulipas', cpPrefix: '87' },
    weight: 3,
    rail: true,
    usDistrict: SDTX,
    mxCircuit: 'Decimonoveno Circuito',
  },
  {
    us: us('2305', 'Hidalgo/Pharr'),
    mx: mx('300', 'Reynosa'),
    usCity: { city: 'Pharr', state: 'TX', zipPrefix: '785' },
    mxCity: { city: 'Reynosa', state: 'Tamaulipas', cpPrefix: '88' },
    weight: 5,
    rail: false,
    usDistrict: SDTX,
    mxCircuit: 'Decimonoveno Circuito',
  },
  {
    us: us('2303', 'Eagle Pass'),
    mx: mx('270', 'Piedras Negras'),
    usCity: { city: 'Eagle Pass', state: 'TX', zipPrefix: '788' },
    mxCity: { city: 'Piedras Negras', state: 'Coahuila', cpPrefix: '26' },
    weight: 2,
    rail: true,
    usDistrict: WDTX,
    mxCircuit: 'Octavo Circuito',
  },
  {
    us: us('2408', 'Santa Teresa'),
    mx: mx('070', 'Ciudad Juárez (San Jerónimo)'),
    usCity: { city: 'Santa Teresa', state: 'NM', zipPrefix: '880' },
    mxCity: { city: 'Ciudad Juárez', state: 'Chihuahua', cpPrefix: '32' },
    weight: 1,
    rail: false,
    usDistrict: {
      usao: 'USAO-NM',
      court: 'U.S. District Court for the District of New Mexico',
      docketPrefix: '2',
    },
    mxCircuit: 'Decimoséptimo Circuito',
  },
];

export function pickCrossing(rng: { weighted<T>(items: readonly (readonly [T, number])[]): T }): BorderCrossing {
  return rng.weighted(BORDER_CROSSINGS.map((c) => [c, c.weight] as const));
}

/** A port where travellers are inspected on entry, with the city across the line (for plates and homes). */
export interface TravellerPort {
  readonly port: PortJson;
  /** Relative share of the direction's travellers, roughly. */
  readonly weight: number;
  /** US state of the port (northbound) or of the US city across (southbound), for licence plates. */
  readonly usState: string;
  /** Mexican state of the city across (northbound) or of the port (southbound). */
  readonly mxState: string;
}

/**
 * Pedestrian and passenger ports: NORTHBOUND into the US at San Ysidro, Otay Mesa, El Paso (Paso
 * del Norte) and Laredo, inspected by CBP; SOUTHBOUND into Mexico at Tijuana (El Chaparral),
 * Ciudad Juárez and Nuevo Laredo, inspected by INM — the aduana codes of BORDER_CROSSINGS.
 */
export const TRAVELLER_PORTS: Readonly<Record<Country, readonly TravellerPort[]>> = Object.freeze({
  US: [
    { port: us('2504', 'San Ysidro'), weight: 6, usState: 'CA', mxState: 'Baja California' },
    { port: us('2506', 'Otay Mesa'), weight: 2, usState: 'CA', mxState: 'Baja California' },
    { port: us('2402', 'El Paso (Paso del Norte)'), weight: 3, usState: 'TX', mxState: 'Chihuahua' },
    { port: us('2304', 'Laredo'), weight: 2, usState: 'TX', mxState: 'Tamaulipas' },
  ],
  MX: [
    { port: mx('400', 'Tijuana (El Chaparral)'), weight: 5, usState: 'CA', mxState: 'Baja California' },
    { port: mx('070', 'Ciudad Juárez'), weight: 3, usState: 'TX', mxState: 'Chihuahua' },
    { port: mx('240', 'Nuevo Laredo'), weight: 2, usState: 'TX', mxState: 'Tamaulipas' },
  ],
});
