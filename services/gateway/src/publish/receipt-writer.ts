// Writes publish receipts in the background: what Kafka acknowledged is queued (no await, no
// allocation beyond the entry) and written a few milliseconds later as one record, so the
// publish answer never waits on it. A failed write is logged and counted, never retried into a
// publisher's answer: the residual cost is that another instance may write a retried event twice.
import type { Bus } from '@puente/bus';
import type { Logger } from '@puente/runtime';

import { encodeReceipts, INSTANCE_HEADER, type Receipt } from './publish-receipts.js';

export interface ReceiptWriterOptions {
  readonly bus: Bus;
  readonly topic: string;
  /** Written in a header, so this instance reads past its own receipts without parsing them. */
  readonly instanceId: string;
  readonly logger: Logger;
  /** How long receipts gather before they are written together (ms). */
  readonly lingerMs?: number;
  /** Most receipts in one record, keeping it well below Kafka's 1 MB record limit. */
  readonly maxPerRecord?: number;
  /** Told the number of receipts written, or lost to a failed write. */
  readonly onWritten?: (count: number) => void;
  readonly onFailed?: (count: number) => void;
}

export interface ReceiptWriter {
  /** Queues receipts; returns at once. */
  record(receipts: readonly Receipt[]): void;
  /** Writes what is queued and resolves once every write started so far has landed or failed. */
  flush(): Promise<void>;
}

export function createReceiptWriter(options: ReceiptWriterOptions): ReceiptWriter {
  const { bus, topic, logger } = options;
  const lingerMs = options.lingerMs ?? 5;
  const maxPerRecord = options.maxPerRecord ?? 2_000;
  let pending: Receipt[] = [];
  let timer: NodeJS.Timeout | undefined;
  const writing = new Set<Promise<void>>();

  const write = (receipts: Receipt[]) => {
    const written = bus
      .publish(topic, [
        { key: null, value: encodeReceipts(receipts), headers: { [INSTANCE_HEADER]: options.instanceId } },
      ])
      .then(
        () => options.onWritten?.(receipts.length),
        (error: unknown) => {
          options.onFailed?.(receipts.length);
          logger.warn(
            { err: error, topic, receipts: receipts.length },
            'publish receipts could not be written: other gateway instances will not know these events (a retry there may write one twice)',
          );
        },
      )
      .finally(() => writing.delete(written));
    writing.add(written);
  };

  const writeQueued = () => {
    timer = undefined;
    const queued = pending;
    pending = [];
    for (let i = 0; i < queued.length; i += maxPerRecord) write(queued.slice(i, i + maxPerRecord));
  };

  return {
    record(receipts) {
      for (const receipt of receipts) pending.push(receipt);
      // Unref'd: a process with nothing else to do does not stay up for a receipt.
      if (timer === undefined && pending.length > 0) timer = setTimeout(writeQueued, lingerMs).unref();
    },
    async flush() {
      if (timer !== undefined) clearTimeout(timer);
      writeQueued();
      await Promise.all([...writing]);
    },
  };
}
