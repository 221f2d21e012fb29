// The gateway as a real process on a real Kafka: killed with SIGKILL mid-subscription and started
// again, a partner loses no unacknowledged record and gets no acknowledged one twice; SIGTERM
// drains and exits cleanly. With SCHEMA_REGISTRY_URL it pushes the catalog, with its ids, to a
// Confluent-compatible registry before it serves, and does not start over conflicting ids.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { credentials, Metadata, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  PayloadFormat,
  ShareServiceClient,
  StartPosition,
  type Delivery,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { createCodec } from '@puente/contracts';
import { ConfluentRegistryDouble } from '@puente/contracts/testing';
import { freePort, type ServiceProcess, waitFor } from '@puente/runtime/testing';
import { afterAll, describe, expect, it } from 'vitest';

import { readDevTokens } from './dev/dev-tokens.js';
import {
  GATEWAY_PROCESS_ARGS,
  GATEWAY_PROCESS_DIR,
  startGatewayProcess,
  testGatewayEnv,
} from './testing/gateway-process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const codec = createCodec();
const tokens = readDevTokens();

interface Running {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<number | null>;
}

async function startGateway(port: number): Promise<Running> {
  const child = spawn(process.execPath, GATEWAY_PROCESS_ARGS, {
    cwd: GATEWAY_PROCESS_DIR,
    env: { PATH: process.env['PATH'], ...testGatewayEnv(port, { PUENTE_SHUTDOWN_GRACE_MS: '3000' }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(
    () => output.join('').includes('gateway ready') || child.exitCode !== null,
    90_000,
    'the gateway to start',
  );
  if (child.exitCode !== null) throw new Error(`gateway exited: ${output.join('')}`);
  return { child, output, exited };
}

const auth = (name: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};

function manifest(manifestId: string) {
  const value = JSON.parse(
    readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8'),
  ).value;
  value.meta.eventId = randomUUID();
  value.manifestId = manifestId;
  return value as { meta: { eventId: string } };
}

function subscribe(client: ShareServiceClient, name: string) {
  const call: ClientDuplexStream<SubscribeRequest, SubscribeResponse> = client.subscribe(
    auth('dev-mx-anam-subscriber'),
  );
  const deliveries: Delivery[] = [];
  const committed: string[] = [];
  let started = false;
  call.on('data', (message: SubscribeResponse) => {
    if (message.kind?.$case === 'deliveries') deliveries.push(...message.kind.value.deliveries);
    else if (message.kind?.$case === 'committed') committed.push(...message.kind.value.cursors);
    else if (message.kind?.$case === 'started') started = true;
  });
  call.on('error', () => undefined);
  call.write({
    kind: {
      $case: 'start',
      value: {
        subscription: name,
        feeds: ['us-to-mx/us.cargo-manifests.v1'],
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        startPosition: StartPosition.LATEST,
        maxUnacked: 100,
        maxBatchSize: 10,
        purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
      },
    },
  });
  return { call, deliveries, committed, started: () => started };
}

describe('the gateway process', () => {
  const running: Running[] = [];
  afterAll(() => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  });

  it('survives SIGKILL: a partner resumes with no acknowledged record again and no unacknowledged one lost', async () => {
    const port = await freePort();
    const first = await startGateway(port);
    running.push(first);
    const client = new ShareServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const name = `killed-${randomUUID().slice(0, 8)}`;
    const before = subscribe(client, name);
    await waitFor(before.started, 30_000, 'the subscription to start');
    const key = `KILL-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const value = manifest(key);
      ids.push(value.meta.eventId);
      await new Promise<void>((resolve, reject) =>
        client.publish(
          {
            topic: 'us.cargo-manifests.v1',
            key: '',
            payloadFormat: PayloadFormat.AVRO_JSON,
            payload: Buffer.from(
              JSON.stringify(
                codec.toAvroJson('us.cargo-manifests.v1', codec.fromFriendlyJson('us.cargo-manifests.v1', value)),
              ),
            ),
            schemaId: 0,
          },
          auth('dev-us-cbp-publisher'),
          (error) => (error ? reject(error) : resolve()),
        ),
      );
    }
    await waitFor(() => ids.every((id) => before.deliveries.some((d) => d.eventId === id)), 30_000, 'ten deliveries');
    const fourth = before.deliveries.find((d) => d.eventId === ids[3]);
    before.call.write({ kind: { $case: 'ack', value: { cursors: [fourth!.cursor] } } });
    await waitFor(() => before.committed.includes(fourth!.cursor), 20_000, 'the acknowledgement to be durable');

    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    client.close();

    const second = await startGateway(port);
    running.push(second);
    const again = new ShareServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const after = subscribe(again, name);
    await waitFor(
      () => ids.slice(4).every((id) => after.deliveries.some((d) => d.eventId === id)),
      60_000,
      'the unacknowledged six',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(after.deliveries.filter((d) => ids.includes(d.eventId)).map((d) => d.eventId)).toEqual(ids.slice(4));
    after.call.end();
    again.close();

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output.join('')).toContain('gateway stopped');
  });
});

// The registry here is a test double of the Confluent Schema Registry's REST contract (no
// Confluent registry can run on this machine): a real HTTP server on a real socket, see
// services/sdk/contracts/src/testing/confluent-registry-double.ts.
describe('the gateway process with SCHEMA_REGISTRY_URL', () => {
  const catalog = createCodec().catalog.data;
  const registries: ConfluentRegistryDouble[] = [];
  const processes: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await Promise.all(registries.map((r) => r.stop()));
  });
  const registry = async () => {
    const started = await new ConfluentRegistryDouble().start();
    registries.push(started);
    return started;
  };
  const gateway = async (registryUrl: string) => {
    const port = await freePort();
    return startGatewayProcess(port, { SCHEMA_REGISTRY_URL: registryUrl });
  };

  it('pushes every catalog subject version with the catalog’s id before it serves', async () => {
    const double = await registry();
    const running = await gateway(double.url);
    processes.push(running);
    expect(Object.keys(catalog.subjects).length).toBeGreaterThan(0);
    for (const [subject, { versions }] of Object.entries(catalog.subjects)) {
      expect(double.subjects.get(subject)).toEqual(versions.map(({ version, id }) => ({ version, id })));
    }
    for (const [id, { schema }] of Object.entries(catalog.schemas)) expect(double.schemas.get(Number(id))).toBe(schema);
    const output = running.output();
    expect(output.indexOf('catalog in the schema registry')).toBeLessThan(output.indexOf('gateway ready'));
    expect(await running.stop('SIGTERM')).toBe(0);
  });

  it('refuses to start when the registry holds a subject version under another id, naming both', async () => {
    const double = await registry();
    const subject = 'us.cargo-manifests.v1-value';
    const catalogId = catalog.subjects[subject]?.versions[0]?.id;
    expect(catalogId).toBeDefined();
    double.schemas.set(9_999, catalog.schemas[String(catalogId)]?.schema ?? '');
    double.subjects.set(subject, [{ version: 1, id: 9_999 }]);
    const failure = await gateway(double.url).then(
      (running) => {
        processes.push(running);
        return undefined;
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(failure).toContain('exited before it was ready');
    expect(failure).toContain(
      `gateway failed to start: registry holds ${subject} v1 as schema id 9999, the catalog as id ${catalogId}`,
    );
    // Nothing else of the catalog was overwritten under the conflicting subject.
    expect(double.subjects.get(subject)).toEqual([{ version: 1, id: 9_999 }]);
  });
});
