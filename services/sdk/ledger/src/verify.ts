// verify(): walks the chain in entry order, in large keyset-paged chunks (the next chunk is
// fetched while this one is hashed), recomputes every hash and reports the first entry that is
// missing, out of place, unlinked, not matching its content or outside its disclosure's recorded
// range, or a disclosure row no entry names (README.md, "Verification").
import { ChainHasher, ZERO_HASH } from './canonical.js';
import { LedgerError } from './errors.js';
import { packedChunkQuery, PackedChunkReader } from './packed-chunk.js';
import { disclosureContentOf } from './rows.js';
import { bufferOf, numberOf, type SqlClient } from './sql/sql-client.js';
import type { VerifyOptions, VerifyResult } from './types.js';
import {
  type BookkeepingRow,
  type DisclosureRange,
  disclosureQueries,
  DisclosureSequence,
  firstOutside,
  rangeOf,
} from './verify-disclosures.js';

const CHUNK = 20_000;
/** Disclosures (hash and range) kept between chunks (a disclosure's entries are usually consecutive). */
const CACHE_LIMIT = 50_000;

interface CachedDisclosure {
  readonly hash: Buffer;
  readonly range: DisclosureRange;
}

/** The checkpoint's entry, with its disclosure's range (NULL when that row is missing). */
interface CheckpointEntryRow {
  hash: unknown;
  disclosure_no: unknown;
  first_entry: unknown;
  event_count: unknown;
}

