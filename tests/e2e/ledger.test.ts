// The disclosure ledger end to end, on real Kafka, real gRPC sockets and PostgreSQL: CBP publishes
// US manifests through the gateway; MX partners (ANAM, then FGR too) receive their policy views;
// the US audit service chains the gateway's disclosures. Then the ledger answers as the issue
// asks: every delivery is there with the fields the partner actually got and the digest of the
// exact bytes it got; "who received" names exactly the recipients; a correction the agreement no
// longer admits reaches exactly the partner that received the original, as a retraction notice
// the ledger records; one still admitted reaches every partner; and the chain and its signed
// checkpoints verify.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { credentials, Metadata } from '@grpc/grpc-js';
import type { AuditService } from '@puente/audit';
import { startTestAudit } from '@puente/audit/testing';
import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { type CargoManifest, createCodec } from '@puente/contracts';
import { readDevTokens } from '@puente/gateway/dev';
import { openTestSubscriber, startTestGateway, type TestGateway, type TestSubscriber } from '@puente/gateway/testing';
import { devCheckpointPublicKeys } from '@puente/ledger';
import { openTestLedger, type TestLedger } from '@puente/ledger/testing';
import {
  type Delivery,
  type DisclosureReceipt,
  DisclosureKind,
  OperatorServiceClient,
  PayloadFormat,
  type PublishResponse,
  StartPosition,
  type VerifyLedgerResponse,
  type WhoReceivedResponse,
} from '@puente/proto';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const FEED = `us-to-mx/${TOPIC}`;
const codec = createCodec();
const tokens = readDevTokens();
const auth = (name: string): Metadata => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};
const example = codec.fromFriendlyJson(
  TOPIC,
  (
    JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
      value: unknown;
    }
  ).value,
);
/** One manifest id for the run: every event on one partition, in publishing order. */
const MANIFEST_ID = `LEDGER-${randomUUID().slice(0, 8)}`;

/** The leaf paths of a JSON value, arrays as [*], unions unwrapped (Avro JSON: {"string": …}). */
function leafPaths(value: unknown, path = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) leafPaths(item, `${path}[*]`, out);
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const union = entries.length === 1 && /^(string|int|long|double|boolean|bytes|org\.puente\.)/.test(entries[0]![0]);
    if (union) leafPaths(entries[0]![1], path, out);
    else for (const [key, child] of entries) leafPaths(child, path === '' ? key : `${path}.${key}`, out);
  } else {
    out.add(path);
  }
  return out;
}

const under = (path: string, prefix: string) =>
  path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

