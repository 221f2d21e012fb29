// Helpers for the unit tests of the risk service's parts: the US context, assessments published
// as the service publishes them, records to feed a join buffer, and a bus whose calls a test can
// watch and make fail.
import { join } from 'node:path';

import type { Bus, ConsumedRecord, PublishResult, ReadFromOptions } from '@puente/bus';
import type { AvroCodec, CargoManifest, RiskAssessment, ScreeningOutcome } from '@puente/contracts';

import { assessmentRecord, buildAssessment, type AssessmentContext } from '../assessment-record.js';
import type { Position } from '../position.js';
import type { PartyRole } from '../risk-rules.js';
import { loadRiskRules } from '../risk-rules.js';
import { loadTrustedShippers } from '../trusted-shippers.js';
import { repoRoot, screeningResultsFor } from './fixtures.js';

export const US_CONTEXT: AssessmentContext = {
  country: 'US',
  rules: loadRiskRules(join(repoRoot, 'deploy/risk/us.yaml')),
  trustedShippers: loadTrustedShippers(join(repoRoot, 'deploy/trusted-shippers/us.yaml')),
  manifestTopic: 'us.cargo-manifests.v1',
};

/** The assessment the service would make of a manifest with all its results, at `at`. */
export function assessmentOf(
  manifest: CargoManifest,
  outcomes: Partial<Record<PartyRole, ScreeningOutcome>> = {},
  at = Date.now(),
): RiskAssessment {
  const results = screeningResultsFor(manifest, outcomes);
  return buildAssessment({ manifest, results, shipperHistory: 0, at }, US_CONTEXT);
}

/** Publishes assessments to the US output topic as the service does (`shipper` undefined: no shipper header). */
export async function publishAssessments(
  bus: Bus,
  codec: AvroCodec,
  assessments: readonly RiskAssessment[],
  shipper?: string,
): Promise<void> {
  const topic = 'us.risk-assessments.v1';
  await bus.publish(
    topic,
    assessments.map((assessment) => {
      const record = assessmentRecord(assessment, { value: codec.encode(topic, assessment), shipper: '' }, US_CONTEXT);
      const { 'puente-risk-shipper': _, ...headers } = record.headers ?? {};
      return { ...record, headers: shipper === undefined ? headers : { ...headers, 'puente-risk-shipper': shipper } };
    }),
  );
}

/** A consumed record at a position, as the bus would hand it over. */
export function consumedAt(
  p: Position,
  value: Buffer | null = Buffer.from('x'),
  key: string | null = null,
): ConsumedRecord {
  return { topic: p.topic, partition: p.partition, offset: String(p.offset), key, value, headers: {}, timestamp: 0 };
}

/** A bus that passes everything to `bus`, records each readFrom, and fails publishes as told. */
export interface WatchedBus extends Bus {
  readonly reads: ReadFromOptions[];
  readonly published: string[];
  /** What the next publish does: 'fail' rejects, 'land-then-fail' writes the records and rejects all the same. */
  nextPublish: 'pass' | 'fail' | 'land-then-fail';
}

export function watchedBus(bus: Bus): WatchedBus {
  const watched: WatchedBus = {
    kind: bus.kind,
    admin: bus.admin,
    reads: [],
    published: [],
    nextPublish: 'pass',
    start: () => bus.start(),
    stop: () => bus.stop(),
    subscribe: (options) => bus.subscribe(options),
    readFrom: (options) => {
      watched.reads.push(options);
      return bus.readFrom(options);
    },
    publish: async (topic, records): Promise<PublishResult[]> => {
      const mode = watched.nextPublish;
      watched.nextPublish = 'pass';
      if (mode === 'fail') throw new Error('publish failed');
      const written = await bus.publish(topic, records);
      watched.published.push(...records.map((r) => r.key ?? ''));
      if (mode === 'land-then-fail') throw new Error('publish timed out after it landed');
      return written;
    },
  };
  return watched;
}
