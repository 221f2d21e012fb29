import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { createDocumentHasher, singleKeyRing } from './document-hasher.js';
import { DEFAULT_THRESHOLDS } from './name-matching.js';
import { screenTraveller, type TravellerToScreen } from './screen-traveller.js';
import { shareWatchlists } from './shared-watchlists.js';
import { DEV_KEY_BASE64, passport, ringOf } from './testing/crossings.js';
import { loadWatchlists } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const us = loadWatchlists(repo('deploy/watchlists/us.yaml'));
const mx = loadWatchlists(repo('deploy/watchlists/mx.yaml'));
const devHasher = createDocumentHasher({ ring: singleKeyRing('usmx-dev-1', DEV_KEY_BASE64) });
/** Mexico's lists as Mexico shares them with the US. */
const mxShared = shareWatchlists(mx, devHasher);

const traveller = (patch: Partial<TravellerToScreen> = {}): TravellerToScreen => ({
  names: ['Rosalba Quintanar Echeverría'],
  dateOfBirth: '1990-02-14',
  documents: [passport('G77881200')],
  ...patch,
});

describe('screening a traveller against the partner’s hashed lists', () => {
  it('confirms a passport listed as "G 1234-5678" in Mexico and presented as "g12345678" in the US', () => {
    // A name that matches no entry: the document alone decides.
    const screening = screenTraveller(
      traveller({ names: ['Juan Pérez Soto'], dateOfBirth: '1984-03-11', documents: [passport('g12345678')] }),
      { own: us, partner: mxShared, hasher: devHasher },
      DEFAULT_THRESHOLDS,
    );
    expect(screening.outcome).toBe('CONFIRMED_MATCH');
    expect(screening.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.confirmed);
    expect(screening.matchedEntry).toEqual({
      listId: 'FGR-ORDENES',
      entryId: 'FGR-OA-7705',
      matchedName: 'VALDIVIA ESCAMILLA, Heriberto',
      matchedOn: ['dateOfBirth', 'documentNumber'],
    });
  });

  it('adds name and date of birth to matchedOn when they match too', () => {
    const screening = screenTraveller(
      traveller({
        names: ['Heriberto Valdivia Escamilla'],
        dateOfBirth: '1984-03-11',
        documents: [passport('G12345678')],
      }),
      { own: us, partner: mxShared, hasher: devHasher },
      DEFAULT_THRESHOLDS,
    );
    expect(screening.matchedEntry?.matchedOn).toEqual(['name', 'dateOfBirth', 'documentNumber']);
    expect(screening.score).toBe(1);
  });

  it('does not confirm a US licence whose number equals a listed Mexican passport’s', () => {
    // FGR-OA-7705's passport is MX G 1234-5678; a Texas driver licence may carry the same characters.
    const licence = { ...passport('G12345678', 'US'), documentType: 'DRIVER_LICENSE' as const };
    const screening = screenTraveller(
      traveller({ names: ['Juan Pérez Soto'], dateOfBirth: null, documents: [licence] }),
      { own: us, partner: mxShared, hasher: devHasher },
      DEFAULT_THRESHOLDS,
    );
    expect(screening).toEqual({ outcome: 'CLEAR', score: expect.any(Number), matchedEntry: null });
    // Nor a US passport with that number, nor a Mexican document of another kind.
    for (const document of [
      passport('G12345678', 'US'),
      { ...passport('G12345678'), documentType: 'VOTER_ID' as const },
    ]) {
      expect(
        screenTraveller(
          traveller({ names: ['Juan Pérez Soto'], dateOfBirth: null, documents: [document] }),
          { own: us, partner: mxShared, hasher: devHasher },
          DEFAULT_THRESHOLDS,
        ).outcome,
      ).toBe('CLEAR');
    }
  });

  it('still confirms the same number when the type was recorded as OTHER (not known to differ)', () => {
    const unknownKind = { ...passport('G12345678'), documentType: 'OTHER' as const };
    const screening = screenTraveller(
      traveller({ names: ['Juan Pérez Soto'], dateOfBirth: null, documents: [unknownKind] }),
      { own: us, partner: mxShared, hasher: devHasher },
      DEFAULT_THRESHOLDS,
    );
    expect(screening).toMatchObject({ outcome: 'CONFIRMED_MATCH', matchedEntry: { entryId: 'FGR-OA-7705' } });
  });

  it('does not match the document when the traveller is hashed under another key', () => {
    const otherKey = createDocumentHasher({ ring: ringOf('usmx-dev-1', 'not the agreed key') });
    const screening = screenTraveller(
      traveller({ names: ['Juan Pérez Soto'], documents: [passport('G12345678')] }),
      { own: us, partner: mxShared, hasher: otherKey },
      DEFAULT_THRESHOLDS,
    );
    expect(screening).toEqual({ outcome: 'CLEAR', score: expect.any(Number), matchedEntry: null });
  });

  it('without a hasher, matches the partner’s entries by name only', () => {
    const byName = screenTraveller(
      traveller({ names: ['Heriberto Valdivia Escamilla'], dateOfBirth: null, documents: [passport('G12345678')] }),
      { own: us, partner: mxShared },
      DEFAULT_THRESHOLDS,
    );
    expect(byName.matchedEntry).toMatchObject({ entryId: 'FGR-OA-7705', matchedOn: ['name'] });
  });

  it('matches during a key rotation overlap whichever side has moved to the new key', () => {
    const now = () => 1_000;
    const oldRing = ringOf('usmx-1', 'the old bilateral key');
    const newRing = ringOf('usmx-2', 'the new bilateral key');
    const rotating = createDocumentHasher({
      ring: { current: newRing.current, previous: { ...oldRing.current, until: 2_000 } },
      now,
    });
    const oldOnly = createDocumentHasher({ ring: oldRing, now });
    const newOnly = createDocumentHasher({ ring: newRing, now });
    const presented = traveller({ names: ['Juan Pérez Soto'], documents: [passport('G-1234 5678')] });
    const outcome = (partnerHasher: typeof oldOnly, travellerHasher: typeof oldOnly) =>
      screenTraveller(
        presented,
        { own: us, partner: shareWatchlists(mx, partnerHasher), hasher: travellerHasher },
        DEFAULT_THRESHOLDS,
      ).outcome;
    // Mexico rotated, the US has not yet; and the other way round.
    expect(outcome(rotating, oldOnly)).toBe('CONFIRMED_MATCH');
    expect(outcome(oldOnly, rotating)).toBe('CONFIRMED_MATCH');
    // Both sides on different single keys: nothing in common.
    expect(outcome(oldOnly, newOnly)).toBe('CLEAR');
  });
});

