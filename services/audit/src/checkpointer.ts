// When to sign: after every `entries` counted entries, and every `ms` when entries were counted
// since the last checkpoint (or this process has not signed one yet and the ledger holds any).
// Counted are the entries the service reports: not the disclosures of the country's own
// checkpoints, which every delivered checkpoint adds, or the timer would sign forever. One
// checkpoint at a time; a failure to publish is logged and counted, and the next trigger tries
// again (the ledger itself never waits for a checkpoint).
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { CheckpointSigningKey, LedgerReader } from '@puente/ledger';
import { auditCheckpointTopic, type Country, type Logger } from '@puente/runtime';

import { checkpointRecord } from './checkpoint-record.js';

export interface CheckpointCadence {
  /** Sign once this many counted entries were appended since the last checkpoint. */
  readonly entries: number;
  /** Sign this often (milliseconds) when counted entries were appended since the last checkpoint. */
  readonly ms: number;
}

export interface CheckpointerOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly ledger: Pick<LedgerReader, 'head'>;
  readonly country: Country;
  readonly signingKey: CheckpointSigningKey;
  readonly every: CheckpointCadence;
  readonly logger: Logger;
  readonly now: () => number;
  /** Where to publish; `<country>.audit-checkpoints.v1` (whose schema it is written with) by default. */
  readonly topic?: string;
}

export interface CheckpointStats {
  readonly checkpointsPublished: number;
  readonly checkpointFailures: number;
  /** entryCount of the last checkpoint published by this process; 0 before the first. */
  readonly lastCheckpointEntry: number;
}

export interface Checkpointer {
  /** Starts the timer. */
  start(): void;
  /**
   * Tells it `count` entries were appended that a checkpoint must state (not disclosures of the
   * country's own checkpoints); signs when the count since the last checkpoint reaches `entries`.
   */
  appended(count: number): void;
  /** Signs now if the head moved since the last checkpoint; resolves when done (never rejects). */
  checkpoint(): Promise<void>;
  /** Stops the timer, waits for a checkpoint under way, then states the head one last time if it moved. */
  stop(): Promise<void>;
  stats(): CheckpointStats;
}

export function createCheckpointer(options: CheckpointerOptions): Checkpointer {
  const { bus, codec, ledger, country, signingKey, every, logger, now } = options;
  const schemaTopic = auditCheckpointTopic(country);
  const topic = options.topic ?? schemaTopic;
  // Counted entries appended by this process in all, and up to the read of the last checkpointed head.
  let appendedTotal = 0;
  let appendedAtLast = 0;
  let last: { entryCount: number; headHash: Buffer } | undefined;
  let running: Promise<void> = Promise.resolve();
  let queued = false;
  let timer: NodeJS.Timeout | undefined;
  const stats = { checkpointsPublished: 0, checkpointFailures: 0, lastCheckpointEntry: 0 };

  async function signAndPublish(): Promise<void> {
    const appendedBefore = appendedTotal;
    const head = await ledger.head();
    const { headHash } = head;
    if (headHash === null || head.entryCount === 0) return;
    if (last && last.entryCount === head.entryCount && last.headHash.equals(headHash)) {
      // Whatever was counted before this read is in the head the last checkpoint states.
      appendedAtLast = appendedBefore;
      return;
    }
    const record = checkpointRecord({
      country,
      head: { ...head, headHash },
      key: signingKey,
      signedAt: new Date(now()),
    });
    await bus.publish(topic, [{ key: record.checkpointId, value: codec.encode(schemaTopic, record) }]);
    last = { entryCount: head.entryCount, headHash };
    appendedAtLast = appendedBefore;
    stats.checkpointsPublished++;
    stats.lastCheckpointEntry = head.entryCount;
    logger.info(
      { topic, checkpointId: record.checkpointId, entryCount: head.entryCount, headHash: headHash.toString('hex') },
      'checkpoint published',
    );
  }

  async function attempt(): Promise<void> {
    try {
      await signAndPublish();
    } catch (error) {
      stats.checkpointFailures++;
      logger.warn({ err: error, topic }, 'checkpoint not published; the next one will try again');
    }
  }

  /** Queues one checkpoint behind the one under way; one queued is enough. */
  function schedule(): void {
    if (queued) return;
    queued = true;
    running = running.then(() => {
      queued = false;
      return attempt();
    });
  }

  /**
   * Whether the timer has anything to sign: counted entries since the last checkpoint, or none
   * signed yet by this process (what an earlier one chained may never have been stated).
   */
  const due = (): boolean => last === undefined || appendedTotal > appendedAtLast;

  return {
    start() {
      timer ??= setInterval(() => {
        if (due()) schedule();
      }, every.ms);
      timer.unref();
    },
    appended(count) {
      appendedTotal += count;
      if (appendedTotal - appendedAtLast >= every.entries) schedule();
    },
    checkpoint() {
      running = running.then(attempt);
      return running;
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      running = running.then(attempt);
      await running;
    },
    stats: () => ({ ...stats }),
  };
}
