import { createDeadLetterCounter } from '@puente/bus';
import { createMetricsRegistry } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import type { AuditStats } from './audit-stats.js';
import { registerAuditMetrics } from './metrics.js';

describe('the audit metrics', () => {
  it('serve the service’s figures, and its dead letters', async () => {
    const registry = createMetricsRegistry('puente_audit_');
    registry.setDefaultLabels({ country: 'MX' });
    const stats: AuditStats = {
      records: 12,
      disclosures: 9,
      otherCountry: 2,
      deadLettered: 1,
      entriesAppended: 31,
      duplicates: 4,
      checkpointsPublished: 3,
      checkpointFailures: 0,
      lastCheckpointEntry: 30,
      appendFailures: 2,
      lag: 17,
    };
    const counter = createDeadLetterCounter(createMetricsRegistry('other_'));
    counter.inc({ topic: 'audit.disclosures.v1', service: 'audit-mx', reason_class: 'undecodable' });
    registerAuditMetrics(registry, { stats: () => stats, deadLetters: { counter } });
    const text = await registry.metrics();
    for (const line of [
      'puente_audit_entries_appended_total{country="MX"} 31',
      'puente_audit_duplicates_total{country="MX"} 4',
      'puente_audit_checkpoints_published_total{country="MX"} 3',
      'puente_audit_dead_lettered_total{country="MX"} 1',
      'puente_audit_lag_records{country="MX"} 17',
      'puente_audit_append_failures_total{country="MX"} 2',
      'puente_dead_lettered_total{topic="audit.disclosures.v1",service="audit-mx",reason_class="undecodable",country="MX"} 1',
    ])
      expect(text).toContain(line);
  });
});
