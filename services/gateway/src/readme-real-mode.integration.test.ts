// README's "Running against a real Kafka" commands, run as written: on a broker of its own,
// fresh (no topic exists, as after `pnpm kafka:local` on a new data dir), the gateway command
// from README's code block is run through sh from the repository root, only the broker address
// changed. It must start, carry one event from a US publisher to an MX subscriber over gRPC,
// drain on SIGTERM, exit 0 (the whole command), and leave no reader consumer group behind.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { credentials, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import { startLocalKafka, type LocalKafka } from '@puente/kafka-local';
import {
  PayloadFormat,
  ShareServiceClient,
  StartPosition,
  type Delivery,
  type PublishResponse,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { friendlyToAvroJson } from '@puente/contracts/testing';
import { freePort, type ServiceProcess, startServiceProcess, waitFor } from '@puente/runtime/testing';
import { afterAll, describe, expect, it } from 'vitest';

import { readDevTokens } from './dev/dev-tokens.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const README_BROKER = '127.0.0.1:9092';

/** The README code block that starts the gateway, exactly as a reader would copy it. */
function readmeGatewayCommand(): string {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const found = blocks.filter((block) => block.includes('--filter @puente/gateway start'));
  if (found.length !== 1) throw new Error(`README has ${found.length} sh blocks starting the gateway, expected 1`);
  const block = (found[0] ?? '').replace(/^ {2}/gm, '');
  if (!block.includes(README_BROKER)) throw new Error(`README's gateway command no longer names ${README_BROKER}`);
  return block;
}

const tokens = readDevTokens();
const auth = (name: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};

describe("README's real-mode gateway command", () => {
  let broker: LocalKafka | undefined;
  let gateway: ServiceProcess | undefined;
  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    await broker?.stop({ removeDataDir: true });
  });

  it('starts on a fresh broker, carries an event, drains on SIGTERM and exits 0', async () => {
    const command = readmeGatewayCommand();
    broker = await startLocalKafka();
    const brokers = broker.brokers.join(',');
    const bus = new KafkaBus({ brokers: broker.brokers, clientId: 'readme-test' });
    await bus.start();
    expect(await bus.admin.listTopics()).toEqual([]);

    // Ports of the test's choosing, so a developer's own gateway on 50051/9464 does not collide;
    // README's command sets neither, so these come from the environment it runs in.
    const port = await freePort();
    const metricsPort = await freePort();
    gateway = await startServiceProcess({
      command: 'sh',
      args: ['-c', command.replaceAll(README_BROKER, brokers)],
      cwd: root,
      env: { PUENTE_GATEWAY_ADDRESS: `127.0.0.1:${port}`, PUENTE_METRICS_PORT: String(metricsPort) },
      ready: 'gateway ready',
      timeoutMs: 180_000,
    });

    const client = new ShareServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const call: ClientDuplexStream<SubscribeRequest, SubscribeResponse> = client.subscribe(
      auth('dev-mx-anam-subscriber'),
    );
    const deliveries: Delivery[] = [];
    let started = false;
    call.on('data', (message: SubscribeResponse) => {
      if (message.kind?.$case === 'deliveries') deliveries.push(...message.kind.value.deliveries);
      else if (message.kind?.$case === 'started') started = true;
    });
    call.on('error', () => undefined);
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: `readme-${randomUUID().slice(0, 8)}`,
          feeds: ['us-to-mx/us.cargo-manifests.v1'],
          payloadFormat: PayloadFormat.AVRO_JSON,
          startPosition: StartPosition.LATEST,
          maxUnacked: 10,
          maxBatchSize: 10,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    await waitFor(() => started, 30_000, 'the subscription to start');

    const value = JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8'))
      .value as { meta: { eventId: string } };
    value.meta.eventId = randomUUID();
    const response = await new Promise<PublishResponse>((resolve, reject) =>
      client.publish(
        {
          topic: 'us.cargo-manifests.v1',
          key: '',
          payloadFormat: PayloadFormat.AVRO_JSON,
          payload: Buffer.from(JSON.stringify(friendlyToAvroJson(createCodec(), 'us.cargo-manifests.v1', value))),
          schemaId: 0,
        },
        auth('dev-us-cbp-publisher'),
        (error, result) => (error ? reject(error) : resolve(result)),
      ),
    );
    expect(response.eventId).toBe(value.meta.eventId);
    await waitFor(() => deliveries.some((d) => d.eventId === value.meta.eventId), 30_000, 'the delivery');

    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(await metrics.text()).toContain('puente_published_total{topic="us.cargo-manifests.v1"} 1');

    call.end();
    client.close();
    // SIGTERM to the gateway itself (the pid it logs when ready), as a supervisor does: npx and
    // pnpm do not pass it on. It drains, and the command as typed exits 0 with it.
    const pid = Number(/"pid":(\d+),[^\n]*"msg":"gateway ready"/.exec(gateway.output())?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).toContain('gateway stopped');

    // Its readers' consumer groups went with it.
    expect(await bus.listReaderGroups()).toEqual([]);
    await bus.stop();
  });
});
