// Corrections on real Kafka, real gRPC sockets and a real ledger (PGlite, then PostgreSQL): two
// MX agencies subscribe to US cargo manifests, only ANAM receives the original (its disclosure,
// as the gateway wrote it to audit.disclosures.v1, is appended to the US ledger). The origin then
// publishes a correction no longer releasable to MX: exactly ANAM gets a retraction notice
// naming the original, live and on a resumed subscription alike; FGR gets nothing. A correction
// still releasable to MX reaches both as an ordinary delivery.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { status } from '@grpc/grpc-js';
import { PayloadFormat, StartPosition, type Delivery, type StartSubscription } from '@puente/proto';
import { type BusRecord, KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { type CargoManifest, createCodec } from '@puente/contracts';
import type { DisclosureInput } from '@puente/ledger';
import { openTestLedger, type TestLedger } from '@puente/ledger/testing';
import { DISCLOSURE_TOPIC, type Country } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readDevTokens } from '../dev/dev-tokens.js';
import { openTestSubscriber, startTestGateway, type TestGateway, type TestSubscriber } from '../testing/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
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
/** One manifest id for the whole run: every event lands on one partition, so order is comparable. */
const MANIFEST_ID = `CORR-${randomUUID().slice(0, 8)}`;

function manifest(releasableTo: string[], supersedes: string | null = null): { eventId: string; record: BusRecord } {
  const eventId = randomUUID();
  const value: CargoManifest = {
    ...example,
    manifestId: MANIFEST_ID,
    meta: { ...example.meta, eventId, releasableTo: releasableTo as never, supersedes },
  };
  return { eventId, record: { key: MANIFEST_ID, value: codec.encode(TOPIC, value) } };
}

/** A disclosure record as written to the topic (before batching or batched), as the ledger takes it. */
interface WrittenDisclosure {
  meta: { originCountry: Country };
  disclosureId: string;
  kind: 'DELIVERY' | 'RETRACTION';
  sourceTopic: string;
  sourcePartition: number | null;
  sourceOffset: number | null;
  sourceEventId: string | null;
  entityId: string | null;
  recipient: { country: Country; agency: string; subscription: string; principal: string };
  agreementId: string;
  agreementVersion: string;
  ruleId: string;
  viewSchemaId: number | null;
  declaredPurposes: string[];
  fieldsReleased: string[];
  fieldsTransformed: DisclosureInput['fieldsTransformed'];
  fieldsRemoved: string[];
  events: {
    eventId: string;
    entityId: string;
    sourcePartition: number;
    sourceOffset: number;
    supersedes: string | null;
    digest: Buffer;
  }[];
  deliveredAt: Date;
}

function toDisclosureInput(written: WrittenDisclosure): DisclosureInput {
  const events =
    written.events.length > 0
      ? written.events.map((e) => ({ ...e, sourceOffset: String(e.sourceOffset) }))
      : [
          {
            eventId: written.sourceEventId ?? '',
            entityId: written.entityId ?? '',
            sourcePartition: written.sourcePartition ?? 0,
            sourceOffset: String(written.sourceOffset ?? 0),
            supersedes: null,
            digest: null,
          },
        ];
  return {
    disclosureId: written.disclosureId,
    kind: written.kind,
    originCountry: written.meta.originCountry,
    sourceTopic: written.sourceTopic,
    recipient: written.recipient,
    agreementId: written.agreementId,
    agreementVersion: written.agreementVersion,
    ruleId: written.ruleId,
    viewSchemaId: written.viewSchemaId,
    declaredPurposes: written.declaredPurposes,
    fieldsReleased: written.fieldsReleased,
    fieldsTransformed: written.fieldsTransformed,
    fieldsRemoved: written.fieldsRemoved,
    deliveredAt: written.deliveredAt,
    events,
  };
}

