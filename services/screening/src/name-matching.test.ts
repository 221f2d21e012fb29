// The name-matching table: real-world variants that must reach a threshold, and names of
// different people or companies that must stay below the potential threshold. Every name is
// synthetic.
import { describe, expect, it } from 'vitest';

import {
  DEFAULT_THRESHOLDS,
  damerauLevenshtein,
  jaroWinkler,
  matchName,
  normalizeName,
  outcomeOf,
  similarity,
} from './name-matching.js';

const { potential, confirmed } = DEFAULT_THRESHOLDS;

interface Variant {
  readonly why: string;
  readonly query: string;
  readonly entry: string;
  readonly expect: 'confirmed' | 'potential';
}

const mustMatch: readonly Variant[] = [
  // Accents, case and punctuation
  { why: 'accents dropped', query: 'Jose Maria Ibanez Cortes', entry: 'José María Ibáñez Cortés', expect: 'confirmed' },
  {
    why: 'upper case, no accents',
    query: 'ROSALBA QUIÑONES TREVIÑO',
    entry: 'Rosalba Quinones Trevino',
    expect: 'confirmed',
  },
  { why: 'hyphenated surnames', query: 'Lucía Ferrer-Olmedo', entry: 'Lucia Ferrer Olmedo', expect: 'confirmed' },
  { why: 'apostrophe', query: "Kevin O'Donnell Baca", entry: 'Kevin ODonnell Baca', expect: 'confirmed' },
  { why: 'German sharp s transliterated', query: 'Jürgen Großmann', entry: 'Juergen Grossmann', expect: 'potential' },
  // Word order and "Last, First"
  {
    why: '"Last, First" form',
    query: 'Aurelio Cantú Villarreal',
    entry: 'CANTU VILLARREAL, Aurelio',
    expect: 'confirmed',
  },
  {
    why: 'surnames first without comma',
    query: 'Marisol Zepeda Arriaga',
    entry: 'Zepeda Arriaga Marisol',
    expect: 'confirmed',
  },
  // Spanish double surnames and missing names
  {
    why: 'second surname missing in the query',
    query: 'María Guadalupe Hernández',
    entry: 'HERNANDEZ RAMIREZ, Maria Guadalupe',
    expect: 'potential',
  },
  { why: 'entry has the maternal surname', query: 'Juan Pérez', entry: 'Juan Pérez García', expect: 'potential' },
  {
    why: 'middle name missing',
    query: 'Héctor Saldívar Ontiveros',
    entry: 'Héctor Manuel Saldívar Ontiveros',
    expect: 'potential',
  },
  {
    why: 'particle "de la" dropped',
    query: 'Rebeca de la Garza Montemayor',
    entry: 'Rebeca Garza Montemayor',
    expect: 'confirmed',
  },
  {
    why: 'surnames joined by "y"',
    query: 'Evaristo Lozano y Bermúdez',
    entry: 'Evaristo Lozano Bermudez',
    expect: 'confirmed',
  },
  {
    why: 'initial for a given name',
    query: 'R. Tapia Echeverría',
    entry: 'Rigoberto Tapia Echeverria',
    expect: 'potential',
  },
  // Typos and spelling variants
  {
    why: 'one-letter typo',
    query: 'Fernando Villaseñor Robles',
    entry: 'Fernando Villasenor Robels',
    expect: 'potential',
  },
  { why: 'dropped letter', query: 'Anselmo Berumen Galindo', entry: 'Anselmo Berumen Galndo', expect: 'potential' },
  {
    why: 'two typos in one surname',
    query: 'Teodoro Arellanes Quintero',
    entry: 'Teodoro Arrelanes Quintero',
    expect: 'potential',
  },
  { why: 'z/s and v/b spellings', query: 'Ovidio Valdez Mendoza', entry: 'Ovidio Baldes Mendosa', expect: 'potential' },
  {
    why: 'Luis/Luiz, González/Gonsales',
    query: 'Luis Gonzalez Meraz',
    entry: 'Luiz Gonsales Meras',
    expect: 'potential',
  },
  // Companies: legal-form suffix variants
  {
    why: 'S.A. de C.V. vs SA DE CV',
    query: 'Ensambles Electrónicos de Chihuahua, S.A. de C.V.',
    entry: 'ENSAMBLES ELECTRONICOS DE CHIHUAHUA SA DE CV',
    expect: 'confirmed',
  },
  {
    why: 'LLC vs Inc.',
    query: 'Great Plains Auto Assembly LLC',
    entry: 'Great Plains Auto Assembly, Inc.',
    expect: 'confirmed',
  },
  {
    why: 'S. de R.L. dropped',
    query: 'Maquiladora Cerro Azul, S. de R.L. de C.V.',
    entry: 'Maquiladora Cerro Azul',
    expect: 'confirmed',
  },
  {
    why: 'Corp. vs Corporation',
    query: 'Halcon Ridge Minerals Corp.',
    entry: 'HALCON RIDGE MINERALS CORPORATION',
    expect: 'confirmed',
  },
  {
    why: 'Ltd with misspelling',
    query: 'Pacific Border Produce Co.',
    entry: 'Pacific Boarder Produce Ltd',
    expect: 'potential',
  },
  {
    why: 'plural and missing particle',
    query: 'Rio Grande Electronics Distribution LLC',
    entry: 'RIO GRANDE ELECTRONIC DISTRIBUTIONS, L.L.C.',
    expect: 'potential',
  },
];

