// Screening one traveller at a crossing against the country's own lists and the partner's shared
// lists: names with the Spanish-name matching, the birth date as for drivers, and the presented
// documents — by number (normalised) against own entries, by keyed hash against the partner's,
// and in both cases only for the same issuing country and a compatible type: a number is unique
// only within its issuer, and another country's (or another kind of) document with the same
// digits is someone else's. A document match is decisive: the entry is a confirmed match whatever
// the name scores, since the document identifies the person better than any spelling.
import type { DocumentType, IdentityDocument, WatchlistMatch } from '@puente/contracts';
import { normalize } from '@puente/policy';

import { anyHashShared, type DocumentHasher } from './document-hasher.js';
import { matchName, outcomeOf, type MatchThresholds } from './name-matching.js';
import type { PartyScreening } from './screen-party.js';
import type { WatchlistEntry, WatchlistSet } from './watchlists.js';

export interface TravellerToScreen {
  /** Full name first, then aliases. */
  readonly names: readonly string[];
  readonly dateOfBirth: string | null;
  /** The documents presented at the booth. */
  readonly documents: readonly IdentityDocument[];
}

export interface ListsInForce {
  /** The country's own lists, document numbers in clear. */
  readonly own: WatchlistSet;
  /** The partner's shared lists (document hashes only), when configured. */
  readonly partner?: WatchlistSet | undefined;
  /** Hashes the presented numbers under the bilateral key; without it shared hashes cannot match. */
  readonly hasher?: DocumentHasher | undefined;
}

interface Candidate {
  readonly score: number;
  readonly documentMatch: boolean;
  readonly match: WatchlistMatch;
}

/** One presented document as it is compared: normalised number, and its hashes once needed. */
interface PresentedDocument {
  readonly type: DocumentType;
  readonly issuingCountry: string;
  readonly number: string;
  readonly hashes: () => readonly string[];
}

function presented(traveller: TravellerToScreen, hasher: DocumentHasher | undefined): readonly PresentedDocument[] {
  return traveller.documents.map((document) => {
    let hashes: readonly string[] | undefined;
    return {
      type: document.documentType,
      issuingCountry: document.issuingCountry,
      number: normalize('document-number', document.documentNumber),
      // Hashed lazily and once: only shared entries with hashes need them.
      hashes: () => (hashes ??= hasher ? hasher.hash(document.documentNumber) : []),
    };
  });
}

/**
 * Whether a listed and a presented document can be the same document, numbers aside: the same
 * issuing country, and the same type unless either side's type is OTHER (not known to be another).
 */
function sameIssuer(
  listed: { readonly type: DocumentType; readonly issuingCountry: string },
  shown: PresentedDocument,
): boolean {
  if (listed.issuingCountry !== shown.issuingCountry) return false;
  return listed.type === shown.type || listed.type === 'OTHER' || shown.type === 'OTHER';
}

function documentMatches(entry: WatchlistEntry, documents: readonly PresentedDocument[]): boolean {
  const own = entry.documents ?? [];
  const shared = entry.documentHashes ?? [];
  return documents.some(
    (shown) =>
      own.some((l) => sameIssuer(l, shown) && normalize('document-number', l.number) === shown.number) ||
      shared.some((l) => sameIssuer(l, shown) && anyHashShared(shown.hashes(), [l.hash])),
  );
}

function candidate(
  listId: string,
  entry: WatchlistEntry,
  traveller: TravellerToScreen,
  documents: readonly PresentedDocument[],
  thresholds: MatchThresholds,
): Candidate {
  let best = { score: 0, matchedName: entry.name };
  for (const name of traveller.names) {
    const match = matchName(name, entry);
    if (match.score > best.score) best = match;
  }
  let score = best.score;
  const matchedOn: string[] = [];
  if (score >= thresholds.potential) matchedOn.push('name');
  const dob = traveller.dateOfBirth;
  const sameBirth = dob !== null && dob === entry.dateOfBirth;
  if (sameBirth && matchedOn.length > 0) matchedOn.push('dateOfBirth');
  // Same name, other birth date: maybe another person, so at most potential (as for drivers).
  if (dob && entry.dateOfBirth && !sameBirth) score = Math.min(score, Math.max(0, thresholds.confirmed - 0.01));
  const documentMatch = documentMatches(entry, documents);
  if (documentMatch) {
    if (sameBirth && !matchedOn.includes('dateOfBirth')) matchedOn.push('dateOfBirth');
    matchedOn.push('documentNumber');
    score = 1;
  }
  return {
    score: Math.round(score * 1000) / 1000,
    documentMatch,
    match: { listId, entryId: entry.entryId, matchedName: best.matchedName, matchedOn },
  };
}

function better(a: Candidate | undefined, b: Candidate): boolean {
  if (!a) return true;
  if (a.documentMatch !== b.documentMatch) return b.documentMatch;
  return b.score > a.score;
}

/** The best match of a traveller over every person entry of both sources, as an outcome. */
export function screenTraveller(
  traveller: TravellerToScreen,
  lists: ListsInForce,
  thresholds: MatchThresholds,
): PartyScreening {
  const documents = presented(traveller, lists.hasher);
  let best: Candidate | undefined;
  for (const set of lists.partner ? [lists.own, lists.partner] : [lists.own]) {
    for (const list of set.lists) {
      for (const entry of list.entries) {
        if (entry.type !== 'person') continue;
        const next = candidate(list.listId, entry, traveller, documents, thresholds);
        if (better(best, next)) best = next;
      }
    }
  }
  if (!best) return { outcome: 'CLEAR', score: 0, matchedEntry: null };
  const outcome = best.documentMatch ? 'CONFIRMED_MATCH' : outcomeOf(best.score, thresholds);
  return {
    outcome,
    score: best.score,
    matchedEntry: outcome === 'CLEAR' ? null : best.match,
  };
}