for (const kind of ['pglite', 'postgres'] as const)
  describe(`corrections reach exactly the prior recipients (real Kafka, real gRPC, ${kind} ledger)`, () => {
    let bus: KafkaBus;
    let gateway: TestGateway;
    let ledger: TestLedger;
    /** Where the disclosure topic ended before the test published anything. */
    let disclosuresFrom: { partition: number; offset: string }[];
    let chainer: { stop(): Promise<void> } | undefined;
    const streams: TestSubscriber[] = [];

    beforeAll(async () => {
      bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'corrections-test', heartbeatIntervalMs: 500 });
      await bus.start();
      ledger = await openTestLedger(kind, 'US');
      gateway = await startTestGateway({ bus, codec, ledgers: { US: ledger } });
      const topics = await bus.admin.listTopics();
      disclosuresFrom = (topics.find((t) => t.topic === DISCLOSURE_TOPIC)?.partitions ?? []).map((p) => ({
        partition: p.partition,
        offset: String(p.high),
      }));
      // As the audit service does: from where the topic ends now, every US disclosure the gateway
      // writes is chained with the position after it, so the ledger says how far it has read.
      await ledger.append(
        [],
        disclosuresFrom.map((p) => ({ topic: DISCLOSURE_TOPIC, ...p })),
      );
      chainer = await bus.readFrom({
        topic: DISCLOSURE_TOPIC,
        positions: disclosuresFrom,
        handler: async (batch) => {
          const inputs = batch.records
            .map((record) => toDisclosureInput(codec.decode(record.value!).value as WrittenDisclosure))
            .filter((input) => input.originCountry === 'US');
          const last = batch.records.at(-1)!;
          await ledger.append(inputs, [
            { topic: DISCLOSURE_TOPIC, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) },
          ]);
          chained.push(...inputs);
        },
      });
    });

    afterAll(async () => {
      await chainer?.stop();
      for (const stream of streams) stream.call.cancel();
      await gateway?.stop(1_000);
      await ledger?.close();
      await bus?.stop();
    });

    function subscribe(agency: 'anam' | 'fgr', subscription: string): TestSubscriber {
      const start: StartSubscription = {
        subscription,
        feeds: [`us-to-mx/${TOPIC}`],
        payloadFormat: PayloadFormat.AVRO_JSON,
        startPosition: StartPosition.LATEST,
        maxUnacked: 100,
        maxBatchSize: 10,
        purposes: ['CUSTOMS'],
      };
      const stream = openTestSubscriber(gateway.client, tokens.get(`dev-mx-${agency}-subscriber`) ?? '', start);
      streams.push(stream);
      return stream;
    }

    /** This run's deliveries (other tests share the topic): event id, and what a notice retracts. */
    const ours = (received: readonly Delivery[]) =>
      received
        .filter((d) => known.has(d.eventId))
        .map((d) =>
          d.retraction
            ? `${known.get(d.eventId)} retracts ${known.get(d.retraction.retractedEventId)}`
            : known.get(d.eventId),
        );
    const known = new Map<string, string>();
    const event = (name: string, releasableTo: string[], supersedes: string | null = null) => {
      const made = manifest(releasableTo, supersedes);
      known.set(made.eventId, name);
      return made;
    };

    /** The US disclosures chained so far (by the chainer below). */
    const chained: DisclosureInput[] = [];
    /** How many chained disclosures name `eventId`. */
    const disclosuresOf = (eventId: string) =>
      chained.filter((d) => d.events.some((e) => e.eventId === eventId)).length;

    it('notifies exactly the agency that received the original, live and resumed; an admitted correction reaches both', async () => {
      const anamName = `corr-anam-${randomUUID().slice(0, 8)}`;
      const anam1 = subscribe('anam', anamName);
      await waitFor(anam1.started, 30_000, 'ANAM subscribed');
      const original = event('original', ['US', 'MX']);
      await bus.publish(TOPIC, [original.record]);
      await waitFor(() => ours(anam1.received).length === 1, 30_000, 'ANAM receiving the original');
      // ANAM goes away with the original acknowledged; the correction will meet it on its return.
      anam1.call.end();
      expect((await anam1.status).code).toBe(status.OK);
      await waitFor(() => disclosuresOf(original.eventId) > 0, 10_000, 'the original’s disclosure chained');
      expect(disclosuresOf(original.eventId)).toBe(1);
      expect(await ledger.delivered(original.eventId, { country: 'MX', agency: 'ANAM' })).toBe(true);
      expect(await ledger.delivered(original.eventId, { country: 'MX', agency: 'FGR' })).toBe(false);

      const fgr = subscribe('fgr', `corr-fgr-${randomUUID().slice(0, 8)}`);
      await waitFor(fgr.started, 30_000, 'FGR subscribed');
      const retracting = event('retraction', ['US'], original.eventId);
      const marker = event('marker', ['US', 'MX']);
      await bus.publish(TOPIC, [retracting.record, marker.record]);
      const has = (stream: TestSubscriber, id: string) => stream.received.some((d) => d.eventId === id);
      await waitFor(() => has(fgr, marker.eventId), 30_000, 'FGR receiving the marker');
      // FGR never received the original: its correction is withheld from it, and nothing else.
      expect(ours(fgr.received)).toEqual(['marker']);

      // ANAM resumes where it acknowledged: the notice, in the correction's place, then the marker.
      const anam2 = subscribe('anam', anamName);
      await waitFor(() => has(anam2, marker.eventId), 30_000, 'ANAM resumed');
      expect(ours(anam2.received)).toEqual(['retraction retracts original', 'marker']);
      const notice = anam2.received.find((d) => d.retraction)!;
      expect(notice).toMatchObject({ key: '', schemaId: 0, payload: Buffer.alloc(0) });
      // Which gate, never the record's markings: a notice discloses nothing of the withheld record.
      expect(notice.retraction?.reason).toBe('the origin no longer releases the record to your country');

      // Live: another withheld correction of the original, then one the agreement still admits.
      const again = event('second retraction', ['US'], original.eventId);
      const admitted = event('admitted correction', ['US', 'MX'], original.eventId);
      await bus.publish(TOPIC, [again.record, admitted.record]);
      await waitFor(() => has(anam2, admitted.eventId), 30_000, 'ANAM live');
      await waitFor(() => has(fgr, admitted.eventId), 30_000, 'FGR live');
      expect(ours(anam2.received).slice(2)).toEqual(['second retraction retracts original', 'admitted correction']);
      expect(ours(fgr.received)).toEqual(['marker', 'admitted correction']);
      const delivered = anam2.received.find((d) => d.eventId === admitted.eventId)!;
      expect(delivered.retraction).toBeUndefined();
      expect(JSON.parse(delivered.payload.toString()).meta.supersedes).toEqual({ string: original.eventId });
    });
  });
