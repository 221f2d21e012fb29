// Writes that back a subscription failing while earlier ones are still in flight: a batch's
// disclosures, or an acknowledgement's cursor commit. The partner gets only what was audited
// (or confirmed) before the failure, then an error status — never a crash or an unhandled
// rejection. MemoryBus and real gRPC on loopback; one topic's writes fail through a wrapped bus.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  PayloadFormat,
  type ShareServiceClient,
  StartPosition,
  type Delivery,
  type PublishStreamResponse,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { type Bus, BusError, type BusRecord, MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { DISCLOSURE_TOPIC, SUBSCRIPTION_CURSOR_TOPIC } from '@puente/runtime';
import { afterEach, describe, expect, it } from 'vitest';

import { startTestGateway, type TestGateway } from '../testing/index.js';
import { readDevTokens } from '../dev/dev-tokens.js';
import { subscriptionOfClaimKey } from '../subscribe/claim-log.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const tokens = readDevTokens();
const auth = (name: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};
const example = JSON.parse(
  readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8'),
) as { value: Record<string, any> };

/**
 * The first write to `failing` is held for a while; every later one fails. On the cursor topic
 * only the commits of acknowledgements count: a stream's claim records (claim-log.ts) and the
 * commit of a new subscription's start position (each subscription's first commit) go through.
 */
function failingBus(inner: MemoryBus, failing: string): Bus & { calls: number } {
  const wrapped = Object.create(inner) as MemoryBus & { calls: number };
  wrapped.calls = 0;
  const started = new Set<string>();
  const passes = (r: BusRecord) => {
    if (!r.key) return false;
    if (subscriptionOfClaimKey(r.key) !== undefined) return true;
    if (failing !== SUBSCRIPTION_CURSOR_TOPIC || started.has(r.key)) return false;
    started.add(r.key);
    return true;
  };
  wrapped.publish = async (topic: string, records: readonly BusRecord[]) => {
    if (topic !== failing || records.every(passes)) return inner.publish(topic, records);
    const call = ++wrapped.calls;
    if (call === 1) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return inner.publish(topic, records);
    }
    throw new BusError({ code: 'UNAVAILABLE', message: `${failing} cannot be written (test)`, retriable: true });
  };
  return wrapped;
}

/** Every disclosure record on the (MemoryBus) disclosure topic. */
async function readDisclosures(bus: MemoryBus): Promise<Record<string, any>[]> {
  const codec = createCodec();
  const topic = (await bus.admin.listTopics()).find((t) => t.topic === DISCLOSURE_TOPIC);
  const positions = (topic?.partitions ?? []).filter((p) => p.high !== p.low);
  const wanted = positions.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const read: Record<string, any>[] = [];
  if (wanted === 0) return read;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const reader = await bus.readFrom({
    topic: DISCLOSURE_TOPIC,
    positions: positions.map((p) => ({ partition: p.partition, offset: p.low })),
    handler: async (batch) => {
      for (const record of batch.records) read.push(codec.decode(record.value!).value as Record<string, any>);
      if (read.length >= wanted) done();
    },
  });
  await all;
  await reader.stop();
  return read;
}

interface Partner {
  readonly call: ClientDuplexStream<SubscribeRequest, SubscribeResponse>;
  readonly received: Delivery[];
  readonly confirmed: string[][];
  readonly ended: Promise<ServiceError>;
}

describe('a write behind a subscription that fails', () => {
  let gateway: TestGateway | undefined;
  let bus: MemoryBus | undefined;
  let client: ShareServiceClient | undefined;
  afterEach(async () => {
    client?.close();
    await gateway?.stop(500);
    await bus?.stop();
  });

  async function setUp(failing: string): Promise<{ wrapped: Bus & { calls: number }; partner: Partner }> {
    bus = new MemoryBus();
    await bus.start();
    const codec = createCodec();
    const wrapped = failingBus(bus, failing);
    gateway = await startTestGateway({ bus: wrapped, codec, partitions: 1 });
    client = gateway.client;
    const call = client.subscribe(auth('dev-mx-anam-subscriber'));
    const partner: Partner = {
      call,
      received: [],
      confirmed: [],
      ended: new Promise<ServiceError>((resolve) => call.on('error', resolve)),
    };
    const started = new Promise<void>((resolve) =>
      call.on('data', (message: SubscribeResponse) => {
        const kind = message.kind;
        if (kind?.$case === 'started') resolve();
        if (kind?.$case === 'deliveries') partner.received.push(...kind.value.deliveries);
        if (kind?.$case === 'committed') partner.confirmed.push(kind.value.cursors);
      }),
    );
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: 'write-failure',
          feeds: [`us-to-mx/${TOPIC}`],
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition: StartPosition.LATEST,
          maxUnacked: 100,
          maxBatchSize: 5,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    await started;
    // Twenty manifests in one PublishStream batch, all accepted.
    const events = Array.from({ length: 20 }, (_, i) => {
      const value = structuredClone(example.value);
      value['meta'].eventId = randomUUID();
      value['manifestId'] = `WRITE-FAIL-${i}`;
      const payload = Buffer.from(JSON.stringify(codec.toAvroJson(TOPIC, codec.fromFriendlyJson(TOPIC, value))));
      return { topic: TOPIC, key: '', payloadFormat: PayloadFormat.AVRO_JSON, payload, schemaId: 0 };
    });
    const publish = client.publishStream(auth('dev-us-cbp-publisher'));
    const answered = new Promise<PublishStreamResponse>((resolve) => publish.once('data', resolve));
    publish.write({ sequence: '1', events });
    const response = await answered;
    publish.end();
    expect(response.outcomes.every((o) => o.outcome?.$case === 'accepted')).toBe(true);
    return { wrapped, partner };
  }

  it('disclosures: only batches audited before the failure arrive, then UNAVAILABLE', async () => {
    const { wrapped, partner } = await setUp(DISCLOSURE_TOPIC);
    const error = await partner.ended;
    expect(error.code).toBe(status.UNAVAILABLE);
    // The first batch (5 deliveries) had its disclosures written; nothing else arrived.
    expect(wrapped.calls).toBeGreaterThanOrEqual(2);
    expect(partner.received.map((d) => d.offset)).toEqual(['0', '1', '2', '3', '4']);
    // One disclosure of that batch, naming its five events.
    const disclosures = await readDisclosures(bus!);
    expect(disclosures).toHaveLength(1);
    expect(disclosures[0]!['events'].map((e: { sourceOffset: number }) => String(e.sourceOffset))).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
    ]);
  });

  it('cursor commits: the ack before the failure is confirmed, then UNAVAILABLE', async () => {
    const { partner } = await setUp(SUBSCRIPTION_CURSOR_TOPIC);
    const deadline = Date.now() + 5_000;
    while (partner.received.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const [fifth, tenth] = [partner.received[4], partner.received[9]];
    if (!fifth || !tenth) throw new Error(`only ${partner.received.length} deliveries arrived`);
    // Two acks at once: the first commit is held, the second fails while it is.
    partner.call.write({ kind: { $case: 'ack', value: { cursors: [fifth.cursor] } } });
    partner.call.write({ kind: { $case: 'ack', value: { cursors: [tenth.cursor] } } });
    const error = await partner.ended;
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(partner.confirmed).toEqual([[fifth.cursor]]);
  });
});
