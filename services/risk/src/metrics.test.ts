import { createDeadLetters, MemoryBus } from '@puente/bus';
import { describe, expect, it } from 'vitest';

import { riskMetricsRegistry } from './metrics.js';
import type { RiskServiceStats } from './risk-service.js';

describe('riskMetricsRegistry', () => {
  it('serves the stats, lanes and dead letters, labelled with the country', async () => {
    const stats: RiskServiceStats = {
      published: 7,
      alreadyAssessed: 2,
      pendingManifests: 3,
      pendingResults: 5,
      lanes: { EXPEDITED: 4, STANDARD: 1, SECONDARY_INSPECTION: 0, HOLD: 2 },
    };
    const deadLetters = createDeadLetters({ bus: new MemoryBus(), service: 'risk-mx' });
    deadLetters.counter.inc({ topic: 'mx.cargo-manifests.v1', service: 'risk-mx', reason_class: 'invalid' });
    const registry = riskMetricsRegistry({ stats: () => stats, deadLetters }, 'MX');
    const text = await registry.metrics();
    for (const line of [
      'puente_risk_assessments_total{country="MX"} 7',
      'puente_risk_already_assessed_total{country="MX"} 2',
      'puente_risk_pending_manifests{country="MX"} 3',
      'puente_risk_pending_results{country="MX"} 5',
      'puente_risk_lane_expedited_total{country="MX"} 4',
      'puente_risk_lane_standard_total{country="MX"} 1',
      'puente_risk_lane_secondary_inspection_total{country="MX"} 0',
      'puente_risk_lane_hold_total{country="MX"} 2',
      'puente_dead_lettered_total{topic="mx.cargo-manifests.v1",service="risk-mx",reason_class="invalid",country="MX"} 1',
    ])
      expect(text).toContain(line);
    expect(text).toContain('puente_risk_process_resident_memory_bytes{country="MX"}');
  });
});
