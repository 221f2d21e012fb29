// Dedupe shared by every gateway instance on one Kafka: each instance writes receipts of what
// Kafka acknowledged to it and reads everyone's into its own dedupe window, before it serves
// publishes. The residual gap: a retry reaching another instance before the first one's receipt
// did (15-25 ms measured from the answer to the other window on a local broker) is written twice; the
// retry hint (BUS_RETRY_AFTER_MS, 2 s) is far longer.
import type { Bus } from '@puente/bus';
import type { Logger } from '@puente/runtime';

import { drainWithin } from '../gateway-server.js';
import type { DedupeWindow } from './dedupe-window.js';
import type { Receipt } from './publish-receipts.js';
import { createReceiptReader } from './receipt-reader.js';
import { createReceiptWriter } from './receipt-writer.js';

export interface SharedReceiptsOptions {
  readonly bus: Bus;
  readonly topic: string;
  /** This gateway instance (unique per process). */
  readonly instanceId: string;
  readonly window: DedupeWindow;
  readonly windowMs: number;
  readonly logger: Logger;
  readonly onWritten?: (count: number) => void;
  readonly onWriteFailed?: (count: number) => void;
  readonly onApplied?: (count: number) => void;
  readonly onSkipped?: (count: number) => void;
}

export interface SharedReceipts {
  /** Creates the topic when missing and reads it up to its end: publishes are served after this. */
  start(): Promise<void>;
  /** Writes the receipts still queued (waiting at most a few seconds: the broker may be down), then stops reading. */
  stop(): Promise<void>;
  /** Queues receipts of acknowledged events; returns at once. */
  record(receipts: readonly Receipt[]): void;
}

/**
 * How long receipts outlive the dedupe window: Kafka deletes whole segments, so segments roll
 * this often and the topic holds at most about window + 2 × this (plus the broker's retention
 * check interval) for a restarted instance to read.
 */
const MARGIN_MS = 60_000;

/** Longest a stopping gateway waits for its last receipts to be written. */
const STOP_WRITES_MS = 3_000;

export function createSharedReceipts(options: SharedReceiptsOptions): SharedReceipts {
  const { bus, topic, logger } = options;
  const writer = createReceiptWriter({
    bus,
    topic,
    instanceId: options.instanceId,
    logger,
    ...(options.onWritten ? { onWritten: options.onWritten } : {}),
    ...(options.onWriteFailed ? { onFailed: options.onWriteFailed } : {}),
  });
  const reader = createReceiptReader({
    bus,
    topic,
    instanceId: options.instanceId,
    window: options.window,
    windowMs: options.windowMs,
    logger,
    ...(options.onApplied ? { onApplied: options.onApplied } : {}),
    ...(options.onSkipped ? { onSkipped: options.onSkipped } : {}),
  });
  return {
    async start() {
      await bus.admin.ensureTopics([
        {
          topic,
          // One partition, replicated as the cursor topic is: receipts are coalesced, a few hundred records a second at most.
          partitions: 1,
          cleanupPolicy: 'delete',
          retentionMs: options.windowMs + MARGIN_MS,
          configs: { 'segment.ms': String(MARGIN_MS) },
        },
      ]);
      await reader.start();
    },
    async stop() {
      await drainWithin(writer.flush(), STOP_WRITES_MS);
      await reader.stop();
    },
    record: (receipts) => writer.record(receipts),
  };
}
