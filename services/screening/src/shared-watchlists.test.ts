import { fileURLToPath } from 'node:url';

import { keyedHash, parseHashKey, type KeyRing } from '@puente/policy';
import { describe, expect, it } from 'vitest';

import { createDocumentHasher, singleKeyRing } from './document-hasher.js';
import { dumpSharedWatchlists, shareWatchlists } from './shared-watchlists.js';
import { DEV_KEY_BASE64, ringOf } from './testing/crossings.js';
import { loadWatchlists, parseSharedWatchlists, WatchlistError } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const mx = loadWatchlists(repo('deploy/watchlists/mx.yaml'));
const devRing = singleKeyRing('usmx-dev-1', DEV_KEY_BASE64);
const hasher = createDocumentHasher({ ring: devRing });

const entry = (set: typeof mx, entryId: string) =>
  set.lists.flatMap((l) => l.entries).find((e) => e.entryId === entryId)!;

describe('shareWatchlists', () => {
  const shared = shareWatchlists(mx, hasher);

  it('keeps no raw document number anywhere in the shared set', () => {
    const raw = mx.lists.flatMap((l) => l.entries).flatMap((e) => e.documents ?? []);
    expect(raw.length).toBeGreaterThanOrEqual(4);
    const text = JSON.stringify(shared) + dumpSharedWatchlists(shared);
    for (const document of raw) {
      expect(text).not.toContain(document.number);
      // Nor in any other spelling: the normalised form is what an attacker would look for.
      expect(text.toUpperCase().replace(/[\s-]/g, '')).not.toContain(
        document.number.toUpperCase().replace(/[\s-]/g, ''),
      );
    }
    expect(shared.kind).toBe('shared');
    expect(shared.size).toBe(mx.size);
  });

  it("replaces each person's documents by the agreements' keyed hash of the normalised number, type and issuer in clear", () => {
    const wanted = entry(shared, 'FGR-OA-7705');
    expect(wanted).not.toHaveProperty('documents');
    expect(wanted.documentHashes).toEqual([
      { type: 'PASSPORT', issuingCountry: 'MX', hash: keyedHash(devRing, 'document-number', 'G12345678') },
    ]);
    expect(wanted.documentHashes?.[0]?.hash).toMatch(/^usmx-dev-1:[A-Za-z0-9_-]{43}$/);
    // Each document keeps its own issuer: a US border crossing card listed by Mexico stays US.
    expect(entry(shared, 'FGR-OA-7706').documentHashes?.map((d) => [d.type, d.issuingCountry])).toEqual([
      ['PASSPORT', 'MX'],
      ['BORDER_CROSSING_CARD', 'US'],
    ]);
    // Everything else as listed.
    const listed = entry(mx, 'FGR-OA-7705');
    expect(wanted).toMatchObject({
      name: listed.name,
      aliases: listed.aliases,
      dateOfBirth: listed.dateOfBirth,
      countryCode: 'MX',
      reason: listed.reason,
    });
    // Entries without documents get no hashes; organizations stay as they are.
    expect(entry(shared, 'FGR-OA-7701')).not.toHaveProperty('documentHashes');
    expect(entry(shared, 'UIF-LPB-5003')).toEqual(entry(mx, 'UIF-LPB-5003'));
  });

  it('writes a file loadSharedWatchlists reads back as the same lists', () => {
    const reread = parseSharedWatchlists(dumpSharedWatchlists(shared), 'mx-shared.yaml');
    expect(reread.lists).toEqual(shared.lists);
    expect(reread.kind).toBe('shared');
  });

  it('hashes under both keys during a rotation overlap, and under the new one only after it', () => {
    let now = 1_000;
    const previous = ringOf('usmx-old', 'old key');
    const ring: KeyRing = {
      current: ringOf('usmx-new', 'new key').current,
      previous: { ...previous.current, until: 2_000 },
    };
    const rotating = createDocumentHasher({ ring, now: () => now });
    expect(rotating.keyIds()).toEqual(['usmx-new', 'usmx-old']);
    const during = entry(shareWatchlists(mx, rotating), 'FGR-OA-7705').documentHashes!;
    expect(during.map((d) => d.hash.split(':')[0])).toEqual(['usmx-new', 'usmx-old']);
    expect(during[1]).toEqual({
      type: 'PASSPORT',
      issuingCountry: 'MX',
      hash: keyedHash(previous, 'document-number', 'g 1234 5678'),
    });
    now = 2_000;
    expect(entry(shareWatchlists(mx, rotating), 'FGR-OA-7705').documentHashes).toEqual([during[0]]);
  });
});

