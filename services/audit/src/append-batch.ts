// One consumed batch of disclosures (one partition's records) into the ledger: each record
// decoded, the ones that cannot be disclosures dead-lettered, the other country's left to its
// own ledger, and the rest appended together with the position past the whole batch, in the
// store's one transaction. Whatever fails, the batch either reaches the ledger with its position
// or not at all, so it is read again: nothing lost, nothing twice. A disclosure the ledger
// refuses as invalid (a NUL in a text, a negative offset: valid Avro all the same) is found by
// appending the batch's disclosures one at a time, which the ledger's idempotence makes safe,
// and dead-lettered; the position is recorded after the rest. It reports how many of the entries
// it appended disclose something other than the country's own checkpoints, since only those call
// for a new checkpoint (a checkpoint delivered to the partner is disclosed too, and counting that
// disclosure would sign a checkpoint of it, and so on forever).
import type { ConsumedRecord, DeadLetters, RecordBatch } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import {
  type AppendResult,
  type ConsumedPosition,
  type DisclosureInput,
  LedgerError,
  type LedgerStore,
} from '@puente/ledger';
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
  /** The country's checkpoint topic: disclosures of its records are chained but not reported as news. */
  readonly checkpointTopic: string;
  readonly deadLetters: DeadLetters;
  readonly counters: AppendCounters;
}

export interface BatchAppended extends AppendResult {
  /**
   * Entries appended whose source topic is not the country's checkpoint topic: what a checkpoint
   * still has to state. Exact, except when a batch mixes both kinds and the ledger skipped some
   * as duplicates (it reports only how many): then an upper bound, which costs at most one
   * checkpoint more, never one less.
   */
  readonly appendedOfOtherTopics: number;
}

/**
 * Appends one batch; resolves with the store's result. Rejects (nothing counted, nothing stored)
 * when a dead-letter write or the append fails: the caller tries the batch again.
 */
export async function appendBatch(batch: RecordBatch, options: AppendBatchOptions): Promise<BatchAppended | undefined> {
  const last = batch.records.at(-1);
  if (!last) return undefined;
  const { codec, country, deadLetters } = options;
  const ours: Decoded[] = [];
  let otherCountry = 0;
  let deadLettered = 0;
  for (const record of batch.records) {
    const disclosure = await deadLetters.guard(record, () => decodeDisclosure(codec, record.value));
    if (disclosure === undefined) deadLettered++;
    else if (disclosure.originCountry === country) ours.push({ record, disclosure });
    else otherCountry++;
  }
  const positions = [{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }];
  let result: BatchAppended;
  try {
    const appended = await options.store.append(
      ours.map((d) => d.disclosure),
      positions,
    );
    const otherTopicEntries = ours.reduce(
      (sum, d) => sum + (d.disclosure.sourceTopic === options.checkpointTopic ? 0 : d.disclosure.events.length),
      0,
    );
    result = { ...appended, appendedOfOtherTopics: Math.min(appended.appended, otherTopicEntries) };
  } catch (error) {
    if (!(error instanceof LedgerError && error.code === 'INVALID_INPUT')) throw error;
    const separately = await appendOneByOne(ours, positions, options);
    result = separately.result;
    deadLettered += separately.refused;
  }
  const { counters } = options;
  counters.records += batch.records.length;
  counters.disclosures += ours.length;
  counters.otherCountry += otherCountry;
  counters.deadLettered += deadLettered;
  counters.entriesAppended += result.appended;
  counters.duplicates += result.duplicates;
  return result;
}

interface Decoded {
  readonly record: ConsumedRecord;
  readonly disclosure: DisclosureInput;
}

/**
 * Appends each disclosure on its own, dead-lettering those the ledger refuses as invalid, then
 * records the position. A crash half-way leaves some chained without the position: read again,
 * they are duplicates the ledger skips, so the chain is the same as without the crash.
 */
async function appendOneByOne(
  ours: readonly Decoded[],
  positions: readonly ConsumedPosition[],
  options: AppendBatchOptions,
): Promise<{ result: BatchAppended; refused: number }> {
  let appended = 0;
  let appendedOfOtherTopics = 0;
  let duplicates = 0;
  let refused = 0;
  for (const { record, disclosure } of ours) {
    try {
      const one = await options.store.append([disclosure], []);
      appended += one.appended;
      if (disclosure.sourceTopic !== options.checkpointTopic) appendedOfOtherTopics += one.appended;
      duplicates += one.duplicates;
    } catch (error) {
      if (!(error instanceof LedgerError && error.code === 'INVALID_INPUT')) throw error;
      await options.deadLetters.send(record, error);
      refused++;
    }
  }
  const final = await options.store.append([], positions);
  return { result: { ...final, appended, duplicates, appendedOfOtherTopics }, refused };
}
