// A country's watchlists as it shares them with its partner: names, aliases, birth dates,
// nationalities and reasons as they are, but every document number replaced by its keyed hash
// under the bilateral key, so the partner can recognise a traveller's document without ever
// holding the number. The document's type and issuing country stay in clear beside the hash: a
// number is only unique within its issuer, so the partner must be able to require the same
// issuing country, as it does for its own entries. `dumpSharedWatchlists` writes such a set in
// the shared file format.
import { stringify } from 'yaml';

import type { DocumentHasher } from './document-hasher.js';
import type { Watchlist, WatchlistDocumentHash, WatchlistEntry, WatchlistSet } from './watchlists.js';

function shareDocuments(entry: WatchlistEntry, hasher: DocumentHasher): readonly WatchlistDocumentHash[] | undefined {
  if (entry.documents === undefined) return undefined;
  const seen = new Set<string>();
  const hashes: WatchlistDocumentHash[] = [];
  for (const { type, issuingCountry, number } of entry.documents) {
    for (const hash of hasher.hash(number)) {
      // The same document listed twice (written two ways) is shared once.
      const key = `${type} ${issuingCountry} ${hash}`;
      if (seen.has(key)) continue;
      seen.add(key);
      hashes.push(Object.freeze({ type, issuingCountry, hash }));
    }
  }
  return Object.freeze(hashes);
}

function shareEntry(entry: WatchlistEntry, hasher: DocumentHasher): WatchlistEntry {
  // Built field by field (not spread and deleted) so nothing added to entries later leaks by default.
  const hashes = shareDocuments(entry, hasher);
  return Object.freeze({
    entryId: entry.entryId,
    type: entry.type,
    name: entry.name,
    aliases: Object.freeze([...entry.aliases]),
    reason: entry.reason,
    ...(entry.dateOfBirth !== undefined ? { dateOfBirth: entry.dateOfBirth } : {}),
    ...(entry.countryCode !== undefined ? { countryCode: entry.countryCode } : {}),
    ...(hashes !== undefined ? { documentHashes: hashes } : {}),
  });
}

/** The lists as their owner shares them: document numbers replaced by keyed hashes. */
export function shareWatchlists(set: WatchlistSet, hasher: DocumentHasher): WatchlistSet {
  if (set.kind === 'shared') return set;
  const lists: Watchlist[] = set.lists.map((list) =>
    Object.freeze({
      listId: list.listId,
      name: list.name,
      owner: list.owner,
      entries: Object.freeze(list.entries.map((entry) => shareEntry(entry, hasher))),
    }),
  );
  return Object.freeze({
    source: `${set.source} (shared, keys ${hasher.keyIds().join(', ')})`,
    ...(set.country ? { country: set.country } : {}),
    kind: 'shared' as const,
    lists: Object.freeze(lists),
    size: set.size,
  });
}

/** A shared set as YAML in the watchlist file format (readable by loadSharedWatchlists). */
export function dumpSharedWatchlists(set: WatchlistSet): string {
  if (set.kind !== 'shared') throw new TypeError('only a shared set is dumped: pass it through shareWatchlists first');
  const file = {
    version: 1,
    ...(set.country ? { country: set.country } : {}),
    lists: set.lists.map((list) => ({
      listId: list.listId,
      name: list.name,
      owner: list.owner,
      entries: list.entries.map((entry) => ({
        entryId: entry.entryId,
        type: entry.type,
        name: entry.name,
        aliases: [...entry.aliases],
        ...(entry.dateOfBirth !== undefined ? { dateOfBirth: entry.dateOfBirth } : {}),
        ...(entry.countryCode !== undefined
          ? entry.type === 'person'
            ? { nationality: entry.countryCode }
            : { countryCode: entry.countryCode }
          : {}),
        reason: entry.reason,
        ...(entry.documentHashes !== undefined
          ? {
              documentHashes: entry.documentHashes.map(({ type, issuingCountry, hash }) => ({
                type,
                issuingCountry,
                hash,
              })),
            }
          : {}),
      })),
    })),
  };
  return `# Shared watchlists: document numbers as keyed hashes only. Generated; do not edit by hand.\n${stringify(file)}`;
}

/** The ids of the keys a shared set's document hashes were made with, in order of first use. */
export function sharedKeyIds(set: WatchlistSet): readonly string[] {
  const ids = new Set<string>();
  for (const list of set.lists) {
    for (const entry of list.entries) {
      for (const { hash } of entry.documentHashes ?? []) ids.add(hash.slice(0, hash.indexOf(':')));
    }
  }
  return [...ids];
}
