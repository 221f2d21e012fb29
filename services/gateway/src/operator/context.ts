// What the OperatorService's RPCs work with: the gateway's dependencies, and the limits a browse
// and a ledger verification keep to. Each RPC takes only the part of the context it reads (a
// `Pick` of it).
import type { KeyObject } from 'node:crypto';

import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { LedgerReader } from '@puente/ledger';
import type { PolicySet, TopicPolicy } from '@puente/policy';
import type { Country } from '@puente/runtime';

import type { Authenticator } from '../auth/identity.js';
import type { CursorStore } from '../subscribe/cursor-store.js';
import type { DeliveredRecord } from '../subscribe/record-evaluation.js';

export interface BrowseLimits {
  /** Records returned when the request asks for 0. */
  readonly defaultLimit: number;
  /** Most records one answer carries. */
  readonly maxLimit: number;
  /** Most records one call reads from Kafka (key, eventId and time selections scan). */
  readonly scanBudget: number;
  /**
   * Longest a browse reads before it answers with what it has (and a page token). Each browse
   * reads through a short-lived private consumer group: on brokers with the default
   * group.initial.rebalance.delay.ms (3 s) joining alone takes that long.
   */
  readonly timeoutMs: number;
}

export const DEFAULT_BROWSE_LIMITS: BrowseLimits = {
  defaultLimit: 20,
  maxLimit: 500,
  scanBudget: 10_000,
  timeoutMs: 10_000,
};

export interface LedgerLimits {
  /**
   * Most records VerifyLedger reads from a checkpoint topic: its newest ones, since each valid
   * checkpoint states every entry before its head; older ones are skipped. The proto comment
   * of VerifyLedger states the default (10,000).
   */
  readonly maxCheckpoints: number;
  /** Longest VerifyLedger reads the checkpoint topic before it gives up (UNAVAILABLE). */
  readonly checkpointTimeoutMs: number;
}

export const DEFAULT_LEDGER_LIMITS: LedgerLimits = {
  maxCheckpoints: 10_000,
  checkpointTimeoutMs: 10_000,
};

export interface OperatorServiceDeps {
  readonly authenticator: Authenticator;
  readonly bus: Bus;
  readonly codec: AvroCodec;
  /** The agreements in force, read per call so a reloaded set applies from the next call. */
  readonly policies: () => PolicySet;
  readonly cursors: CursorStore;
  readonly viewSchemaId: (policy: TopicPolicy) => number;
  /** Open Subscribe streams by subscription id: reported as `connected`. */
  readonly sessions?: ReadonlyMap<string, unknown>;
  /**
   * Audits views of another country's records before an operator of the recipient country
   * sees them, as for subscribers: a browsed view is a disclosure too.
   */
  readonly audit?: (delivered: readonly DeliveredRecord[]) => Promise<void>;
  readonly limits?: Partial<BrowseLimits>;
  /** Each country's disclosure ledger (read-only): VerifyLedger, WhoReceived, ListDisclosures. */
  readonly ledgers?: Partial<Record<Country, LedgerReader>>;
  /** The public keys each country's checkpoints must be signed with, by key id. */
  readonly checkpointKeys?: Partial<Record<Country, ReadonlyMap<string, KeyObject>>>;
  readonly ledgerLimits?: Partial<LedgerLimits>;
  /**
   * Where a country's checkpoints are read: `auditCheckpointTopic(country)` unless given (a test
   * sharing its broker with other tests' checkpoints reads its own topic).
   */
  readonly checkpointTopic?: (country: Country) => string;
}

/** The dependencies the RPCs share once the caller is authenticated, with the limits filled in. */
export interface OperatorContext extends Omit<OperatorServiceDeps, 'authenticator' | 'limits' | 'ledgerLimits'> {
  readonly limits: BrowseLimits;
  readonly ledgerLimits: LedgerLimits;
}

export function operatorContext(deps: OperatorServiceDeps): OperatorContext {
  const { authenticator: _authenticator, limits, ledgerLimits, ...rest } = deps;
  return {
    ...rest,
    limits: { ...DEFAULT_BROWSE_LIMITS, ...limits },
    ledgerLimits: { ...DEFAULT_LEDGER_LIMITS, ...ledgerLimits },
  };
}
