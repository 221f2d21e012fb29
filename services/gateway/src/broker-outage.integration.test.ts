// Kafka stops while agencies publish: callers hear UNAVAILABLE with a retry hint within about a
// second instead of hanging; when Kafka returns, publishing resumes, and every event that was
// acknowledged to a publisher is on the topic. Runs its own broker (deploy/kafka-local) so it can
// stop and restart it.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { startLocalKafka, type LocalKafka } from '@puente/kafka-local';
import {
  fromRpcStatus,
  PayloadFormat,
  rpcStatusFromError,
  type ShareServiceClient,
  type PublishResponse,
} from '@puente/proto';
import { type ConsumedRecord, KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, describe, expect, it } from 'vitest';

import { startTestGateway, type TestGateway } from './testing/index.js';
import { readDevTokens } from './dev/dev-tokens.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';

describe('a Kafka outage while publishing', () => {
  let broker: LocalKafka | undefined;
  let bus: KafkaBus | undefined;
  let gateway: TestGateway | undefined;
  let client: ShareServiceClient | undefined;

  afterAll(async () => {
    client?.close();
    await gateway?.stop(1_000);
    await bus?.stop();
    await broker?.stop({ removeDataDir: true });
  });

  it('answers UNAVAILABLE fast, resumes after the restart, and keeps every acknowledged event', async () => {
    broker = await startLocalKafka();
    const codec = createCodec();
    bus = new KafkaBus({ brokers: broker.brokers, clientId: 'outage-test', retries: 2, connectionTimeoutMs: 500 });
    await bus.start();
    gateway = await startTestGateway({
      bus,
      codec,
      partitions: 1,
      limits: { publishTimeoutMs: 1_000 },
    });
    client = gateway.client;
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${readDevTokens().get('dev-us-cbp-publisher') ?? ''}`);
    const example = JSON.parse(
      readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8'),
    ).value;
    const acknowledged: string[] = [];
    const publishOne = () =>
      new Promise<PublishResponse>((resolve, reject) => {
        const value = structuredClone(example);
        value.meta.eventId = randomUUID();
        client!.publish(
          {
            topic: TOPIC,
            key: '',
            payloadFormat: PayloadFormat.AVRO_JSON,
            payload: Buffer.from(JSON.stringify(codec.toAvroJson(TOPIC, codec.fromFriendlyJson(TOPIC, value)))),
            schemaId: 0,
          },
          metadata,
          { deadline: Date.now() + 30_000 },
          (error, response) => {
            if (error) return reject(error);
            acknowledged.push(response.eventId);
            resolve(response);
          },
        );
      });

    for (let i = 0; i < 20; i++) await publishOne();

    await broker.stop();
    const outcomes: { ms: number; code: number; retry: boolean }[] = [];
    for (let i = 0; i < 12; i++) {
      const started = Date.now();
      const error = (await publishOne().then(
        () => undefined,
        (e: unknown) => e,
      )) as ServiceError | undefined;
      const rpc = error ? rpcStatusFromError(error) : undefined;
      outcomes.push({
        ms: Date.now() - started,
        code: error?.code ?? status.OK,
        retry: rpc ? fromRpcStatus(rpc).retryInfo !== undefined : false,
      });
    }
    expect(outcomes.map((o) => o.code)).toEqual(Array(12).fill(status.UNAVAILABLE));
    expect(outcomes.every((o) => o.retry)).toBe(true);
    // No call hangs: each is answered within about the produce timeout (1 s)…
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(1_500);
    // …and once the outage fills the breaker's window, refusal is immediate.
    expect(outcomes.slice(-3).every((o) => o.ms < 100)).toBe(true);
    // The open breaker is what operators see, and the refusals are counted by reason.
    expect((await gateway.gateway.metrics.breakerOpen.get()).values[0]?.value).toBe(1);
    const rejected = (await gateway.gateway.metrics.publishRejected.get()).values;
    expect(rejected.reduce((sum, v) => sum + v.value, 0)).toBe(12);
    expect(rejected.every((v) => /^[A-Z_]+$/.test(String(v.labels['reason'])))).toBe(true);

    broker = await startLocalKafka({
      port: broker.port,
      controllerPort: broker.controllerPort,
      dataDir: broker.dataDir,
    });
    await waitFor(
      () =>
        publishOne().then(
          () => true,
          () => false,
        ),
      90_000,
      'publishing to resume',
    );
    for (let i = 0; i < 20; i++) await publishOne();

    // Every event a publisher was told about is on the topic.
    const onTopic = new Set<string>();
    const info = (await bus.admin.listTopics()).find((t) => t.topic === TOPIC);
    const high = Number(info?.partitions[0]?.high ?? 0);
    const seen: ConsumedRecord[] = [];
    const reader = await bus.readFrom({
      topic: TOPIC,
      positions: [{ partition: 0, offset: '0' }],
      handler: async (batch) => {
        seen.push(...batch.records);
      },
    });
    await waitFor(() => seen.length >= high, 30_000, 'the topic to be read back');
    await reader.stop();
    for (const record of seen) {
      const value = codec.decode(record.value!, { topic: TOPIC }).value as { meta: { eventId: string } };
      onTopic.add(value.meta.eventId);
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(41);
    expect(acknowledged.filter((id) => !onTopic.has(id))).toEqual([]);
  });
});