describe('shared watchlist files', () => {
  const base = (entryLines: string) => `version: 1
country: MX
lists:
  - listId: FGR-ORDENES
    name: FGR
    owner: FGR
    entries:
      - entryId: FGR-OA-1
        type: person
        name: VALDIVIA ESCAMILLA, Heriberto
        reason: Orden vigente
${entryLines}`;

  it('refuses numbers in clear, naming the entry', () => {
    const text = base(`        documents: [{ type: PASSPORT, number: 'G12345678', issuingCountry: MX }]\n`);
    expect(() => parseSharedWatchlists(text, 'mx-shared.yaml')).toThrow(WatchlistError);
    expect(() => parseSharedWatchlists(text, 'mx-shared.yaml')).toThrow(
      /mx-shared\.yaml[\s\S]*lists\[0\]\.entries\[0\]\.documents \(entry FGR-OA-1\): a shared file carries no document numbers in clear/,
    );
  });

  it('refuses a number in clear beside the hash, naming the field', () => {
    const hash = keyedHash(devRing, 'document-number', 'G12345678');
    const text = base(
      `        documentHashes: [{ type: PASSPORT, issuingCountry: MX, hash: '${hash}', number: 'G12345678' }]\n`,
    );
    expect(() => parseSharedWatchlists(text, 'mx-shared.yaml')).toThrow(
      /mx-shared\.yaml[\s\S]*lists\[0\]\.entries\[0\]\.documentHashes\[0\]\.number \(entry FGR-OA-1\): a shared file carries no document numbers in clear/,
    );
  });

  it('refuses a hash that is not `<key id>:<digest>`, naming the field', () => {
    const text = base(`        documentHashes: [{ type: PASSPORT, issuingCountry: MX, hash: 'G12345678' }]\n`);
    expect(() => parseSharedWatchlists(text)).toThrow(
      /lists\[0\]\.entries\[0\]\.documentHashes\[0\]\.hash \(entry FGR-OA-1\): must be a keyed hash/,
    );
  });

  it('refuses a bare hash without its issuing country and type, naming the entry', () => {
    const hash = keyedHash(devRing, 'document-number', 'G12345678');
    expect(() => parseSharedWatchlists(base(`        documentHashes: ['${hash}']\n`))).toThrow(
      /lists\[0\]\.entries\[0\]\.documentHashes\[0\] \(entry FGR-OA-1\): must be \{ type, issuingCountry, hash \}/,
    );
    let message = '';
    try {
      parseSharedWatchlists(base(`        documentHashes: [{ type: PASSPORT, hash: '${hash}' }]\n`));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/documentHashes\[0\]\.issuingCountry \(entry FGR-OA-1\): /);
  });

  it('accepts a hash written during an overlap as its two parts, each with the document’s type and issuer', () => {
    const a = keyedHash(ringOf('k-new', 'a'), 'exact', 'x');
    const b = keyedHash(ringOf('k-old', 'b'), 'exact', 'x');
    const set = parseSharedWatchlists(
      base(`        documentHashes: [{ type: PASSPORT, issuingCountry: MX, hash: '${a} ${b}' }]\n`),
    );
    expect(set.lists[0]?.entries[0]?.documentHashes).toEqual([
      { type: 'PASSPORT', issuingCountry: 'MX', hash: a },
      { type: 'PASSPORT', issuingCountry: 'MX', hash: b },
    ]);
  });
});

describe('singleKeyRing', () => {
  it('names the key and says what is wrong with a short one', () => {
    expect(() => singleKeyRing('usmx-dev-1', 'c2hvcnQ=', 'PUENTE_HASH_KEY_US_MX')).toThrow(
      'PUENTE_HASH_KEY_US_MX (key usmx-dev-1) decodes to 5 bytes; an HMAC key needs at least 32',
    );
    expect(typeof parseHashKey(DEV_KEY_BASE64)).not.toBe('string');
  });
});
