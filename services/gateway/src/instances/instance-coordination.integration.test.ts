// Several gateway instances on one real Kafka, called over real gRPC: a repeated eventId is
// answered as a duplicate with the original's position by a restarted instance and by another
// running instance, and the topic holds the event once; two instances serving different versions
// of one agreement both say so (gauge and warning), until one of them stops.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { Metadata } from '@grpc/grpc-js';
import { PayloadFormat, type PublishRequest, type PublishResponse } from '@puente/proto';
import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec } from '@puente/contracts';
import { createLogger } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { DEV_POLICIES_DIR } from '../dev/dev-wiring.js';
import { readDevTokens } from '../dev/dev-tokens.js';
import {
  devAgreementText,
  startTestGateway,
  type TestGateway,
  type TestGatewayOptions,
  withVersion,
} from '../testing/index.js';

const TOPIC = 'us.cargo-manifests.v1';
const PUBLISHER = 'dev-us-cbp-publisher';
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const codec = createCodec();
const example = (
  JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
    value: Record<string, unknown>;
  }
).value;
const base = codec.fromFriendlyJson(TOPIC, example);

const request = (eventId: string): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: PayloadFormat.AVRO_CONFLUENT,
  payload: codec.encode(TOPIC, { ...base, meta: { ...base.meta, eventId }, manifestId: `INST-${eventId.slice(0, 8)}` }),
  schemaId: codec.schemaIdOf(TOPIC),
});