describe('the disclosure ledger end to end (real Kafka, real gRPC, PostgreSQL)', () => {
  let bus: KafkaBus;
  let ledger: TestLedger;
  let gateway: TestGateway;
  let audit: AuditService;
  let operator: OperatorServiceClient;
  const streams: TestSubscriber[] = [];

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'ledger-e2e', heartbeatIntervalMs: 500 });
    await bus.start();
    ledger = await openTestLedger('postgres', 'US');
    // Other tests on this broker write disclosures and checkpoints of their own ledgers: this
    // ledger starts where the disclosure topic ends now, and its checkpoints have their own topic.
    const checkpointTopic = `us.audit-checkpoints.e2e-${randomUUID().slice(0, 8)}`;
    gateway = await startTestGateway({
      bus,
      codec,
      ledgers: { US: ledger },
      checkpointKeys: devCheckpointPublicKeys(),
      checkpointTopic: () => checkpointTopic,
    });
    audit = await startTestAudit({ bus, codec, store: ledger, country: 'US', checkpointTopic });
    operator = new OperatorServiceClient(gateway.address, credentials.createInsecure());
  });

  afterAll(async () => {
    for (const stream of streams) stream.call.cancel();
    operator?.close();
    await audit?.stop();
    await gateway?.stop(1_000);
    await ledger?.close();
    await bus?.stop();
  });

  function subscribe(agency: 'anam' | 'fgr'): TestSubscriber {
    const stream = openTestSubscriber(gateway.client, tokens.get(`dev-mx-${agency}-subscriber`) ?? '', {
      subscription: `ledger-${agency}-${randomUUID().slice(0, 8)}`,
      feeds: [FEED],
      payloadFormat: PayloadFormat.AVRO_JSON,
      startPosition: StartPosition.LATEST,
      maxUnacked: 100,
      maxBatchSize: 10,
      purposes: ['CUSTOMS'],
    });
    streams.push(stream);
    return stream;
  }

  /** Publishes a manifest as CBP does, through the gateway; its event id. */
  async function publish(releasableTo: string[], supersedes: string | null = null): Promise<string> {
    const value: CargoManifest = {
      ...example,
      manifestId: MANIFEST_ID,
      meta: { ...example.meta, eventId: randomUUID(), releasableTo: releasableTo as never, supersedes },
    };
    const response = await new Promise<PublishResponse>((resolve, reject) =>
      gateway.client.publish(
        {
          topic: TOPIC,
          key: '',
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          payload: codec.encode(TOPIC, value),
          schemaId: 0,
        },
        auth('dev-us-cbp-publisher'),
        (error, answer) => (error ? reject(error) : resolve(answer)),
      ),
    );
    return response.eventId;
  }

  const whoReceived = (eventId: string) =>
    new Promise<WhoReceivedResponse>((resolve, reject) =>
      operator.whoReceived({ eventId }, auth('dev-us-cbp-operator'), (error, answer) =>
        error ? reject(error) : resolve(answer),
      ),
    );
  const verifyLedger = () =>
    new Promise<VerifyLedgerResponse>((resolve, reject) =>
      operator.verifyLedger({ fromCheckpointId: '' }, auth('dev-us-cbp-operator'), (error, answer) =>
        error ? reject(error) : resolve(answer),
      ),
    );
  /** The receipts of an event once the audit service has chained `count` of them. */
  async function receiptsOf(eventId: string, count: number): Promise<DisclosureReceipt[]> {
    let receipts: DisclosureReceipt[] = [];
    await waitFor(
      async () => (receipts = (await whoReceived(eventId)).receipts).length >= count,
      30_000,
      `${count} receipt(s) of ${eventId}`,
    );
    return receipts;
  }
  const deliveryOf = (stream: TestSubscriber, eventId: string): Delivery | undefined =>
    stream.received.find((d) => d.eventId === eventId);
  const recipients = (receipts: readonly DisclosureReceipt[]) =>
    receipts.map((r) => `${r.recipientCountry}/${r.recipientAgency} ${DisclosureKind[r.kind]}`).sort();

  it('chains what each partner got, names exactly its recipients, reaches them with corrections, and verifies', async () => {
    const anam = subscribe('anam');
    await waitFor(anam.started, 30_000, 'ANAM subscribed');
    const first = await publish(['US', 'MX']);
    await waitFor(() => deliveryOf(anam, first) !== undefined, 30_000, 'ANAM receiving the first manifest');

    // The ledger holds ANAM's delivery: the fields it got, and the digest of the very bytes it got.
    const [receipt] = await receiptsOf(first, 1);
    const delivered = deliveryOf(anam, first)!;
    expect(receipt).toMatchObject({
      kind: DisclosureKind.DELIVERY,
      eventId: first,
      entityId: MANIFEST_ID,
      topic: TOPIC,
      partition: delivered.partition,
      offset: delivered.offset,
      recipientCountry: 'MX',
      recipientAgency: 'ANAM',
      agreementId: 'us-to-mx',
      agreementVersion: delivered.agreementVersion,
      declaredPurposes: ['CUSTOMS'],
    });
    expect(Buffer.from(receipt!.digest).equals(createHash('sha256').update(delivered.payload).digest())).toBe(true);
    const view = leafPaths(JSON.parse(delivered.payload.toString()));
    const source = leafPaths(codec.toAvroJson(TOPIC, { ...example, manifestId: MANIFEST_ID }));
    const listed = [
      ...receipt!.fieldsReleased,
      ...receipt!.fieldsTransformed.map((t) => t.path),
      ...receipt!.fieldsRemoved,
    ];
    // Every released or transformed path is in the view (or sits under a field that is null in
    // this record); no removed path is; every leaf the view holds is listed as released or
    // transformed; every leaf of the source is accounted for.
    const related = (a: string, b: string) => under(a, b) || under(b, a);
    const releasedOrTransformed = [...receipt!.fieldsReleased, ...receipt!.fieldsTransformed.map((t) => t.path)];
    for (const path of releasedOrTransformed) {
      expect(
        [...view].some((leaf) => related(leaf, path)),
        `${path} released but not in the view`,
      ).toBe(true);
    }
    for (const path of receipt!.fieldsRemoved) {
      expect(
        [...view].some((leaf) => under(leaf, path)),
        `${path} removed but in the view`,
      ).toBe(false);
    }
    for (const leaf of view) {
      expect(
        releasedOrTransformed.some((path) => related(leaf, path)),
        `${leaf} sent but not listed`,
      ).toBe(true);
    }
    for (const leaf of source)
      expect(
        listed.some((path) => related(leaf, path)),
        `${leaf} not accounted for`,
      ).toBe(true);
    expect(receipt!.fieldsRemoved.length).toBeGreaterThan(0);

    // FGR joins; the second manifest reaches both. Who received what: exactly that.
    const fgr = subscribe('fgr');
    await waitFor(fgr.started, 30_000, 'FGR subscribed');
    const second = await publish(['US', 'MX']);
    await waitFor(
      () => deliveryOf(anam, second) !== undefined && deliveryOf(fgr, second) !== undefined,
      30_000,
      'both receiving the second',
    );
    expect(recipients(await receiptsOf(second, 2))).toEqual(['MX/ANAM DELIVERY', 'MX/FGR DELIVERY']);
    expect(recipients(await receiptsOf(first, 1))).toEqual(['MX/ANAM DELIVERY']);

    // CBP retracts the first manifest from MX (a correction releasable to the US only): exactly
    // ANAM, which received it, gets a notice, and the ledger records that it was notified.
    const retraction = await publish(['US'], first);
    // The second manifest is corrected with a version MX may still see: both get it as a delivery.
    const correction = await publish(['US', 'MX'], second);
    await waitFor(
      () => deliveryOf(anam, correction) !== undefined && deliveryOf(fgr, correction) !== undefined,
      30_000,
      'both receiving the correction',
    );
    const notice = deliveryOf(anam, retraction);
    expect(notice?.retraction).toMatchObject({ retractedEventId: first });
    expect(notice?.payload.length).toBe(0);
    expect(deliveryOf(fgr, retraction)).toBeUndefined();
    expect(deliveryOf(anam, correction)?.retraction).toBeUndefined();
    expect(JSON.parse(deliveryOf(fgr, correction)!.payload.toString()).meta.supersedes).toEqual({ string: second });
    expect(recipients(await receiptsOf(first, 2))).toEqual(['MX/ANAM DELIVERY', 'MX/ANAM RETRACTION']);
    const corrected = await receiptsOf(correction, 2);
    expect(recipients(corrected)).toEqual(['MX/ANAM DELIVERY', 'MX/FGR DELIVERY']);
    expect(corrected.every((r) => r.supersedes === second)).toBe(true);
    expect((await whoReceived(retraction)).receipts).toEqual([]);

    // The chain is intact and every checkpoint the audit service signed holds.
    let verdict: VerifyLedgerResponse | undefined;
    await waitFor(
      async () => (verdict = await verifyLedger()).checkpoints.some((c) => Number(c.entryCount) >= 6),
      30_000,
      'a checkpoint of every entry',
    );
    expect(verdict).toMatchObject({ country: 'US', intact: true, firstBadEntry: '0', problem: '' });
    expect(Number(verdict!.entryCount)).toBe(6);
    expect(verdict!.checkpoints.every((c) => c.valid)).toBe(true);
  });
});
