import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { waitFor } from '@puente/runtime/testing';
import { describe, expect, it } from 'vitest';

import {
  createWatchlistStore,
  loadWatchlists,
  parseWatchlists,
  WatchlistError,
  type WatchlistSet,
} from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

const minimal = (entryName: string) => `
version: 1
lists:
  - listId: L1
    name: List one
    owner: Owner
    entries:
      - entryId: E1
        type: organization
        name: ${entryName}
        reason: test
`;

function problemsOf(text: string): readonly string[] {
  try {
    parseWatchlists(text, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(WatchlistError);
    expect((error as WatchlistError).message).toContain('test.yaml');
    return (error as WatchlistError).problems;
  }
  throw new Error('expected the file to be rejected');
}

describe('watchlist files', () => {
  it.each(['us', 'mx'])('deploy/watchlists/%s.yaml is valid and holds 10–20 entries', (country) => {
    const set = loadWatchlists(repo(`deploy/watchlists/${country}.yaml`));
    expect(set.country).toBe(country.toUpperCase());
    expect(set.size).toBeGreaterThanOrEqual(10);
    expect(set.size).toBeLessThanOrEqual(20);
    expect(set.lists.flatMap((l) => l.entries).some((e) => e.type === 'person')).toBe(true);
  });

  it('parses entries with defaults and dates', () => {
    const set = parseWatchlists(`
version: 1
country: MX
lists:
  - listId: L
    name: N
    owner: O
    entries:
      - { entryId: P, type: person, name: 'DOE ROE, Juana', dateOfBirth: 1980-01-02, nationality: MX, reason: r }
      - { entryId: O, type: organization, name: Acme SA de CV, aliases: [Acme], countryCode: MX, reason: r }
`);
    expect(set.lists[0]!.entries).toEqual([
      {
        entryId: 'P',
        type: 'person',
        name: 'DOE ROE, Juana',
        aliases: [],
        dateOfBirth: '1980-01-02',
        countryCode: 'MX',
        reason: 'r',
      },
      { entryId: 'O', type: 'organization', name: 'Acme SA de CV', aliases: ['Acme'], countryCode: 'MX', reason: 'r' },
    ]);
    expect(Object.isFrozen(set.lists[0]!.entries[0])).toBe(true);
  });

  it('names the entry and field of every problem', () => {
    const problems = problemsOf(`
version: 1
lists:
  - listId: L1
    name: List one
    owner: Owner
    entries:
      - { entryId: E1, type: company, name: X, reason: r }
      - { entryId: E2, type: person, name: '', reason: r, alias: [Y] }
      - { entryId: E3, type: organization, name: Z, reason: r, dateOfBirth: 1990-01-01 }
      - { entryId: E4, type: person, name: '...', reason: r }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lists\[0\]\.entries\[0\]\.type \(entry E1\): /),
        expect.stringMatching(/^lists\[0\]\.entries\[1\]\.name \(entry E2\): must not be empty/),
        expect.stringMatching(/^lists\[0\]\.entries\[1\] \(entry E2\): .*alias/),
        expect.stringMatching(/^lists\[0\]\.entries\[2\]\.dateOfBirth \(entry E3\): only persons/),
        expect.stringMatching(/^lists\[0\]\.entries\[3\]\.name \(entry E4\): has no letters/),
      ]),
    );
  });

  it('reads persons’ documents as written, and names every broken document field', () => {
    const person = (documents: string) => `
version: 1
lists:
  - listId: L
    name: N
    owner: O
    entries:
      - entryId: P1
        type: person
        name: GALVÁN RUIZ, Octavio
        reason: test
        documents: ${documents}
      - entryId: O1
        type: organization
        name: Acme Fronteriza
        reason: test
        documents: [{ type: PASSPORT, number: 'X1', issuingCountry: MX }]
`;
    const set = parseWatchlists(
      person(`[{ type: PASSPORT, number: 'G 1234-5678', issuingCountry: MX }]`).replace(
        / {6}- entryId: O1[\s\S]*$/,
        '',
      ),
    );
    expect(set.lists[0]?.entries[0]?.documents).toEqual([
      { type: 'PASSPORT', number: 'G 1234-5678', issuingCountry: 'MX' },
    ]);
    expect(set.kind).toBe('own');
    const problems = problemsOf(
      person(
        `[{ type: PASSPORTE, number: 12345678, issuingCountry: Mexico }, { type: VISA, number: ' - ', issuingCountry: US }]`,
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^lists\[0\]\.entries\[0\]\.documents\[0\]\.type \(entry P1\): must be one of PASSPORT, PASSPORT_CARD/,
      ),
      'lists[0].entries[0].documents[0].number (entry P1): must be a string (quote the number)',
      expect.stringMatching(
        /^lists\[0\]\.entries\[0\]\.documents\[0\]\.issuingCountry \(entry P1\): must be an ISO 3166-1/,
      ),
      'lists[0].entries[0].documents[1].number (entry P1): has no characters left after normalisation',
      'lists[0].entries[1].documents (entry O1): only persons have documents',
    ]);
  });

  it('refuses document hashes in an own file, naming the entry', () => {
    const text = `
version: 1
lists:
  - listId: L
    name: N
    owner: O
    entries:
      - entryId: P1
        type: person
        name: GALVÁN RUIZ, Octavio
        reason: test
        documentHashes: [{ type: PASSPORT, issuingCountry: MX, hash: 'usmx-dev-1:${'A'.repeat(43)}' }]
`;
    expect(problemsOf(text)).toEqual([
      "lists[0].entries[0].documentHashes (entry P1): belongs in a partner's shared file; an own file lists documents (type, number, issuingCountry)",
    ]);
  });

  it('rejects duplicate ids, a wrong version and broken YAML', () => {
    expect(problemsOf(minimal('A').replace('version: 1', 'version: 2'))).toEqual([expect.stringContaining('version')]);
    const duplicate = `${minimal('A')}      - { entryId: E1, type: person, name: B, reason: r }\n`;
    expect(problemsOf(duplicate)).toEqual([expect.stringContaining('duplicate entry id E1 in L1')]);
    expect(problemsOf('lists: [unclosed')).toHaveLength(1);
  });

  it('says which file could not be read', () => {
    expect(() => loadWatchlists('/nonexistent/watchlist.yaml')).toThrow(
      /\/nonexistent\/watchlist\.yaml[\s\S]*cannot read/,
    );
  });
});

describe('watchlist store', () => {
  it('reloads a changed file and keeps the old lists when the new file is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watchlists-'));
    const file = join(dir, 'lists.yaml');
    writeFileSync(file, minimal('Alpha Trading'));
    const reloaded: WatchlistSet[] = [];
    const rejected: WatchlistError[] = [];
    const store = createWatchlistStore(file, {
      debounceMs: 20,
      onReload: (set) => reloaded.push(set),
      onRejected: (error) => rejected.push(error),
    });
    store.start();
    try {
      expect(store.current().lists[0]!.entries[0]!.name).toBe('Alpha Trading');

      writeFileSync(file, minimal('Beta Trading'));
      await waitFor(() => store.current().lists[0]!.entries[0]!.name === 'Beta Trading', 5_000, 'the watched reload');
      expect(reloaded.length).toBeGreaterThanOrEqual(1);

      writeFileSync(file, readFileSync(file, 'utf8').replace('type: organization', 'type: vessel'));
      await waitFor(() => rejected.length > 0, 5_000, 'the rejection');
      expect(rejected[0]!.problems[0]).toContain('(entry E1)');
      expect(store.current().lists[0]!.entries[0]!.name).toBe('Beta Trading');
      expect(() => store.reload()).toThrow(WatchlistError);
      expect(store.current().lists[0]!.entries[0]!.name).toBe('Beta Trading');

      writeFileSync(file, minimal('Gamma Trading'));
      expect(store.reload().lists[0]!.entries[0]!.name).toBe('Gamma Trading');
    } finally {
      store.stop();
    }
  });

  it('refuses to start from an invalid file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'watchlists-'));
    const file = join(dir, 'lists.yaml');
    writeFileSync(file, 'version: 1\nlists: []\n');
    expect(() => createWatchlistStore(file)).toThrow(/at least one list/);
  });
});