const mustNotMatch: readonly { why: string; query: string; entry: string }[] = [
  { why: 'share one common surname', query: 'José García López', entry: 'María García Ruiz' },
  { why: 'share given name and paternal surname only', query: 'José García López', entry: 'José García Ruiz' },
  {
    why: 'share both surnames, different given names',
    query: 'Carmen Torres Salinas',
    entry: 'Alejandro Torres Salinas',
  },
  { why: 'only the given name', query: 'María Guadalupe Hernández', entry: 'María Guadalupe Ochoa Téllez' },
  { why: 'a single surname against a full name', query: 'Hernández', entry: 'José Luis Hernández Ramírez' },
  { why: 'similar-looking short names', query: 'Ana Lopez Mora', entry: 'Ama Lupe Mota' },
  { why: 'different people, similar shape', query: 'Daniel Keller', entry: 'Darnell Kessler' },
  {
    why: 'companies differ in the distinctive token',
    query: 'Transportes Frontera del Norte, S.A. de C.V.',
    entry: 'Transportes Frontera del Sur, S.A. de C.V.',
  },
  {
    why: 'companies differ in the last word',
    query: 'Great Plains Auto Assembly LLC',
    entry: 'Great Plains Auto Parts LLC',
  },
  {
    why: 'generic words shared only',
    query: 'Grupo Logistica Internacional del Pacifico',
    entry: 'Grupo Logistica Internacional del Golfo',
  },
  {
    why: 'same place name, different trade',
    query: 'Agrícola San Quintín Ejemplo, S.P.R. de R.L.',
    entry: 'Constructora San Quintín, S.A. de C.V.',
  },
  { why: 'brand-like near miss', query: 'Nortek Cargo Systems Inc.', entry: 'Nortex Cargo Solutions Inc.' },
  { why: 'nothing in common', query: 'Componentes Automotrices Anáhuac', entry: 'Pacific Border Produce Co.' },
];

describe('name matching: variants that must match', () => {
  it.each(mustMatch)('$why: "$query" ~ "$entry" ≥ $expect', ({ query, entry, expect: level }) => {
    const score = similarity(query, entry);
    expect(score).toBeGreaterThanOrEqual(level === 'confirmed' ? confirmed : potential);
    // Symmetric: the same score whichever side is the list entry.
    expect(similarity(entry, query)).toBeCloseTo(score, 10);
    expect(outcomeOf(score)).toMatch(level === 'confirmed' ? /^CONFIRMED_MATCH$/ : /^(POTENTIAL|CONFIRMED)_MATCH$/);
  });

  it('has a table of at least 15 variants', () => {
    expect(mustMatch.length).toBeGreaterThanOrEqual(15);
  });
});

describe('name matching: different people and companies stay below the potential threshold', () => {
  it.each(mustNotMatch)('$why: "$query" vs "$entry"', ({ query, entry }) => {
    expect(similarity(query, entry)).toBeLessThan(potential);
    expect(outcomeOf(similarity(query, entry))).toBe('CLEAR');
  });

  it('has a table of at least 10 non-matches', () => {
    expect(mustNotMatch.length).toBeGreaterThanOrEqual(10);
  });
});

describe('name matching: building blocks', () => {
  it('normalises accents, case, punctuation, suffixes and particles', () => {
    expect(normalizeName('  Transportes  Lomas del Bravo, S.A. de C.V. ')).toBe('transportes lomas bravo');
    expect(normalizeName('HERNÁNDEZ RAMÍREZ, María Guadalupe')).toBe('maria guadalupe hernandez ramirez');
    expect(normalizeName('Agrícola San Quintín Ejemplo, S.P.R. de R.L.')).toBe('agricola san quintin ejemplo');
    expect(normalizeName('Straße & Söhne GmbH')).toBe('strasse sohne');
    // A name made only of particles or suffix words is kept rather than emptied.
    expect(normalizeName('De La')).toBe('de la');
  });

  it('scores identical names 1 and empty names 0', () => {
    expect(similarity('Juan Pérez', 'JUAN PEREZ')).toBe(1);
    expect(similarity('', 'Juan Pérez')).toBe(0);
  });

  it('keeps scores in [0, 1]', () => {
    for (const { query, entry } of [...mustMatch, ...mustNotMatch]) {
      const score = similarity(query, entry);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
  });

  it('computes Jaro–Winkler and Damerau–Levenshtein as published', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.8133, 4);
    expect(damerauLevenshtein('ca', 'ac')).toBe(1);
    expect(damerauLevenshtein('kitten', 'sitting')).toBe(3);
  });

  it('matches against aliases and reports the name that matched', () => {
    const entry = { name: 'Comercializadora Halcón del Desierto, S.A. de C.V.', aliases: ['Halcon Desert Trading'] };
    expect(matchName('Halcón Desert Trading Inc.', entry)).toEqual({ score: 1, matchedName: 'Halcon Desert Trading' });
    expect(matchName('Unrelated Name Ltd', entry).score).toBeLessThan(potential);
  });

  it('maps scores to outcomes with configurable thresholds', () => {
    expect(outcomeOf(0.96)).toBe('CONFIRMED_MATCH');
    expect(outcomeOf(0.9)).toBe('POTENTIAL_MATCH');
    expect(outcomeOf(0.84)).toBe('CLEAR');
    expect(outcomeOf(0.9, { potential: 0.7, confirmed: 0.9 })).toBe('CONFIRMED_MATCH');
  });
});