/** `entry` 0: no entry is at fault (a disclosure row or the head's disclosure count). */
class Bad extends Error {
  constructor(
    readonly entry: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** `chunk`: entries per read (tests make it small to cross chunk boundaries). */
export function createVerifier(sql: SqlClient, schema: string, chunk = CHUNK) {
  const s = schema;
  const d = disclosureQueries(s);
  const q = {
    head: `SELECT entry_count, head_hash, disclosure_count FROM ${s}.head WHERE singleton`,
    chunk: packedChunkQuery(s),
    beyond: `SELECT min(entry_no) AS entry_no FROM ${s}.entries WHERE entry_no > $1`,
  };

  async function readHead(): Promise<{ count: number; hash: Buffer | null; disclosures: number }> {
    const [row] = await sql.query<{ entry_count: unknown; head_hash: unknown; disclosure_count: unknown }>(q.head);
    if (!row) throw new Bad(1, 'the ledger has no head row');
    return {
      count: numberOf(row.entry_count),
      hash: row.head_hash === null ? null : bufferOf(row.head_hash),
      disclosures: numberOf(row.disclosure_count),
    };
  }

  return async function verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    const from = options.from;
    if (from !== undefined) {
      if (!Number.isSafeInteger(from.entry) || from.entry < 0) {
        throw LedgerError.invalid(`verify: from.entry must be a whole number ≥ 0, got ${String(from.entry)}`);
      }
      if (!(from.expectedHash instanceof Uint8Array) || from.expectedHash.length !== 32) {
        throw LedgerError.invalid('verify: from.expectedHash must be 32 bytes (SHA-256)');
      }
    }
    let head = { count: 0, hash: null as Buffer | null, disclosures: 0 };
    let checked = 0;
    try {
      head = await readHead();
      const hasher = new ChainHasher();
      const disclosures = new Map<number, CachedDisclosure>();
      let sequence = new DisclosureSequence();
      let cursor = 0;
      let previous = ZERO_HASH;

      if (from !== undefined && from.entry > 0) {
        if (from.entry > head.count) {
          throw new Bad(
            head.count + 1,
            `entry ${head.count + 1} is missing: the checkpoint covers ${from.entry} entries, the ledger holds ${head.count}`,
          );
        }
        const [row] = await sql.query<CheckpointEntryRow>(d.ofEntry, [String(from.entry)]);
        if (!row) throw new Bad(from.entry, `entry ${from.entry} is missing`);
        if (!bufferOf(row.hash).equals(from.expectedHash)) {
          throw new Bad(from.entry, `entry ${from.entry}: stored hash does not match the checkpoint's head hash`);
        }
        sequence = sequenceAtCheckpoint(from.entry, row);
        cursor = from.entry;
        previous = Buffer.from(from.expectedHash);
      }

      const fetch = async (after: number): Promise<Buffer | null> => {
        const until = Math.min(after + chunk, head.count);
        const [row] = await sql.query<{ packed: unknown }>(q.chunk, [String(after), String(until)]);
        return !row || row.packed === null ? null : bufferOf(row.packed);
      };
      // Chunks of entry numbers (after, after + CHUNK]; each is fetched while the one before is
      // hashed. Every prefetch is settled on every path, so a Bad thrown below leaves none unhandled.
      let pending: Promise<Buffer | null> | undefined;
      for (let after = cursor; after < head.count;) {
        const current = pending ?? fetch(after);
        after += chunk;
        pending = after < head.count ? fetch(after) : undefined;
        pending?.catch(() => undefined);
        const packed = await current;
        if (packed === null) continue;
        await loadDisclosures(packed, disclosures);
        const reader = new PackedChunkReader(packed);
        for (let row = reader.next(); row; row = reader.next()) {
          const entry = cursor + 1;
          if (row.entry !== entry) throw new Bad(entry, `entry ${entry} is missing (the next stored is ${row.entry})`);
          const disclosure = disclosures.get(row.disclosureNo);
          if (!disclosure) {
            throw new Bad(entry, `entry ${entry} names disclosure ${row.disclosureNo}, which is not stored`);
          }
          const problem = sequence.check(entry, row.disclosureNo, disclosure.range);
          if (problem) throw new Bad(entry, problem);
          if (!row.previousHash?.equals(previous)) {
            throw new Bad(entry, `entry ${entry}: previous hash does not link to entry ${entry - 1}`);
          }
          const stored = row.hash;
          const hash = hasher.entryHashFromParts(
            entry,
            disclosure.hash,
            row.core,
            row.supersedes,
            row.digest,
            previous,
          );
          if (!stored?.equals(hash)) throw new Bad(entry, `entry ${entry}: stored hash does not match its content`);
          previous = hash;
          cursor = entry;
          checked += 1;
        }
      }
      if (cursor < head.count) throw new Bad(cursor + 1, `entry ${cursor + 1} is missing`);
      const unfinished = sequence.finish(cursor);
      if (unfinished) throw new Bad(unfinished.entry, unfinished.problem);
      if (head.count > 0 && !(head.hash?.equals(previous) ?? false)) {
        throw new Bad(head.count, `the ledger head's hash does not match entry ${head.count}`);
      }
      // Entries past the head: read them before the head again, so a concurrent append (entries
      // and head in one transaction) is never mistaken for one.
      const [beyond] = await sql.query<{ entry_no: unknown }>(q.beyond, [String(head.count)]);
      if (beyond && beyond.entry_no !== null) {
        const extra = numberOf(beyond.entry_no);
        const now = await readHead();
        if (extra > now.count) throw new Bad(extra, `entry ${extra} is beyond the ledger head (${now.count} entries)`);
      }
      await checkDisclosureRows(sequence.last, head.disclosures);
      return {
        intact: true,
        entryCount: head.count,
        entriesChecked: checked,
        headHash: head.hash,
        firstBadEntry: 0,
        problem: '',
      };
    } catch (error) {
      if (!(error instanceof Bad)) throw LedgerError.fromUnknown(error, 'verify');
      return {
        intact: false,
        entryCount: head.count,
        entriesChecked: checked,
        headHash: head.hash,
        firstBadEntry: error.entry,
        problem: error.problem,
      };
    }
  };

  /** Hashes every disclosure the chunk names that is not cached yet. */
  async function loadDisclosures(chunk: Buffer, cache: Map<number, CachedDisclosure>): Promise<void> {
    const needed = (): Set<number> => {
      const numbers = new Set<number>();
      const reader = new PackedChunkReader(chunk);
      for (let row = reader.next(); row; row = reader.next()) {
        if (!cache.has(row.disclosureNo)) numbers.add(row.disclosureNo);
      }
      return numbers;
    };
    let missing = needed();
    if (missing.size === 0) return;
    if (cache.size + missing.size > CACHE_LIMIT) {
      cache.clear();
      missing = needed();
    }
    const hasher = new ChainHasher();
    const rows = await sql.query<BookkeepingRow>(d.byNumber, [[...missing].map(String)]);
    for (const row of rows) {
      cache.set(numberOf(row.disclosure_no), {
        hash: hasher.disclosureHash(disclosureContentOf(row)),
        range: rangeOf(row),
      });
    }
  }

  /**
   * The checkpoint vouches for the entries up to its own, not for the bookkeeping of the
   * disclosure later entries may continue: that row must exist and hold the checkpoint's entry.
   */
  function sequenceAtCheckpoint(entry: number, row: CheckpointEntryRow): DisclosureSequence {
    const disclosureNo = numberOf(row.disclosure_no);
    if (row.first_entry === null) {
      throw new Bad(entry, `entry ${entry} names disclosure ${disclosureNo}, which is not stored`);
    }
    const range = rangeOf(row);
    if (range.first > entry) {
      throw new Bad(
        entry,
        `entry ${entry} names disclosure ${disclosureNo}, whose first entry is recorded as ${range.first}`,
      );
    }
    const sequence = new DisclosureSequence(disclosureNo, range);
    const problem = sequence.check(entry, disclosureNo, range);
    if (problem) throw new Bad(entry, problem);
    return sequence;
  }

  /**
   * The walk saw disclosures numbered up to `last`, each with its entries; no other row may
   * exist, and the head must count exactly those. A row past `last` that a concurrent append
   * wrote is told apart as the entries past the head are: by the head read again after it.
   */
  async function checkDisclosureRows(last: number, counted: number): Promise<void> {
    const stray = await firstOutside(sql, d.outside, last);
    if (
      stray &&
      (stray.disclosureNo < 1 || stray.disclosureNo <= counted || stray.disclosureNo > (await readHead()).disclosures)
    ) {
      throw new Bad(0, `disclosure ${stray.disclosureNo} (id ${JSON.stringify(stray.disclosureId)}) has no entries`);
    }
    if (counted !== last) {
      throw new Bad(0, `the ledger head counts ${counted} disclosures, but its entries name ${last}`);
    }
  }
}
