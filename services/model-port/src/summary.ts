// The model port's printed text: the banner once started, and the periodic summary of the
// gateway's counters, the lanes assigned to shipments and travellers, and revoked pre-clearances.
import { DEV_TOKENS_FILE } from '@puente/gateway/dev';

import { laneText, revokedText, travellerLaneText, type LaneCounts } from './lanes.js';

export interface BannerFacts {
  readonly gatewayPort: number;
  readonly metricsPort: number;
  /** The development agreements in force. */
  readonly agreements: readonly { readonly id: string; readonly version: number }[];
  readonly ratePerSecond: number;
  readonly seed: number;
}

export function bannerText(facts: BannerFacts): string {
  return `Puente model port — embedded (MemoryBus, no Kafka needed)
  gateway    127.0.0.1:${facts.gatewayPort} (gRPC: puente.v1.ShareService; health and reflection on)
  metrics    http://127.0.0.1:${facts.metricsPort}/metrics
  tokens     ${DEV_TOKENS_FILE} (development fixture; send as "authorization: Bearer <token>")
  agreements ${facts.agreements.map((a) => `${a.id} v${a.version}`).join(', ')}
  ledgers    US and MX in embedded PGlite (in memory); checkpoints signed with development keys (puente.v1.OperatorService: VerifyLedger, WhoReceived, ListDisclosures)
Synthetic agencies publish about ${facts.ratePerSecond} events/s (seed ${facts.seed}); partners print what their agreement lets them see. Ctrl-C stops.
`;
}

/** A metric as prom-client's `getMetricsAsJSON()` returns it, as far as the summary reads it. */
export interface MetricJson {
  readonly name: string;
  readonly values: readonly { readonly value: number }[];
}

/** The summary line: each counter summed over its labels, then cargo lanes, traveller lanes and revoked pre-clearances. */
export function summaryLine(metrics: readonly MetricJson[], lanes: LaneCounts): string {
  const count = (name: string) =>
    metrics.find((m) => m.name === name)?.values.reduce((sum, v) => sum + Number(v.value), 0) ?? 0;
  return `— summary: ${count('puente_published_total')} published by agencies, ${count('puente_delivered_total')} shared across the border, ${count('puente_withheld_total')} withheld by policy, ${count('puente_acked_total')} acknowledged; lanes: ${laneText(lanes)}; travellers: ${travellerLaneText(lanes)}; pre-clearances revoked: ${revokedText(lanes)} —`;
}
