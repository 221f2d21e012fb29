// A LedgerStore in memory for the audit service's unit tests: the port's observable behaviour
// (idempotent by disclosure id, positions recorded with the entries, a hash chain) without a
// database, its refusal of a negative offset, and a switch that makes the next appends fail.
import { createHash } from 'node:crypto';

import {
  LedgerError,
  type ConsumedPosition,
  type DisclosureInput,
  type LedgerEntry,
  type LedgerHead,
  type LedgerStore,
  type VerifyResult,
} from '@puente/ledger';
import type { Country } from '@puente/runtime';

export interface MemoryLedger extends LedgerStore {
  readonly entries: LedgerEntry[];
  /** The next `count` appends reject without storing anything. */
  failNextAppends(count: number): void;
  appendCalls(): number;
}

export function memoryLedger(country: Country): MemoryLedger {
  const entries: LedgerEntry[] = [];
  const disclosureIds = new Set<string>();
  const positions = new Map<string, ConsumedPosition>();
  let failures = 0;
  let calls = 0;
  const head = (): LedgerHead => ({ entryCount: entries.length, headHash: entries.at(-1)?.hash ?? null });

  function chain(disclosure: DisclosureInput): void {
    const { events, originCountry: _origin, ...shared } = disclosure;
    for (const event of events) {
      const previousHash = entries.at(-1)?.hash ?? Buffer.alloc(32);
      const entry = entries.length + 1;
      const hash = createHash('sha256')
        .update(previousHash)
        .update(JSON.stringify({ entry, ...shared, ...event, digest: event.digest?.toString('hex') ?? null }))
        .digest();
      entries.push({ ...shared, ...event, entry, previousHash, hash });
    }
  }

  const unsupported = (what: string) => () => Promise.reject(new Error(`memoryLedger: ${what} is not modelled`));
  return {
    country,
    entries,
    failNextAppends(count) {
      failures = count;
    },
    appendCalls: () => calls,
    async append(disclosures, consumed) {
      calls++;
      if (failures > 0) {
        failures--;
        throw Object.assign(new Error('memoryLedger: the database is away'), { retriable: true });
      }
      // As the real ledger does, a disclosure it cannot store refuses the whole append.
      for (const disclosure of disclosures)
        if (disclosure.events.some((e) => e.sourceOffset.startsWith('-')))
          throw LedgerError.invalid(
            `disclosure ${disclosure.disclosureId}: sourceOffset must be a decimal int64 string`,
          );
      const before = entries.length;
      let duplicates = 0;
      for (const disclosure of disclosures) {
        if (disclosureIds.has(disclosure.disclosureId)) {
          duplicates++;
          continue;
        }
        disclosureIds.add(disclosure.disclosureId);
        chain(disclosure);
      }
      for (const position of consumed) positions.set(`${position.topic}\u0000${position.partition}`, position);
      return { appended: entries.length - before, duplicates, ...head() };
    },
    async positions(topic) {
      return [...positions.values()].filter((p) => p.topic === topic).sort((a, b) => a.partition - b.partition);
    },
    async head() {
      return head();
    },
    async entry(n) {
      return entries[n - 1];
    },
    async verify(): Promise<VerifyResult> {
      return {
        intact: true,
        entryCount: entries.length,
        entriesChecked: entries.length,
        headHash: head().headHash,
        firstBadEntry: 0,
        problem: '',
      };
    },
    async recipientsOf(eventId) {
      return entries.filter((e) => e.eventId === eventId);
    },
    delivered: unsupported('delivered'),
    listDisclosures: unsupported('listDisclosures'),
    async close() {},
  };
}
