// Screening one party against the watchlists in force: the best name match over every entry of
// the party's kind, adjusted by date of birth, turned into an outcome by the thresholds.
import type { ScreeningOutcome, WatchlistMatch } from '@puente/contracts';

import { DEFAULT_THRESHOLDS, matchName, outcomeOf, type MatchThresholds } from './name-matching.js';
import type { WatchlistEntry, WatchlistSet } from './watchlists.js';

export interface PartyScreening {
  readonly outcome: ScreeningOutcome;
  readonly score: number;
  readonly matchedEntry: WatchlistMatch | null;
}

interface BestMatch {
  score: number;
  listId: string;
  entry: WatchlistEntry;
  matchedName: string;
}

function bestMatch(
  party: { readonly kind: 'person' | 'organization'; readonly names: readonly string[] },
  watchlists: WatchlistSet,
): BestMatch | undefined {
  let best: BestMatch | undefined;
  for (const list of watchlists.lists) {
    for (const entry of list.entries) {
      if (entry.type !== party.kind) continue;
      for (const name of party.names) {
        const match = matchName(name, entry);
        if (!best || match.score > best.score) {
          best = { score: match.score, listId: list.listId, entry, matchedName: match.matchedName };
        }
      }
    }
  }
  return best;
}

/**
 * Screens one party against every entry of its kind. Persons: an equal date of birth joins
 * `matchedOn`; a different one caps the outcome at potential (same name, other person?).
 */
export function screenParty(
  party: {
    readonly kind: 'person' | 'organization';
    readonly names: readonly string[];
    readonly dateOfBirth?: string | null;
  },
  watchlists: WatchlistSet,
  thresholds: MatchThresholds = DEFAULT_THRESHOLDS,
): PartyScreening {
  const best = bestMatch(party, watchlists);
  if (!best) return { outcome: 'CLEAR', score: 0, matchedEntry: null };
  let score = best.score;
  const matchedOn = ['name'];
  const dob = party.dateOfBirth;
  if (dob && best.entry.dateOfBirth) {
    if (dob === best.entry.dateOfBirth) matchedOn.push('dateOfBirth');
    else score = Math.min(score, Math.max(0, thresholds.confirmed - 0.01));
  }
  score = Math.round(score * 1000) / 1000;
  const outcome = outcomeOf(score, thresholds);
  return {
    outcome,
    score,
    matchedEntry:
      outcome === 'CLEAR'
        ? null
        : { listId: best.listId, entryId: best.entry.entryId, matchedName: best.matchedName, matchedOn },
  };
}

/** The thresholds in frozen form; throws a RangeError unless 0 < potential ≤ confirmed ≤ 1. */
export function validateThresholds(thresholds: MatchThresholds): MatchThresholds {
  const { potential, confirmed } = thresholds;
  if (!(potential > 0 && potential <= confirmed && confirmed <= 1)) {
    throw new RangeError(`thresholds must satisfy 0 < potential ≤ confirmed ≤ 1 (got ${potential}, ${confirmed})`);
  }
  return Object.freeze({ potential, confirmed });
}
