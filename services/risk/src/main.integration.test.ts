// The risk process serves its own Prometheus metrics: started as README says (its package's
// start script) on real Kafka, GET /metrics over a real socket answers with its figures.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { freePort, type ServiceProcess, startServiceProcess } from '@puente/runtime/testing';
import { afterAll, describe, expect, it } from 'vitest';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

describe('the risk process', () => {
  let running: ServiceProcess | undefined;
  afterAll(async () => {
    await running?.stop('SIGKILL');
  });

  it('serves its metrics on PUENTE_METRICS_PORT', async () => {
    // The topics it reads and writes; in a deployment the gateway or screening creates them.
    const bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'risk-metrics-test' });
    await bus.start();
    await bus.admin.ensureTopics(
      [
        'us.cargo-manifests.v1',
        'us.screening-results.v1',
        'us.risk-assessments.v1',
        'us.traveller-crossings.v1',
        'us.trusted-travellers.v1',
        // The process also runs the pre-clearance service, which writes its decisions here.
        'us.pre-clearance-decisions.v1',
      ].map((topic) => ({
        topic,
        partitions: 3,
      })),
    );
    await bus.stop();
    const port = await freePort();
    running = await startServiceProcess({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/main.ts'],
      cwd: repo('services/risk'),
      env: {
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        PUENTE_COUNTRY: 'US',
        PUENTE_RISK_GROUP_ID: `risk-metrics-${randomUUID().slice(0, 8)}`,
        PUENTE_METRICS_PORT: String(port),
      },
      ready: 'risk service ready',
    });
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const name of [
      'puente_risk_assessments_total{country="US"}',
      'puente_risk_pending_manifests{country="US"}',
      'puente_risk_lane_hold_total{country="US"}',
      'puente_risk_traveller_lane_trusted_traveller_total{country="US"}',
      'puente_risk_pre_clearance_revoked_total{country="US"}',
      'puente_risk_process_resident_memory_bytes{country="US"}',
    ])
      expect(text).toContain(name);
    expect(await running.stop('SIGTERM')).toBe(0);
    running = undefined;
  });

  it('creates the topics it reads and writes when PUENTE_ENSURE_TOPICS_PARTITIONS is set (development)', async () => {
    running = await startServiceProcess({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/main.ts'],
      cwd: repo('services/risk'),
      env: {
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        PUENTE_COUNTRY: 'MX',
        PUENTE_RISK_GROUP_ID: `risk-ensure-${randomUUID().slice(0, 8)}`,
        PUENTE_METRICS_PORT: '0',
        PUENTE_ENSURE_TOPICS_PARTITIONS: '2',
      },
      ready: 'risk service ready',
    });
    const bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'risk-ensure-test' });
    await bus.start();
    const topics = new Set((await bus.admin.listTopics()).map((t) => t.topic));
    await bus.stop();
    for (const topic of ['mx.traveller-crossings.v1', 'mx.trusted-travellers.v1', 'mx.pre-clearance-decisions.v1'])
      expect(topics.has(topic), topic).toBe(true);
    expect(await running.stop('SIGTERM')).toBe(0);
    running = undefined;
  });
});
