// The risk process's Prometheus metrics: its stats as counters and gauges, the dead letters' own
// counter, and the process's default metrics, all labelled with the country.
import type { Country } from '@puente/runtime';
import { createMetricsRegistry, registerStatsMetrics } from '@puente/runtime';

import type { RiskService } from './risk-service.js';

const LANES = ['EXPEDITED', 'STANDARD', 'SECONDARY_INSPECTION', 'HOLD'] as const;

/** A registry (prefix `puente_risk_`) serving the service's figures. */
export function riskMetricsRegistry(
  service: Pick<RiskService, 'stats' | 'deadLetters'>,
  country: Country,
): ReturnType<typeof createMetricsRegistry> {
  const registry = createMetricsRegistry('puente_risk_');
  registry.setDefaultLabels({ country });
  const figures = () => {
    const { published, alreadyAssessed, pendingManifests, pendingResults, lanes } = service.stats();
    return { published, alreadyAssessed, pendingManifests, pendingResults, ...lanes };
  };
  // Records set aside to dlq.<topic>: the dead letters' own counter, served with the rest.
  registry.registerMetric(service.deadLetters.counter);
  registerStatsMetrics(registry, figures, [
    { stat: 'published', name: 'puente_risk_assessments_total', help: 'Risk assessments published' },
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
      help: `Assessments that chose the ${lane} lane`,
    })),
  ]);
  return registry;
}
