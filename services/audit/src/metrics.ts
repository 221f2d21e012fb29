// The audit process's Prometheus metrics: its figures as counters and gauges (prefix
// `puente_audit_`), beside the dead letters' own counter.
import type { DeadLetters } from '@puente/bus';
import { registerStatsMetrics, type createMetricsRegistry } from '@puente/runtime';

import type { AuditStats } from './audit-stats.js';

export function registerAuditMetrics(
  registry: ReturnType<typeof createMetricsRegistry>,
  service: { stats(): AuditStats; readonly deadLetters: Pick<DeadLetters, 'counter'> },
): void {
  registry.registerMetric(service.deadLetters.counter);
  registerStatsMetrics(registry, () => service.stats(), [
    { stat: 'records', name: 'puente_audit_records_total', help: 'Disclosure records consumed' },
    { stat: 'entriesAppended', name: 'puente_audit_entries_appended_total', help: 'Ledger entries appended' },
    {
      stat: 'duplicates',
      name: 'puente_audit_duplicates_total',
      help: 'Disclosures read again that the ledger already held (skipped)',
    },
    {
      stat: 'otherCountry',
      name: 'puente_audit_other_country_total',
      help: "Disclosures of the other country's data, left to its audit service",
    },
    {
      stat: 'deadLettered',
      name: 'puente_audit_dead_lettered_total',
      help: 'Records set aside to the dead-letter topic',
    },
    {
      stat: 'checkpointsPublished',
      name: 'puente_audit_checkpoints_published_total',
      help: 'Signed checkpoints published',
    },
    { stat: 'checkpointFailures', name: 'puente_audit_checkpoint_failures_total', help: 'Checkpoints not published' },
    {
      stat: 'appendFailures',
      name: 'puente_audit_append_failures_total',
      help: 'Batch attempts that failed and were retried',
    },
    {
      stat: 'lag',
      name: 'puente_audit_lag_records',
      help: 'Disclosure records not yet chained, as of each partition’s last batch',
      kind: 'gauge',
    },
    {
      stat: 'lastCheckpointEntry',
      name: 'puente_audit_last_checkpoint_entry',
      help: 'Entry count stated by the last checkpoint this process published',
      kind: 'gauge',
    },
  ]);
}