const auth = () => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${readDevTokens().get(PUBLISHER) ?? ''}`);
  return metadata;
};

const publish = (gateway: TestGateway, eventId: string) =>
  new Promise<PublishResponse>((resolve, reject) =>
    gateway.client.publish(request(eventId), auth(), (error, response) => (error ? reject(error) : resolve(response))),
  );

/** Topics of their own, so other tests' gateways on the shared broker neither fill nor read them. */
const instanceTopics = () => {
  const id = randomUUID().slice(0, 8);
  return { publishReceipts: `test.publish-receipts.${id}`, gatewayInstances: `test.gateway-instances.${id}` };
};

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startBus(clientId: string): Promise<KafkaBus> {
  const bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId });
  await bus.start();
  cleanup.push(() => bus.stop());
  return bus;
}

const stopped = new Set<TestGateway>();

/** A gateway instance on a bus of its own (its own Kafka connections, as a separate process has). */
async function startInstance(name: string, options: Omit<TestGatewayOptions, 'bus' | 'codec'>): Promise<TestGateway> {
  const bus = await startBus(`instances-test-${name}`);
  const gateway = await startTestGateway({ bus, codec, instanceId: `${name}-${randomUUID().slice(0, 8)}`, ...options });
  cleanup.push(async () => {
    if (!stopped.has(gateway)) await gateway.stop();
  });
  return gateway;
}

async function stopInstance(gateway: TestGateway): Promise<void> {
  stopped.add(gateway);
  await gateway.stop();
}

/** How many records of the partition, from `offset` to its end, carry this eventId. */
async function copiesOf(bus: KafkaBus, eventId: string, partition: number, offset: string): Promise<number> {
  const end = Number(
    (await bus.admin.describeTopic(TOPIC)).partitions.find((p) => p.partition === partition)?.high ?? '0',
  );
  let copies = 0;
  let next = Number(offset);
  const reader = await bus.readFrom({
    topic: TOPIC,
    positions: [{ partition, offset }],
    handler: async (batch) => {
      for (const record of batch.records) {
        next = Number(record.offset) + 1;
        if (!record.value) continue;
        const value = codec.decode(record.value, { topic: TOPIC }).value as { meta: { eventId: string } };
        if (value.meta.eventId === eventId) copies++;
      }
    },
  });
  await waitFor(() => next >= end, 30_000, `partition ${partition} to be read to its end`);
  await reader.stop();
  return copies;
}

const counterValue = async (counter: { get(): Promise<{ values: { value: number }[] }> }) =>
  (await counter.get()).values.reduce((n, v) => n + v.value, 0);

describe('several gateway instances', () => {
  it("a restarted gateway answers a repeat as a duplicate with the original's position", async () => {
    const topics = instanceTopics();
    const eventId = randomUUID();
    const first = await startInstance('a', { instanceTopics: topics });
    const original = await publish(first, eventId);
    expect(original.duplicate).toBe(false);
    await stopInstance(first);

    const restarted = await startInstance('a2', { instanceTopics: topics });
    // No waiting: a gateway starts serving only once it has read the receipts already written.
    const again = await publish(restarted, eventId);
    expect(again).toEqual({ ...original, duplicate: true });
    const bus = await startBus('instances-test-reader');
    expect(await copiesOf(bus, eventId, original.partition, original.offset)).toBe(1);
  });

  it('another running gateway answers a repeat as a duplicate once the receipt reached it', async () => {
    const topics = instanceTopics();
    const eventId = randomUUID();
    const a = await startInstance('a', { instanceTopics: topics });
    const b = await startInstance('b', { instanceTopics: topics });
    const original = await publish(a, eventId);
    // The receipts topic is this test's own: the one receipt read into B's window is this event's.
    await waitFor(
      async () => (await counterValue(b.gateway.metrics.receiptsApplied)) >= 1,
      30_000,
      "A's receipt to reach B",
    );
    const again = await publish(b, eventId);
    expect(again).toEqual({ ...original, duplicate: true });
    const bus = await startBus('instances-test-reader');
    expect(await copiesOf(bus, eventId, original.partition, original.offset)).toBe(1);

    // A figure, not an assertion: from A's answer to B knowing the event (the residual window).
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const known = await counterValue(b.gateway.metrics.receiptsApplied);
      await publish(a, randomUUID());
      const answered = performance.now();
      while ((await counterValue(b.gateway.metrics.receiptsApplied)) <= known)
        await new Promise((resolve) => setTimeout(resolve, 1));
      delays.push(performance.now() - answered);
    }
    delays.sort((x, y) => x - y);
    console.log(
      `[instances] receipt from A's answer to B's window: median ${delays[10]!.toFixed(1)} ms, max ${delays[19]!.toFixed(1)} ms (20 events)`,
    );
  });

  it('two gateways serving different versions of one agreement both warn and count it, until one stops', async () => {
    const topics = instanceTopics();
    const dirs = ['v1', 'v2'].map((v) => mkdtempSync(join(tmpdir(), `puente-instances-${v}-`)));
    cleanup.push(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
    for (const dir of dirs)
      for (const name of readdirSync(DEV_POLICIES_DIR).filter((n) => n.endsWith('.yaml')))
        copyFileSync(join(DEV_POLICIES_DIR, name), join(dir, name));
    writeFileSync(join(dirs[1]!, 'us-to-mx.yaml'), withVersion(devAgreementText('us-to-mx.yaml'), 2));

    const warnings = { a: [] as Record<string, unknown>[], b: [] as Record<string, unknown>[] };
    const loggerOf = (into: Record<string, unknown>[]) =>
      createLogger({
        name: 'instances-test',
        level: 'warn',
        destination: new Writable({
          write(chunk: Buffer, _encoding, done) {
            into.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
            done();
          },
        }),
      });
    const a = await startInstance('a', { instanceTopics: topics, policiesDir: dirs[0]!, logger: loggerOf(warnings.a) });
    const b = await startInstance('b', { instanceTopics: topics, policiesDir: dirs[1]!, logger: loggerOf(warnings.b) });
    const gauge = async (gateway: TestGateway) => counterValue(gateway.gateway.metrics.agreementMismatches);
    await waitFor(async () => (await gauge(a)) === 1 && (await gauge(b)) === 1, 30_000, 'both to see the mismatch');

    const mismatch = (w: Record<string, unknown>) =>
      w['msg'] ===
      'another gateway instance serves a different version of an agreement: partners get different answers depending on the instance they reach';
    expect(warnings.a.filter(mismatch)).toEqual([
      expect.objectContaining({ agreement: 'us-to-mx', ourVersion: 1, theirVersion: 2, sameText: false }),
    ]);
    expect(warnings.b.filter(mismatch)).toEqual([
      expect.objectContaining({ agreement: 'us-to-mx', ourVersion: 2, theirVersion: 1, sameText: false }),
    ]);

    // B's tombstone: A no longer counts a difference with an instance that is gone.
    await stopInstance(b);
    await waitFor(async () => (await gauge(a)) === 0, 30_000, "A to read B's tombstone");
  });
});
