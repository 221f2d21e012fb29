// Screening one traveller at a crossing against the country's own lists and the partner's shared
// lists: names with the Spanish-name matching, the birth date as for drivers, and the presented
// documents — by number (normalised, same issuing country) against own entries, by keyed hash
// against the partner's. A document match is decisive: the entry is a confirmed match whatever
// the name scores, since the document identifies the person better than any spelling.
import type { IdentityDocument, WatchlistMatch } from '@puente/contracts';
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

/** What a traveller's documents are compared as: normalised numbers, and their hashes once needed. */
interface PresentedDocuments {
  readonly numbers: readonly { readonly number: string; readonly issuingCountry: string }[];
  readonly hashes: () => readonly string[];
}

function presented(traveller: TravellerToScreen, hasher: DocumentHasher | undefined): PresentedDocuments {
  let hashes: readonly string[] | undefined;
  return {
    numbers: traveller.documents.map((document) => ({
      number: normalize('document-number', document.documentNumber),
      issuingCountry: document.issuingCountry,
    })),
    // Hashed lazily and once: only shared entries with hashes need them.
    hashes: () => (hashes ??= hasher ? traveller.documents.flatMap((d) => hasher.hash(d.documentNumber)) : []),
  };
}

function documentMatches(entry: WatchlistEntry, documents: PresentedDocuments): boolean {
  if (entry.documents?.length) {
    const listed = entry.documents.map((d) => ({
      number: normalize('document-number', d.number),
      issuingCountry: d.issuingCountry,
    }));
    const same = (p: (typeof listed)[number]) =>
      listed.some((l) => l.number === p.number && l.issuingCountry === p.issuingCountry);
    if (documents.numbers.some(same)) return true;
  }
  return entry.documentHashes?.length ? anyHashShared(documents.hashes(), entry.documentHashes) : false;
}

function candidate(
  listId: string,
  entry: WatchlistEntry,
  traveller: TravellerToScreen,
  documents: PresentedDocuments,
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
