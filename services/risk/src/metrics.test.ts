import { createDeadLetters, MemoryBus } from '@puente/bus';
import { describe, expect, it } from 'vitest';

import { riskMetricsRegistry } from './metrics.js';
import type { PreClearanceStats } from './pre-clearance/pre-clearance-service.js';
import type { RiskServiceStats } from './risk-service.js';
import type { TravellerRiskServiceStats } from './traveller-risk-service.js';

const cargoStats: RiskServiceStats = {
  published: 7,
  alreadyAssessed: 2,
  pendingManifests: 3,
  pendingResults: 5,
  lanes: { EXPEDITED: 4, STANDARD: 1, SECONDARY_INSPECTION: 0, HOLD: 2 },
};
const travellerStats: TravellerRiskServiceStats = {
  published: 11,
  alreadyAssessed: 1,
  pendingCrossings: 2,
  pendingResults: 0,
  registryMemberships: 40,
  superseded: 1,
  portLanes: { TRUSTED_TRAVELLER: 6, READY_LANE: 3, FAST: 0, GENERAL: 1, SECONDARY_INSPECTION: 1, OTHER: 0 },
};
const preClearanceStats: PreClearanceStats = {
  granted: 9,
  denied: 1,
  revoked: 2,
  withoutMembership: 1,
  grantsKnown: 8,
};

function servicesSharing(bus: MemoryBus) {
  const cargo = createDeadLetters({ bus, service: 'risk-mx' });
  const { counter } = cargo;
  return {
    cargo: { stats: () => cargoStats, deadLetters: cargo },
    travellers: {
      stats: () => travellerStats,
      deadLetters: createDeadLetters({ bus, service: 'risk-travellers-mx', counter }),
    },
    preClearance: {
      stats: () => preClearanceStats,
      deadLetters: createDeadLetters({ bus, service: 'pre-clearance-mx', counter }),
    },
  };
}

describe('riskMetricsRegistry', () => {
  it("serves cargo, traveller-lane and pre-clearance figures and every service's dead letters, labelled with the country", async () => {
    const services = servicesSharing(new MemoryBus());
    services.cargo.deadLetters.counter.inc({
      topic: 'mx.cargo-manifests.v1',
      service: 'risk-mx',
      reason_class: 'invalid',
    });
    services.travellers.deadLetters.counter.inc({
      topic: 'mx.traveller-crossings.v1',
      service: 'risk-travellers-mx',
      reason_class: 'undecodable',
    });
    services.preClearance.deadLetters.counter.inc({
      topic: 'mx.risk-assessments.v1',
      service: 'pre-clearance-mx',
      reason_class: 'unevaluable',
    });
    const text = await riskMetricsRegistry(services, 'MX').metrics();
    for (const line of [
      'puente_risk_assessments_total{country="MX"} 7',
      'puente_risk_already_assessed_total{country="MX"} 2',
      'puente_risk_pending_manifests{country="MX"} 3',
      'puente_risk_pending_results{country="MX"} 5',
      'puente_risk_lane_expedited_total{country="MX"} 4',
      'puente_risk_lane_standard_total{country="MX"} 1',
      'puente_risk_lane_secondary_inspection_total{country="MX"} 0',
      'puente_risk_lane_hold_total{country="MX"} 2',
      'puente_risk_traveller_assessments_total{country="MX"} 11',
      'puente_risk_traveller_already_assessed_total{country="MX"} 1',
      'puente_risk_traveller_superseded_total{country="MX"} 1',
      'puente_risk_traveller_pending_crossings{country="MX"} 2',
      'puente_risk_traveller_pending_results{country="MX"} 0',
      'puente_risk_trusted_traveller_memberships{country="MX"} 40',
      'puente_risk_traveller_lane_trusted_traveller_total{country="MX"} 6',
      'puente_risk_traveller_lane_ready_lane_total{country="MX"} 3',
      'puente_risk_traveller_lane_general_total{country="MX"} 1',
      'puente_risk_traveller_lane_secondary_inspection_total{country="MX"} 1',
      'puente_risk_pre_clearance_granted_total{country="MX"} 9',
      'puente_risk_pre_clearance_denied_total{country="MX"} 1',
      'puente_risk_pre_clearance_revoked_total{country="MX"} 2',
      'puente_risk_pre_clearance_without_membership_total{country="MX"} 1',
      'puente_risk_pre_clearance_grants{country="MX"} 8',
      'puente_dead_lettered_total{topic="mx.cargo-manifests.v1",service="risk-mx",reason_class="invalid",country="MX"} 1',
      'puente_dead_lettered_total{topic="mx.traveller-crossings.v1",service="risk-travellers-mx",reason_class="undecodable",country="MX"} 1',
      'puente_dead_lettered_total{topic="mx.risk-assessments.v1",service="pre-clearance-mx",reason_class="unevaluable",country="MX"} 1',
    ])
      expect(text).toContain(line);
    expect(text).toContain('puente_risk_process_resident_memory_bytes{country="MX"}');
  });

  it('refuses services with their own dead-letter counters, whose dead letters it could not serve', () => {
    const bus = new MemoryBus();
    const services = servicesSharing(bus);
    const own = { ...services.preClearance, deadLetters: createDeadLetters({ bus, service: 'pre-clearance-mx' }) };
    expect(() => riskMetricsRegistry({ ...services, preClearance: own }, 'MX')).toThrow(
      /share one dead-letter counter/,
    );
  });
});
