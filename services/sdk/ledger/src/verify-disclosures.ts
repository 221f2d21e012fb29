// verify()'s check of the disclosures table's bookkeeping, which the hashes do not cover but the
// listings rely on: disclosures are numbered 1, 2, … in entry order, each one's entries are exactly
// [first_entry, first_entry + event_count), and no disclosure row lies outside the entries
// (README.md, "Verification"). Checked while the entries stream past, plus one indexed query.
import { DISCLOSURE_COLUMNS, type DisclosureRow } from './rows.js';
import { numberOf, type SqlQueryable } from './sql/sql-client.js';

/** A disclosure row's range of entries: [first, first + count). */
export interface DisclosureRange {
  readonly first: number;
  readonly count: number;
}

export interface BookkeepingRow extends DisclosureRow {
  first_entry: unknown;
  event_count: unknown;
}

export function disclosureQueries(s: string) {
  return {
    /** The rows verify hashes, with their ranges. */
    byNumber: `SELECT ${DISCLOSURE_COLUMNS}, first_entry, event_count FROM ${s}.disclosures
               WHERE disclosure_no = ANY($1::int8[])`,
    /** The checkpoint entry's disclosure and its range (NULLs when that row is missing). */
    ofEntry: `SELECT e.hash, e.disclosure_no, d.first_entry, d.event_count
              FROM ${s}.entries e LEFT JOIN ${s}.disclosures d ON d.disclosure_no = e.disclosure_no
              WHERE e.entry_no = $1`,
    /** The lowest-numbered row outside 1 … $1 (both ends walk the primary key). */
    outside: `SELECT disclosure_no, disclosure_id FROM ${s}.disclosures
              WHERE disclosure_no < 1 OR disclosure_no > $1 ORDER BY disclosure_no LIMIT 1`,
  };
}

export function rangeOf(row: { first_entry: unknown; event_count: unknown }): DisclosureRange {
  return { first: numberOf(row.first_entry), count: numberOf(row.event_count) };
}

/**
 * Follows the disclosure of each entry in order: `check(entry, …)` answers the problem with that
 * entry's disclosure bookkeeping ('' when none); `finish()` the problem with the last one's.
 * Entries are checked one after another with no gap (verify sees to that), so a disclosure that
 * begins exactly where its first_entry says, and ends exactly where its event_count says, with
 * the next number after the one before, has exactly its own entries.
 */
export class DisclosureSequence {
  /** Entry after the current disclosure's last, by its row. */
  private end: number;

  /** Starts within disclosure `current` (0 with no entries: a range ending before entry 1). */
  constructor(
    private current = 0,
    private currentRange: DisclosureRange = { first: 1, count: 0 },
  ) {
    this.end = currentRange.first + currentRange.count;
  }

  /** The disclosure the entries checked so far end with (0 when none). */
  get last(): number {
    return this.current;
  }

  check(entry: number, disclosureNo: number, range: DisclosureRange): string {
    if (disclosureNo !== this.current) {
      if (entry < this.end) {
        return `entry ${entry} names disclosure ${disclosureNo}, but disclosure ${this.current} records entries up to ${this.end - 1}`;
      }
      if (disclosureNo !== this.current + 1) {
        return `entry ${entry} names disclosure ${disclosureNo}, but the disclosure after ${this.current} is ${this.current + 1}`;
      }
      if (range.first !== entry) {
        return `entry ${entry} begins disclosure ${disclosureNo}, whose first entry is recorded as ${range.first}`;
      }
      this.current = disclosureNo;
      this.currentRange = range;
      this.end = range.first + range.count;
    }
    if (entry >= this.end) {
      return `entry ${entry} names disclosure ${disclosureNo}, which records ${describe(this.currentRange)}`;
    }
    return '';
  }

  /** After the last entry: the entry the current disclosure still lacks, or undefined. */
  finish(lastEntry: number): { entry: number; problem: string } | undefined {
    if (this.end === lastEntry + 1) return undefined;
    const entry = lastEntry + 1;
    return {
      entry,
      problem: `entry ${entry} is missing: disclosure ${this.current} records ${describe(this.currentRange)}`,
    };
  }
}

function describe(range: DisclosureRange): string {
  return `${range.count} ${range.count === 1 ? 'entry' : 'entries'} from entry ${range.first}`;
}

/** The first disclosure row numbered outside 1 … `last`, or undefined. */
export async function firstOutside(
  sql: SqlQueryable,
  query: string,
  last: number,
): Promise<{ disclosureNo: number; disclosureId: string } | undefined> {
  const [row] = await sql.query<{ disclosure_no: unknown; disclosure_id: string }>(query, [String(last)]);
  return row ? { disclosureNo: numberOf(row.disclosure_no), disclosureId: row.disclosure_id } : undefined;
}
