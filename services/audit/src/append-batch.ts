// One consumed batch of disclosures (one partition's records) into the ledger: each record
// decoded, the ones that cannot be disclosures dead-lettered, the other country's left to its
// own ledger, and the rest appended together with the position past the whole batch, in the
// store's one transaction. Whatever fails, the batch either reaches the ledger with its position
// or not at all, so it is read again: nothing lost, nothing twice.
import type { AvroCodec } from '@puente/contracts';
import type { DeadLetters, RecordBatch } from '@puente/bus';
import type { AppendResult, DisclosureInput, LedgerStore } from '@puente/ledger';
import type { Country } from '@puente/runtime';

import { decodeDisclosure } from './disclosure-input.js';

export interface AppendCounters {
  /** Records consumed, whatever became of them. */
  records: number;
  /** Disclosures of this country's data read. */
  disclosures: number;
  /** Disclosures of the other country's data passed over (its own audit service chains them). */
  otherCountry: number;
  /** Records set aside to the dead-letter topic. */
  deadLettered: number;
  /** Ledger entries appended. */
  entriesAppended: number;
  /** Disclosures already in the ledger, skipped. */
  duplicates: number;
}

export interface AppendBatchOptions {
  readonly codec: AvroCodec;
  readonly store: Pick<LedgerStore, 'append'>;
  readonly country: Country;
  readonly deadLetters: DeadLetters;
  readonly counters: AppendCounters;
}

/**
 * Appends one batch; resolves with the store's result. Rejects (nothing counted, nothing stored)
 * when a dead-letter write or the append fails: the caller tries the batch again.
 */
export async function appendBatch(batch: RecordBatch, options: AppendBatchOptions): Promise<AppendResult | undefined> {
  const last = batch.records.at(-1);
  if (!last) return undefined;
  const { codec, country, deadLetters } = options;
  const ours: DisclosureInput[] = [];
  let otherCountry = 0;
  let deadLettered = 0;
  for (const record of batch.records) {
    const disclosure = await deadLetters.guard(record, () => decodeDisclosure(codec, record.value));
    if (disclosure === undefined) deadLettered++;
    else if (disclosure.originCountry === country) ours.push(disclosure);
    else otherCountry++;
  }
  const next = (BigInt(last.offset) + 1n).toString();
  const result = await options.store.append(ours, [{ topic: batch.topic, partition: batch.partition, offset: next }]);
  const { counters } = options;
  counters.records += batch.records.length;
  counters.disclosures += ours.length;
  counters.otherCountry += otherCountry;
  counters.deadLettered += deadLettered;
  counters.entriesAppended += result.appended;
  counters.duplicates += result.duplicates;
  return result;
}
