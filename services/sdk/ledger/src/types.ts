// The ledger's port: what the audit service appends and what the gateway asks. One ledger per
// country, holding the disclosures of that country's data; entries are numbered from 1 and each
// stores the SHA-256 of its canonical encoding, which includes the hash of the entry before.
import type { Country } from '@puente/runtime';

export type DisclosureKind = 'DELIVERY' | 'RETRACTION';

export interface LedgerRecipient {
  readonly country: Country;
  readonly agency: string;
  readonly subscription: string;
  readonly principal: string;
}

export interface LedgerFieldTransform {
  readonly path: string;
  /** MASK, HASH or GENERALIZE. */
  readonly action: string;
  readonly method: string | null;
  readonly normalization: string | null;
  readonly keyIds: readonly string[];
}

/** One event of a disclosure. */
export interface DisclosedEventInput {
  readonly eventId: string;
  readonly entityId: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  readonly supersedes: string | null;
  /** SHA-256 of the bytes sent; null for records written before batching. */
  readonly digest: Buffer | null;
}

/** A disclosure record as the audit service read it from audit.disclosures.v1. */
export interface DisclosureInput {
  readonly disclosureId: string;
  readonly kind: DisclosureKind;
  /** The disclosing country: the ledger it belongs to. */
  readonly originCountry: Country;
  readonly sourceTopic: string;
  readonly recipient: LedgerRecipient;
  readonly agreementId: string;
  readonly agreementVersion: string;
  readonly ruleId: string;
  readonly viewSchemaId: number | null;
  readonly declaredPurposes: readonly string[];
  readonly fieldsReleased: readonly string[];
  readonly fieldsTransformed: readonly LedgerFieldTransform[];
  readonly fieldsRemoved: readonly string[];
  readonly deliveredAt: Date;
  /** At least one; a record written before batching becomes one event. */
  readonly events: readonly DisclosedEventInput[];
}

/** One ledger entry: one event disclosed to one recipient, chained. */
export interface LedgerEntry extends Omit<DisclosureInput, 'events' | 'originCountry'>, DisclosedEventInput {
  /** Number of the entry, from 1. */
  readonly entry: number;
  /** SHA-256 of the entry before (32 zero bytes for entry 1). */
  readonly previousHash: Buffer;
  /** SHA-256 of this entry's canonical encoding (which includes previousHash). */
  readonly hash: Buffer;
}

/** A Kafka position consumed: the next offset to read of one partition of the disclosure topic. */
export interface ConsumedPosition {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read (Kafka's committed-offset convention). */
  readonly offset: string;
}

export interface AppendResult {
  /** Entries added (events of disclosures not seen before). */
  readonly appended: number;
  /** Disclosures skipped because their id is already in the ledger. */
  readonly duplicates: number;
  readonly entryCount: number;
  readonly headHash: Buffer | null;
}

export interface LedgerHead {
  readonly entryCount: number;
  /** Null for an empty ledger. */
  readonly headHash: Buffer | null;
}

export interface VerifyOptions {
  /** Start from this entry (a checkpoint's entryCount) trusting `expectedHash` for it. */
  readonly from?: { readonly entry: number; readonly expectedHash: Buffer };
}

export interface VerifyResult {
  readonly intact: boolean;
  readonly entryCount: number;
  readonly entriesChecked: number;
  readonly headHash: Buffer | null;
  /** 0 when intact, or when no entry is at fault (a disclosure row without entries, the head's disclosure count). */
  readonly firstBadEntry: number;
  /** Empty when intact, e.g. "entry 42: stored hash does not match its content". */
  readonly problem: string;
}

export interface DisclosureFilter {
  readonly agreementId?: string;
  readonly recipientCountry?: Country;
  readonly recipientAgency?: string;
  /** Inclusive. */
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
  /** Return entries after this entry number (paging). */
  readonly afterEntry?: number;
  readonly limit: number;
}

/** What the gateway asks of a country's ledger. */
export interface LedgerReader {
  readonly country: Country;
  head(): Promise<LedgerHead>;
  /** The entry with this number, or undefined. */
  entry(entry: number): Promise<LedgerEntry | undefined>;
  verify(options?: VerifyOptions): Promise<VerifyResult>;
  /** Every entry of this event (deliveries and retraction notices), oldest first. */
  recipientsOf(eventId: string): Promise<readonly LedgerEntry[]>;
  /**
   * Whether this recipient (country and agency) received a DELIVERY of the event, read from
   * `sourceTopic` when given (a correction retracts only an event of its own topic).
   */
  delivered(eventId: string, recipient: { country: Country; agency: string }, sourceTopic?: string): Promise<boolean>;
  listDisclosures(filter: DisclosureFilter): Promise<readonly LedgerEntry[]>;
  /**
   * The positions recorded by the last append, per topic partition: how far the ledger has read
   * the disclosure topic (everything before them is chained).
   */
  positions(topic: string): Promise<readonly ConsumedPosition[]>;
}

/** What the audit service does to its country's ledger. */
export interface LedgerStore extends LedgerReader {
  /**
   * Appends every event of the disclosures not yet in the ledger (idempotent by disclosureId),
   * in order, and records the consumed positions, in one transaction: both or neither.
   */
  append(disclosures: readonly DisclosureInput[], positions: readonly ConsumedPosition[]): Promise<AppendResult>;
  close(): Promise<void>;
}
