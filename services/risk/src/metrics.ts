// The risk process's Prometheus metrics: the cargo, traveller-lane and pre-clearance services'
// stats as counters and gauges, the dead letters' own counter (one per process, shared by the
// three services and labelled with each), and the process's default metrics, all labelled with the country.
import { enumSymbols, type PortLane } from '@puente/contracts';
import type { Country } from '@puente/runtime';
import { createMetricsRegistry, registerStatsMetrics } from '@puente/runtime';

import type { PreClearanceService } from './pre-clearance/pre-clearance-service.js';
import type { RiskService } from './risk-service.js';
import type { TravellerRiskService } from './traveller-risk-service.js';

const LANES = ['EXPEDITED', 'STANDARD', 'SECONDARY_INSPECTION', 'HOLD'] as const;
const PORT_LANES: readonly PortLane[] = enumSymbols.PortLane;

export interface RiskProcessServices {
  readonly cargo: Pick<RiskService, 'stats' | 'deadLetters'>;
  readonly travellers: Pick<TravellerRiskService, 'stats' | 'deadLetters'>;
  readonly preClearance: Pick<PreClearanceService, 'stats' | 'deadLetters'>;
}

/** A registry (prefix `puente_risk_`) serving the services' figures. */
export function riskMetricsRegistry(
  services: RiskProcessServices,
  country: Country,
): ReturnType<typeof createMetricsRegistry> {
  const { cargo, travellers, preClearance } = services;
  const registry = createMetricsRegistry('puente_risk_');
  registry.setDefaultLabels({ country });
  // Records set aside to dlq.<topic>: one counter for the process (the metric name is shared), so
  // each service must be given the same one; a second counter would hide its dead letters.
  const counters = new Set([cargo, travellers, preClearance].map((s) => s.deadLetters.counter));
  if (counters.size > 1) {
    throw new Error('riskMetricsRegistry: the services must share one dead-letter counter (createDeadLetters counter)');
  }
  registry.registerMetric(cargo.deadLetters.counter);
  const figures = () => {
    const { published, alreadyAssessed, pendingManifests, pendingResults, lanes } = cargo.stats();
    return { published, alreadyAssessed, pendingManifests, pendingResults, ...lanes };
  };
  registerStatsMetrics(registry, figures, [
    { stat: 'published', name: 'puente_risk_assessments_total', help: 'Risk assessments of shipments published' },
    { stat: 'alreadyAssessed', name: 'puente_risk_already_assessed_total', help: 'Manifests found assessed before' },
    {
      stat: 'pendingManifests',
      name: 'puente_risk_pending_manifests',
      help: 'Manifests waiting for their screening results',
      kind: 'gauge',
    },
    {
      stat: 'pendingResults',
      name: 'puente_risk_pending_results',
      help: 'Screening results waiting for their manifest',
      kind: 'gauge',
    },
    ...LANES.map((lane) => ({
      stat: lane,
      name: `puente_risk_lane_${lane.toLowerCase()}_total`,
      help: `Shipment assessments that chose the ${lane} lane`,
    })),
  ]);
  const travellerFigures = () => {
    const { portLanes, ...rest } = travellers.stats();
    return { ...rest, ...portLanes };
  };
  registerStatsMetrics(registry, travellerFigures, [
    {
      stat: 'published',
      name: 'puente_risk_traveller_assessments_total',
      help: 'Risk assessments of traveller crossings published',
    },
    {
      stat: 'alreadyAssessed',
      name: 'puente_risk_traveller_already_assessed_total',
      help: 'Crossings found assessed before',
    },
    {
      stat: 'superseded',
      name: 'puente_risk_traveller_superseded_total',
      help: 'Traveller assessments superseded by a screening hit that came after the join gave up waiting',
    },
    {
      stat: 'pendingCrossings',
      name: 'puente_risk_traveller_pending_crossings',
      help: 'Crossings waiting for their screening result',
      kind: 'gauge',
    },
    {
      stat: 'pendingResults',
      name: 'puente_risk_traveller_pending_results',
      help: 'Traveller screening results waiting for their crossing',
      kind: 'gauge',
    },
    {
      stat: 'registryMemberships',
      name: 'puente_risk_trusted_traveller_memberships',
      help: 'Trusted-traveller memberships the registry has a status for',
      kind: 'gauge',
    },
    ...PORT_LANES.map((lane) => ({
      stat: lane,
      name: `puente_risk_traveller_lane_${lane.toLowerCase()}_total`,
      help: `Traveller crossings given the ${lane} port lane`,
    })),
  ]);
  registerStatsMetrics(registry, () => preClearance.stats(), [
    { stat: 'granted', name: 'puente_risk_pre_clearance_granted_total', help: 'FAST lane pre-clearances granted' },
    {
      stat: 'denied',
      name: 'puente_risk_pre_clearance_denied_total',
      help: 'FAST lane pre-clearances denied: the partner screening hit came first',
    },
    {
      stat: 'revoked',
      name: 'puente_risk_pre_clearance_revoked_total',
      help: 'FAST lane grants revoked on a partner screening hit',
    },
    {
      stat: 'withoutMembership',
      name: 'puente_risk_pre_clearance_without_membership_total',
      help: 'FAST assessments without the verified FAST-membership header, not granted',
    },
    {
      stat: 'grantsKnown',
      name: 'puente_risk_pre_clearance_grants',
      help: 'Grants known (read back at start or made since)',
      kind: 'gauge',
    },
  ]);
  return registry;
}
