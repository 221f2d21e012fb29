// share.proto, StartSubscription.purposes: a subscriber declares what it will use the records for;
// the gateway refuses a start that declares none or an unknown one, refuses a feed whose agreement
// allows none of them, delivers only records with a purpose both declared and allowed, and
// records the declared purposes in every disclosure. MemoryBus and real gRPC on loopback.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { status } from '@grpc/grpc-js';
import { ErrorReason, PayloadFormat, StartPosition } from '@puente/proto';
import { MemoryBus } from '@puente/bus';
import { type CargoManifest, createCodec } from '@puente/contracts';
import { compilePolicySet, readAgreementSources } from '@puente/policy';
import { DISCLOSURE_TOPIC } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { DEV_POLICIES_DIR, readDevKeys } from '../dev/dev-wiring.js';
import { readDevTokens } from '../dev/dev-tokens.js';
import {
  errorDetailsOf,
  openTestSubscriber,
  startTestGateway,
  type TestGateway,
  type TestSubscriber,
} from '../testing/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const FEED = `us-to-mx/${TOPIC}`;
const codec = createCodec();
const tokens = readDevTokens();
const example = codec.fromFriendlyJson(
  TOPIC,
  (
    JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
      value: unknown;
    }
  ).value,
);

/** The development agreements, the US → MX one allowing only `purposes` when given. */
function agreements(purposes?: readonly string[]) {
  const keys = readDevKeys();
  const sources = readAgreementSources(DEV_POLICIES_DIR).map((source) =>
    purposes && source.file.endsWith('us-to-mx.yaml')
      ? { ...source, text: source.text.replace(/^purposes: \[.*\]$/m, `purposes: [${purposes.join(', ')}]`) }
      : source,
  );
  return compilePolicySet(sources, {
    schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
    secret: (name) => keys.get(name),
  });
}

function subscribe(gateway: TestGateway, purposes: readonly string[]): TestSubscriber {
  return openTestSubscriber(gateway.client, tokens.get('dev-mx-anam-subscriber') ?? '', {
    subscription: `purposes-${randomUUID().slice(0, 8)}`,
    feeds: [FEED],
    payloadFormat: PayloadFormat.AVRO_CONFLUENT,
    startPosition: StartPosition.LATEST,
    maxUnacked: 10,
    maxBatchSize: 10,
    purposes: [...purposes],
  });
}

describe('purposes a subscriber declares', () => {
  let gateway: TestGateway | undefined;
  let bus: MemoryBus | undefined;
  afterEach(async () => {
    await gateway?.stop(500);
    await bus?.stop();
  });

  async function setUp(purposes?: readonly string[]) {
    bus = new MemoryBus();
    await bus.start();
    const set = agreements(purposes);
    gateway = await startTestGateway({ bus, codec, partitions: 1, policies: () => set });
    return gateway;
  }

  it('must be declared, each one a purpose of the catalog', async () => {
    const gw = await setUp();
    for (const [declared, expected] of [
      [[], /^start\.purposes: declare the purposes the records will be used for/],
      [['CUSTOMS', 'CURIOSITY'], /^start\.purposes: 'CURIOSITY' is not a purpose/],
    ] as const) {
      const subscriber = subscribe(gw, declared);
      const ended = await subscriber.status;
      expect(ended.code).toBe(status.INVALID_ARGUMENT);
      expect(errorDetailsOf(subscriber.error()).reason).toBe(ErrorReason.REQUEST_INVALID);
      expect(ended.details).toMatch(expected);
    }
  });

  it('refuse a feed whose agreement allows none of them, naming feed, agreement and both lists', async () => {
    const gw = await setUp(['CUSTOMS', 'TRADE_FACILITATION']);
    const subscriber = subscribe(gw, ['PROSECUTION']);
    const ended = await subscriber.status;
    expect(ended.code).toBe(status.PERMISSION_DENIED);
    expect(errorDetailsOf(subscriber.error()).reason).toBe(ErrorReason.PURPOSE_NOT_ALLOWED);
    expect(ended.details).toContain(FEED);
    expect(ended.details).toContain('CUSTOMS, TRADE_FACILITATION');
    expect(ended.details).toContain('PROSECUTION');
  });

  it('admit only records with a purpose both declared and allowed, and are recorded in their disclosures', async () => {
    const gw = await setUp();
    const disclosures: Record<string, unknown>[] = [];
    const reader = await bus!.readFrom({
      topic: DISCLOSURE_TOPIC,
      positions: [{ partition: 0, offset: '0' }],
      handler: async (batch) => {
        for (const record of batch.records) disclosures.push(codec.decode(record.value!).value as never);
      },
    });
    const subscriber = subscribe(gw, ['CUSTOMS']);
    await waitFor(subscriber.started, 5_000, 'started');
    const manifest = (id: string, purposes: CargoManifest['meta']['purposes']): CargoManifest => ({
      ...example,
      manifestId: id,
      meta: { ...example.meta, eventId: randomUUID(), classification: 'SENSITIVE', purposes },
    });
    const events = [
      manifest('PURPOSE-PROSECUTION', ['PROSECUTION']),
      manifest('PURPOSE-CUSTOMS', ['CUSTOMS']),
      manifest('PURPOSE-BOTH', ['BORDER_SECURITY', 'CUSTOMS']),
    ];
    await bus!.publish(
      TOPIC,
      events.map((event) => ({ key: event.manifestId, value: codec.encode(TOPIC, event) })),
    );
    await waitFor(() => subscriber.received.length >= 2, 5_000, 'deliveries');
    // The last record is delivered only after the first was considered: nothing more will come.
    expect(subscriber.received.map((d) => d.eventId)).toEqual([events[1]!.meta.eventId, events[2]!.meta.eventId]);
    const disclosed = () => disclosures.flatMap((d) => (d['events'] as { eventId: string }[]).map((e) => e.eventId));
    await waitFor(() => disclosed().length >= 2, 5_000, 'disclosures');
    expect(disclosed()).toEqual(subscriber.received.map((d) => d.eventId));
    for (const disclosure of disclosures) expect(disclosure['declaredPurposes']).toEqual(['CUSTOMS']);
    subscriber.call.end();
    await subscriber.status;
    await reader.stop();
  });
});