describe('screening a traveller against the own lists', () => {
  it('confirms a document by normalised number when the issuing country agrees', () => {
    const screening = screenTraveller(
      traveller({ names: ['Juan Pérez Soto'], dateOfBirth: null, documents: [passport('548213907', 'US')] }),
      { own: us },
      DEFAULT_THRESHOLDS,
    );
    expect(screening).toMatchObject({
      outcome: 'CONFIRMED_MATCH',
      matchedEntry: { listId: 'CBP-TECS-LOOKOUT', entryId: 'TECS-L-2213', matchedOn: ['documentNumber'] },
    });
  });

  it('does not take the same number issued by another country for the listed document', () => {
    const screening = screenTraveller(
      traveller({ names: ['Juan Pérez Soto'], dateOfBirth: null, documents: [passport('548213907', 'MX')] }),
      { own: us },
      DEFAULT_THRESHOLDS,
    );
    expect(screening.outcome).toBe('CLEAR');
  });

  it('does not take another kind of document with the same number for the listed one', () => {
    const licence = { ...passport('548213907', 'US'), documentType: 'DRIVER_LICENSE' as const };
    const screening = screenTraveller(
      traveller({ names: ['Juan Pérez Soto'], dateOfBirth: null, documents: [licence] }),
      { own: us },
      DEFAULT_THRESHOLDS,
    );
    expect(screening.outcome).toBe('CLEAR');
  });

  it('finds Spanish name variants: accents dropped, surnames first, one surname missing', () => {
    const lists = { own: us, partner: mxShared, hasher: devHasher };
    const exact = screenTraveller(
      traveller({ names: ['Leticia Montano Quezada'], dateOfBirth: '1986-12-01' }),
      lists,
      DEFAULT_THRESHOLDS,
    );
    expect(exact).toMatchObject({
      outcome: 'CONFIRMED_MATCH',
      matchedEntry: { entryId: 'TECS-L-2212', matchedOn: ['name', 'dateOfBirth'] },
    });
    const reordered = screenTraveller(
      traveller({ names: ['CÁRDENAS OSUNA YESENIA GUADALUPE'], dateOfBirth: null }),
      lists,
      DEFAULT_THRESHOLDS,
    );
    expect(reordered.matchedEntry?.entryId).toBe('FGR-OA-7706');
    expect(reordered.outcome).not.toBe('CLEAR');
    const oneSurname = screenTraveller(
      traveller({ names: ['Heriberto Valdivia'], dateOfBirth: null }),
      lists,
      DEFAULT_THRESHOLDS,
    );
    expect(oneSurname).toMatchObject({ outcome: 'POTENTIAL_MATCH', matchedEntry: { entryId: 'FGR-OA-7705' } });
  });

  it('caps a name match with another birth date at potential, unless a document decides', () => {
    const otherBirth = traveller({ names: ['Colton Reese Hargrove'], dateOfBirth: '1999-01-01' });
    expect(screenTraveller(otherBirth, { own: us }, DEFAULT_THRESHOLDS).outcome).toBe('POTENTIAL_MATCH');
    const withPassport = { ...otherBirth, documents: [passport('548 213 907', 'US')] };
    expect(screenTraveller(withPassport, { own: us }, DEFAULT_THRESHOLDS)).toMatchObject({
      outcome: 'CONFIRMED_MATCH',
      matchedEntry: { entryId: 'TECS-L-2213', matchedOn: ['name', 'documentNumber'] },
    });
  });

  it('clears a traveller on no list', () => {
    expect(screenTraveller(traveller(), { own: us, partner: mxShared, hasher: devHasher }, DEFAULT_THRESHOLDS)).toEqual(
      {
        outcome: 'CLEAR',
        score: expect.any(Number),
        matchedEntry: null,
      },
    );
  });
});
