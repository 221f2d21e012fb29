// Bus helpers shared by the risk service's unit and integration tests.
import type { Bus } from '@puente/bus';
import type { AvroCodec, CargoManifest, RiskAssessment, ScreeningResult } from '@puente/contracts';

export async function ensureRiskTopics(bus: Bus, country: 'us' | 'mx', partitions = 3): Promise<void> {
  await bus.admin.ensureTopics([
    ...['cargo-manifests', 'screening-results', 'risk-assessments'].map((domain) => ({
      topic: `${country}.${domain}.v1`,
      partitions,
    })),
    // Where the service sets aside input it cannot assess.
    ...['cargo-manifests', 'screening-results'].map((domain) => ({
      topic: `dlq.${country}.${domain}.v1`,
      partitions: 1,
    })),
  ]);
}

export async function publishManifest(bus: Bus, codec: AvroCodec, manifest: CargoManifest): Promise<void> {
  const topic = `${manifest.meta.originCountry.toLowerCase()}.cargo-manifests.v1`;
  await bus.publish(topic, [{ key: manifest.manifestId, value: codec.encode(topic, manifest) }]);
}

/** As the screening service does: keyed by manifestId so a manifest's results stay in order. */
export async function publishResults(
  bus: Bus,
  codec: AvroCodec,
  manifest: CargoManifest,
  results: readonly ScreeningResult[],
): Promise<void> {
  const topic = `${manifest.meta.originCountry.toLowerCase()}.screening-results.v1`;
  await bus.publish(
    topic,
    results.map((result) => ({ key: manifest.manifestId, value: codec.encode(topic, result) })),
  );
}

export interface ReadAssessment {
  readonly key: string | null;
  readonly value: RiskAssessment;
}

/** Every record on an assessment topic now, read outside any group. */
export async function readAssessments(bus: Bus, codec: AvroCodec, topic: string): Promise<ReadAssessment[]> {
  let topics;
  for (let attempt = 0; ; attempt += 1) {
    try {
      topics = await bus.admin.listTopics();
      break;
    } catch (error) {
      // Fresh topics have no leader for a moment.
      if (attempt > 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const info = topics.find((t) => t.topic === topic);
  if (!info) throw new Error(`no topic ${topic}`);
  const wanted = info.partitions.filter((p) => BigInt(p.high) > BigInt(p.low));
  if (wanted.length === 0) return [];
  const remaining = new Map(wanted.map((p) => [p.partition, BigInt(p.high)]));
  const out: ReadAssessment[] = [];
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const reader = await bus.readFrom({
    topic,
    positions: wanted.map((p) => ({ partition: p.partition, offset: p.low })),
    handler: async (batch) => {
      for (const record of batch.records) {
        if (record.value)
          out.push({ key: record.key, value: codec.decode(record.value, { topic }).value as RiskAssessment });
        const target = remaining.get(batch.partition);
        if (target !== undefined && BigInt(record.offset) + 1n >= target) remaining.delete(batch.partition);
      }
      if (remaining.size === 0) finish();
    },
  });
  await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('read timed out')), 60_000))]);
  await reader.stop();
  return out;
}
