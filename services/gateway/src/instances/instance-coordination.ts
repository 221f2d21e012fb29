// What makes several gateway instances on one Kafka behave as one: the dedupe window filled from
// every instance's publish receipts, and the agreements each serves compared. Built from the
// gateway's options; started before the server binds (publishes are answered from a full window)
// and stopped after it closed (the last receipts are written).
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';

import { GATEWAY_INSTANCES_TOPIC, PUBLISH_RECEIPTS_TOPIC, type Logger } from '@puente/runtime';

import type { GatewayLimits, GatewayOptions } from '../gateway-options.js';
import type { GatewayMetrics } from '../metrics.js';
import { DedupeWindow } from '../publish/dedupe-window.js';
import { createSharedReceipts, type SharedReceipts } from '../publish/shared-receipts.js';
import { createGatewayInstances, type GatewayInstances } from './gateway-instances.js';

/** Most eventIds remembered (the oldest go first), bounding memory under load. */
const DEDUPE_MAX_ENTRIES = 500_000;

export interface InstanceCoordination {
  readonly instanceId: string;
  /** The publisher's dedupe window, which receipts of every instance fill. */
  readonly dedupeWindow: DedupeWindow;
  readonly receipts: SharedReceipts;
  readonly instances: GatewayInstances;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What the coordination is built from (the gateway's wiring). */
export interface CoordinationWiring {
  readonly options: Pick<GatewayOptions, 'bus' | 'policies' | 'instanceId' | 'instanceTopics'>;
  readonly limits: Pick<GatewayLimits, 'dedupeWindowMs'>;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

export function createInstanceCoordination(wiring: CoordinationWiring): InstanceCoordination {
  const { options, limits, metrics, logger } = wiring;
  const instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const topics = options.instanceTopics ?? {
    publishReceipts: PUBLISH_RECEIPTS_TOPIC,
    gatewayInstances: GATEWAY_INSTANCES_TOPIC,
  };
  const dedupeWindow = new DedupeWindow(limits.dedupeWindowMs, DEDUPE_MAX_ENTRIES);
  const receipts = createSharedReceipts({
    bus: options.bus,
    topic: topics.publishReceipts,
    instanceId,
    window: dedupeWindow,
    windowMs: limits.dedupeWindowMs,
    logger,
    onWritten: (n) => metrics.receiptsWritten.inc(n),
    onWriteFailed: (n) => metrics.receiptsWriteFailed.inc(n),
    onApplied: (n) => metrics.receiptsApplied.inc(n),
    onSkipped: (n) => metrics.receiptsSkipped.inc(n),
  });
  const instances = createGatewayInstances({
    bus: options.bus,
    topic: topics.gatewayInstances,
    instanceId,
    policies: options.policies,
    logger,
    onMismatches: (n) => metrics.agreementMismatches.set(n),
  });
  return {
    instanceId,
    dedupeWindow,
    receipts,
    instances,
    async start() {
      await receipts.start();
      await instances.start();
    },
    async stop() {
      await instances.stop();
      await receipts.stop();
    },
  };
}
