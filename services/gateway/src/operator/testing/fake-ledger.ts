// An in-memory LedgerReader for the OperatorService's unit tests: entries chained by SHA-256 over
// their JSON (not the real ledger's canonical encoding), a verify that names the first bad entry,
// the port's queries, and a way to tamper with a stored entry. The real store is @puente/ledger's.
import { createHash, randomUUID } from 'node:crypto';

import type {
  DisclosureFilter,
  DisclosureKind,
  LedgerEntry,
  LedgerHead,
  LedgerReader,
  VerifyOptions,
  VerifyResult,
} from '@puente/ledger';
import type { Country } from '@puente/runtime';

/** What a test says about an entry; the rest is filled in. */
export interface FakeDisclosure {
  readonly eventId?: string;
  readonly kind?: DisclosureKind;
  readonly recipient?: { readonly country: Country; readonly agency: string };
  readonly agreementId?: string;
  readonly deliveredAt?: Date;
  readonly fieldsReleased?: readonly string[];
}

export interface FakeLedger extends LedgerReader {
  /** Appends one chained entry per disclosure; returns the entries. */
  add(...disclosures: FakeDisclosure[]): LedgerEntry[];
  /** Replaces a stored entry's fields without rehashing, as an edit in the database would. */
  tamper(entry: number, change: Partial<LedgerEntry>): void;
  /** Every call the gateway made, by method name. */
  readonly calls: { method: string; args: unknown[] }[];
}

const ZERO: Buffer = Buffer.alloc(32);

function hashOf(entry: Omit<LedgerEntry, 'hash'>): Buffer {
  const content = JSON.stringify(entry, (_key, value: unknown) =>
    Buffer.isBuffer(value) ? value.toString('hex') : value,
  );
  return createHash('sha256').update(content).digest();
}

export function fakeLedger(country: Country): FakeLedger {
  const entries: LedgerEntry[] = [];
  const calls: { method: string; args: unknown[] }[] = [];
  const record = (method: string, args: unknown[]) => calls.push({ method, args });

  const verify = async (...args: [VerifyOptions?]): Promise<VerifyResult> => {
    record('verify', args);
    const options = args[0] ?? {};
    const head = entries.at(-1);
    const result = (checked: number, bad: number, problem: string): VerifyResult => ({
      intact: bad === 0,
      entryCount: entries.length,
      entriesChecked: checked,
      headHash: head?.hash ?? null,
      firstBadEntry: bad,
      problem,
    });
    let previous: Buffer = ZERO;
    let first = 1;
    if (options.from) {
      const trusted = entries[options.from.entry - 1];
      if (!trusted?.hash.equals(options.from.expectedHash)) {
        return result(0, options.from.entry, `entry ${options.from.entry}: differs from the checkpoint's head`);
      }
      previous = trusted.hash;
      first = options.from.entry + 1;
    }
    for (let n = first; n <= entries.length; n++) {
      const stored = entries[n - 1];
      if (!stored) break;
      const { hash, ...rest } = stored;
      if (!stored.previousHash.equals(previous)) return result(n - first + 1, n, `entry ${n}: link broken`);
      if (!hashOf(rest).equals(hash))
        return result(n - first + 1, n, `entry ${n}: stored hash does not match its content`);
      previous = hash;
    }
    return result(entries.length - first + 1, 0, '');
  };

  const matches = (entry: LedgerEntry, filter: DisclosureFilter): boolean =>
    (filter.agreementId === undefined || entry.agreementId === filter.agreementId) &&
    (filter.recipientCountry === undefined || entry.recipient.country === filter.recipientCountry) &&
    (filter.recipientAgency === undefined || entry.recipient.agency === filter.recipientAgency) &&
    (filter.from === undefined || entry.deliveredAt >= filter.from) &&
    (filter.to === undefined || entry.deliveredAt < filter.to) &&
    entry.entry > (filter.afterEntry ?? 0);

  return {
    country,
    calls,
    add(...disclosures) {
      return disclosures.map((d) => {
        const previous = entries.at(-1);
        const recipient = d.recipient ?? { country: country === 'US' ? 'MX' : 'US', agency: 'ANAM' };
        const unhashed: Omit<LedgerEntry, 'hash'> = {
          entry: entries.length + 1,
          previousHash: previous?.hash ?? ZERO,
          disclosureId: randomUUID(),
          kind: d.kind ?? 'DELIVERY',
          sourceTopic: `${country.toLowerCase()}.cargo-manifests.v1`,
          recipient: { ...recipient, subscription: 'cargo-feed', principal: `dev-${recipient.agency.toLowerCase()}` },
          agreementId: d.agreementId ?? 'us-to-mx',
          agreementVersion: '3',
          ruleId: 'northbound',
          viewSchemaId: 42,
          declaredPurposes: ['CUSTOMS'],
          fieldsReleased: d.fieldsReleased ?? ['manifestId', 'carrier.name'],
          fieldsTransformed: [
            {
              path: 'driver.licenseNumber',
              action: 'HASH',
              method: 'hmac-sha256',
              normalization: 'document-number',
              keyIds: ['k2', 'k1'],
            },
            { path: 'driver.name', action: 'MASK', method: 'initials', normalization: null, keyIds: [] },
          ],
          fieldsRemoved: ['driver.phone'],
          deliveredAt: d.deliveredAt ?? new Date(Date.UTC(2025, 10, 1) + entries.length * 60_000),
          eventId: d.eventId ?? randomUUID(),
          entityId: `M-${entries.length + 1}`,
          sourcePartition: 1,
          sourceOffset: String(100 + entries.length),
          supersedes: null,
          digest: createHash('sha256').update(String(entries.length)).digest(),
        };
        const entry = { ...unhashed, hash: hashOf(unhashed) };
        entries.push(entry);
        return entry;
      });
    },
    tamper(n, change) {
      const stored = entries[n - 1];
      if (!stored) throw new Error(`no entry ${n}`);
      entries[n - 1] = { ...stored, ...change };
    },
    async head(): Promise<LedgerHead> {
      record('head', []);
      return { entryCount: entries.length, headHash: entries.at(-1)?.hash ?? null };
    },
    async entry(n) {
      record('entry', [n]);
      return entries[n - 1];
    },
    verify,
    async recipientsOf(eventId) {
      record('recipientsOf', [eventId]);
      return entries.filter((e) => e.eventId === eventId);
    },
    async positions(topic) {
      record('positions', [topic]);
      return [];
    },
    async delivered(eventId, recipient, sourceTopic) {
      record('delivered', [eventId, recipient]);
      return entries.some(
        (e) =>
          e.eventId === eventId &&
          e.kind === 'DELIVERY' &&
          (sourceTopic === undefined || e.sourceTopic === sourceTopic) &&
          e.recipient.country === recipient.country &&
          e.recipient.agency === recipient.agency,
      );
    },
    async listDisclosures(filter) {
      record('listDisclosures', [filter]);
      return entries.filter((e) => matches(e, filter)).slice(0, filter.limit);
    },
  };
}
