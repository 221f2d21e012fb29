// One consumed batch of manifests or crossings: screen each record (dead-lettering what cannot be screened),
// publish all results at once, and only then commit past the batch (at least once).
import type { Bus, BusRecord, DeadLetters, RecordBatch, Subscription } from '@puente/bus';
import type { Logger } from '@puente/runtime';

import type { RecordScreener, ScreeningCounters } from './screen-record.js';
import type { ListsInForce } from './screen-traveller.js';

export interface BatchHandlerOptions {
  readonly bus: Bus;
  readonly outputTopic: string;
  /** The lists in force, asked once per batch so a reload never splits one. */
  readonly lists: () => ListsInForce;
  readonly deadLetters: DeadLetters;
  readonly screenRecord: RecordScreener;
  readonly stats: ScreeningCounters;
  readonly logger: Logger;
  readonly now: () => number;
  /** The pending subscription; a batch that arrives while there is none is left alone. */
  readonly subscription: () => Promise<Subscription> | undefined;
}

async function screenBatch(batch: RecordBatch, options: BatchHandlerOptions): Promise<BusRecord[]> {
  const lists = options.lists();
  const at = options.now();
  const records: BusRecord[] = [];
  for (const record of batch.records) {
    // A manifest that cannot be screened is set aside; a failed dead-letter write fails the batch.
    const screened = await options.deadLetters.guard(record, () => options.screenRecord(record, lists, at));
    if (screened) records.push(...screened);
    else options.stats.skipped++;
  }
  return records;
}

// A failed publish throws: nothing is committed and the batch comes again (at least once).
async function publishResults(batch: RecordBatch, records: BusRecord[], options: BatchHandlerOptions): Promise<void> {
  if (records.length === 0) return;
  const { outputTopic } = options;
  try {
    await options.bus.publish(outputTopic, records);
  } catch (error) {
    options.logger.warn(
      { topic: batch.topic, partition: batch.partition, outputTopic, err: error },
      'publishing screening results failed; the batch will be redelivered',
    );
    throw error;
  }
}

export function createBatchHandler(options: BatchHandlerOptions): (batch: RecordBatch) => Promise<void> {
  return async (batch) => {
    const last = batch.records.at(-1);
    const pending = options.subscription();
    if (!last || !pending) return;
    const records = await screenBatch(batch, options);
    await publishResults(batch, records, options);
    const current = await pending;
    await current.commit([
      { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
    ]);
  };
}
