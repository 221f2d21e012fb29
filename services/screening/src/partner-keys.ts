// Whether the partner's shared lists can match a traveller's documents at all: each hash names
// the key it was made with, and only hashes under a key this service also hashes with can ever be
// equal. A partner that rotated to a key not configured here (or a file made under another key
// id) would otherwise match nothing by document and say nothing, so the mismatch is said, as a
// warning, once per version of the partner's file and of the keys in force — not per crossing.
// A warning rather than a refusal to start: the own lists, cargo screening and name matching
// against the partner's lists still work, and stopping them would be worse than the gap.
import type { Logger } from '@puente/runtime';

import type { DocumentHasher } from './document-hasher.js';
import { sharedKeyIds } from './shared-watchlists.js';
import type { WatchlistSet } from './watchlists.js';

export interface PartnerKeyMismatch {
  /** Key ids the partner's document hashes carry. */
  readonly partnerKeyIds: readonly string[];
  /** Key ids this service hashes travellers' documents with now. */
  readonly keyIds: readonly string[];
}

/** The mismatch when the shared set has document hashes and none under a key the hasher uses now. */
export function partnerKeyMismatch(set: WatchlistSet, hasher: DocumentHasher): PartnerKeyMismatch | undefined {
  const partnerKeyIds = sharedKeyIds(set);
  const keyIds = hasher.keyIds();
  if (partnerKeyIds.length === 0 || partnerKeyIds.some((id) => keyIds.includes(id))) return undefined;
  return { partnerKeyIds, keyIds };
}

/** Checks the partner's set each time it is asked for; warns once per set and key ids in force. */
export function createPartnerKeyCheck(hasher: DocumentHasher, logger: Logger): (set: WatchlistSet) => void {
  let checked: WatchlistSet | undefined;
  let checkedKeys = '';
  return (set) => {
    const keys = hasher.keyIds().join(' ');
    if (set === checked && keys === checkedKeys) return;
    checked = set;
    checkedKeys = keys;
    const mismatch = partnerKeyMismatch(set, hasher);
    if (!mismatch) return;
    logger.warn(
      { file: set.source, ...mismatch },
      "the partner's shared lists are hashed under none of this service's keys: no traveller's document can match them (names still do); compare PUENTE_HASH_KEY_ID and the previous-key variables with the key ids the partner hashes with",
    );
  };
}
