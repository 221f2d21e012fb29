// Dedupe shared through the receipts topic, on a MemoryBus: what one publisher had acknowledged
// is answered as a duplicate by another (a second instance, or the same one restarted), and a
// receipts topic holding records no gateway wrote is read past with a warning.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';

import { PayloadFormat, type PublishRequest } from '@puente/proto';
import { MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { createBreaker, createLogger, silentLogger } from '@puente/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { Principal } from '../auth/identity.js';
import { devGatewayParts } from '../dev/dev-wiring.js';
import { DedupeWindow } from './dedupe-window.js';
import { encodeReceipts } from './publish-receipts.js';
import { createPublisher } from './publisher.js';
import { createSharedReceipts, type SharedReceipts } from './shared-receipts.js';

const TOPIC = 'us.cargo-manifests.v1';
const RECEIPTS = 'test.publish-receipts';
const WINDOW_MS = 60_000;
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const codec = createCodec();
const dev = devGatewayParts(codec);
const base = codec.fromFriendlyJson(
  TOPIC,
  (
    JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
      value: unknown;
    }
  ).value,
);
const principal: Principal = {
  country: 'US',
  agency: 'CBP',
  roles: ['publisher'],
  name: 'dev-us-cbp-publisher',
  via: 'token',
};

const request = (eventId: string): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: PayloadFormat.AVRO_CONFLUENT,
  payload: codec.encode(TOPIC, { ...base, meta: { ...base.meta, eventId }, manifestId: `M-${eventId.slice(0, 8)}` }),
  schemaId: codec.schemaIdOf(TOPIC),
});

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startBus(): Promise<MemoryBus> {
  const bus = new MemoryBus();
  await bus.start();
  cleanup.push(() => bus.stop());
  await bus.admin.ensureTopics([{ topic: TOPIC, partitions: 3 }]);
  return bus;
}

/** One gateway instance's publish path: its own window, filled by the receipts of all. */
async function startInstance(bus: MemoryBus, logger = silentLogger()) {
  const window = new DedupeWindow(WINDOW_MS, 1_000);
  const receipts: SharedReceipts = createSharedReceipts({
    bus,
    topic: RECEIPTS,
    instanceId: randomUUID(),
    window,
    windowMs: WINDOW_MS,
    logger,
  });
  await receipts.start();
  cleanup.push(() => receipts.stop());
  const breaker = createBreaker({ name: 'test', timeoutMs: 5_000 });
  cleanup.push(() => breaker.shutdown());
  const publisher = createPublisher({
    bus,
    codec,
    breaker,
    permissions: dev.permissions,
    maxPayloadBytes: 1_000_000,
    maxInFlight: 1_000,
    dedupeWindowMs: WINDOW_MS,
    dedupeWindow: window,
    onAcknowledged: (acknowledged) => receipts.record(acknowledged),
  });
  return {
    window,
    receipts,
    publish: async (eventId: string) => (await publisher.publishBatch(principal, [request(eventId)]))[0],
  };
}

const written = async (bus: MemoryBus) =>
  (await bus.admin.listTopics())
    .find((t) => t.topic === TOPIC)!
    .partitions.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);

describe('publish dedupe shared through receipts', () => {
  it("another instance answers a repeat as a duplicate with the original's position, once the receipt reached it", async () => {
    const bus = await startBus();
    const a = await startInstance(bus);
    const b = await startInstance(bus);
    const eventId = randomUUID();
    const first = await a.publish(eventId);
    if (!first?.ok) throw new Error('expected the first publish to be written');
    await vi.waitFor(() => expect(b.window.has(`${principal.name}\u0000${eventId}`)).toBe(true));
    const again = await b.publish(eventId);
    expect(again).toEqual({ ok: true, response: { ...first.response, duplicate: true } });
    expect(await written(bus)).toBe(1);
  });

  it('a restarted instance remembers, before it answers anything, what was acknowledged before', async () => {
    const bus = await startBus();
    const before = await startInstance(bus);
    const eventId = randomUUID();
    const first = await before.publish(eventId);
    await before.receipts.stop();
    const after = await startInstance(bus);
    // No waiting: start() resolved only once the receipts already written were read.
    expect(await after.publish(eventId)).toMatchObject({
      ok: true,
      response: { duplicate: true, offset: first?.ok && first.response.offset },
    });
    expect(await written(bus)).toBe(1);
  });

  it('reads past records no gateway wrote, with a warning, and still serves the good ones', async () => {
    const bus = await startBus();
    await bus.admin.ensureTopics([{ topic: RECEIPTS, partitions: 1 }]);
    const good = {
      dedupeKey: `${principal.name}\u0000${randomUUID()}`,
      topic: TOPIC,
      partition: 2,
      offset: '41',
      schemaId: codec.schemaIdOf(TOPIC),
      timestamp: Date.now(),
      acknowledgedAt: Date.now(),
    };
    const stale = {
      ...good,
      dedupeKey: `${principal.name}\u0000${randomUUID()}`,
      acknowledgedAt: Date.now() - WINDOW_MS - 1,
    };
    await bus.publish(RECEIPTS, [
      { key: null, value: Buffer.from('garbage') },
      { key: null, value: null },
      { key: null, value: encodeReceipts([stale, good]) },
    ]);
    // Written before the window began: not even parsed, whatever it says.
    const old = { ...good, dedupeKey: `${principal.name}\u0000${randomUUID()}` };
    await bus.publish(RECEIPTS, [
      { key: null, value: encodeReceipts([old]), timestamp: Date.now() - WINDOW_MS - 1_000 },
      { key: null, value: Buffer.from('old garbage'), timestamp: Date.now() - WINDOW_MS - 1_000 },
    ]);
    const warnings: { msg: string; problems: string[] }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        warnings.push(JSON.parse(chunk.toString('utf8')) as { msg: string; problems: string[] });
        done();
      },
    });
    const instance = await startInstance(bus, createLogger({ name: 'receipts-test', level: 'warn', destination }));
    expect(warnings.map((w) => w.problems)).toEqual([['the record is not JSON'], ['the record has no value']]);
    expect(warnings[0]?.msg).toMatch(/publish receipts skipped/);
    expect(instance.window.get(good.dedupeKey)).toMatchObject({ partition: 2, offset: '41' });
    // Acknowledged before the window: not remembered.
    expect(instance.window.has(stale.dedupeKey)).toBe(false);
    expect(instance.window.has(old.dedupeKey)).toBe(false);
  });
});
