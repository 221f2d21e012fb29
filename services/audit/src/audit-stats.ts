// The audit service's running figures: what its metrics serve and its tests read.
import type { AppendCounters } from './append-batch.js';
import type { CheckpointStats } from './checkpointer.js';

export interface AuditStats extends AppendCounters, CheckpointStats {
  /** Attempts at a batch that failed (ledger or dead-letter write) and were tried again. */
  appendFailures: number;
  /** Disclosure records not yet read, over all partitions, as of each partition's last batch. */
  lag: number;
}
