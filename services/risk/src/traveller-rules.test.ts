import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { repoRoot } from './testing/fixtures.js';
import { loadTravellerRules, parseTravellerRules } from './traveller-rules.js';

const file = join(repoRoot, 'deploy/risk/us-travellers.yaml');
const text = readFileSync(file, 'utf8');

describe('traveller rules', () => {
  it('loads both shipped files, each honouring its own programmes', () => {
    expect(loadTravellerRules(file).programmes).toEqual(['SENTRI', 'GLOBAL_ENTRY']);
    expect(loadTravellerRules(join(repoRoot, 'deploy/risk/mx-travellers.yaml')).programmes).toEqual([
      'VIAJERO_CONFIABLE',
    ]);
  });

  it('names the file, the path and the unknown programme', () => {
    const bad = text.replace('programmes: [SENTRI, GLOBAL_ENTRY]', 'programmes: [SENTRI, NEXUS]');
    expect(() => parseTravellerRules(bad, 'us-travellers.yaml')).toThrow(
      /us-travellers\.yaml:\n {2}- programmes\.1: unknown programme "NEXUS"/,
    );
  });

  it('refuses OTHER as a programme to honour', () => {
    const bad = text.replace('programmes: [SENTRI, GLOBAL_ENTRY]', 'programmes: [OTHER]');
    expect(() => parseTravellerRules(bad, 'f.yaml')).toThrow(/programmes\.0: unknown programme "OTHER"/);
  });

  it('lists every problem: an unknown key, a weight out of range, an unknown document type', () => {
    const bad = text
      .replace('validityHours: 4', 'validityHours: 4\nlanes: []')
      .replace('watchlistConfirmedMatch: 0.9', 'watchlistConfirmedMatch: 1.5')
      .replace('PASSPORT_CARD,', 'PASSPORT_CARD, LIBRARY_CARD,');
    let message = '';
    try {
      parseTravellerRules(bad, 'f.yaml');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/\(root\): Unrecognized key: "lanes"/);
    expect(message).toMatch(/weights\.watchlistConfirmedMatch: .*1/);
    expect(message).toMatch(/rfidDocumentTypes\.1: unknown document type "LIBRARY_CARD"/);
  });

  it('refuses thresholds out of order', () => {
    expect(() => parseTravellerRules(text.replace('HIGH: 0.5', 'HIGH: 0.1'), 'f.yaml')).toThrow(
      /f\.yaml:\n {2}- thresholds: need 0 < MEDIUM < HIGH < CRITICAL <= 1/,
    );
  });

  it('says when the file is not YAML', () => {
    expect(() => parseTravellerRules('a: [', 'f.yaml')).toThrow('f.yaml: not valid YAML');
  });
});
