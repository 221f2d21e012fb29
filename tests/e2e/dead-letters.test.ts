// A record that reaches a topic around the gateway must never stop anything. Malformed records
// produced straight to the US manifest and screening-result topics with a raw kafkajs producer
// (bytes that are not Avro, a Confluent frame naming an unknown schema id, an event whose
// meta.eventId is not a UUID) are set aside by screening, risk and the gateway's subscriptions in
// both payload formats: each lands on dlq.<topic> with its reason in headers, is counted, and the
// next good record is still screened, assessed and delivered. Real Kafka, real gRPC sockets.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { readDevTokens } from '@puente/gateway/dev';
import { startTestGateway, type TestGateway } from '@puente/gateway/testing';
import {
  PayloadFormat,
  type ShareServiceClient,
  StartPosition,
  type Delivery,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import {
  createRiskService,
  defaultRiskFiles,
  loadRiskRules,
  loadTrustedShippers,
  type RiskService,
} from '@puente/risk';
import { createScreeningService, fixedWatchlists, loadWatchlists, type ScreeningService } from '@puente/screening';
import { type ConsumedRecord, DEAD_LETTER_HEADERS, type DeadLetterCounter, KafkaBus } from '@puente/bus';
import { type CargoManifest, createCodec, type ScreeningResult } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { NOT_AVRO, unknownSchemaIdRecord, withEventId } from '@puente/contracts/testing';
import { waitFor } from '@puente/runtime/testing';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MANIFESTS = 'us.cargo-manifests.v1';
const RESULTS = 'us.screening-results.v1';
const ASSESSMENTS = 'us.risk-assessments.v1';
const tokens = readDevTokens();
const auth = (name: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};

interface Partner {
  readonly format: PayloadFormat;
  readonly deliveries: Delivery[];
  error?: ServiceError;
  started: boolean;
  readonly call: ClientDuplexStream<SubscribeRequest, SubscribeResponse>;
}

/** Sum of a dead-letter counter's values for one service and topic. */
async function counted(counter: DeadLetterCounter, service: string, topic: string): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((v) => v.labels.service === service && v.labels.topic === topic)
    .reduce((sum, v) => sum + v.value, 0);
}

describe('bad records produced around the gateway', () => {
  const codec = createCodec();
  const run = randomUUID().slice(0, 8);
  let bus: KafkaBus;
  let gateway: TestGateway;
  let screening: ScreeningService;
  let risk: RiskService;
  let client: ShareServiceClient;
  let producer: Producer;
  const partners: Partner[] = [];

  function subscribe(format: PayloadFormat): Partner {
    const call = client.subscribe(auth('dev-mx-anam-subscriber'));
    const partner: Partner = { format, deliveries: [], started: false, call };
    call.on('data', (message: SubscribeResponse) => {
      if (message.kind?.$case === 'started') partner.started = true;
      else if (message.kind?.$case === 'deliveries') {
        partner.deliveries.push(...message.kind.value.deliveries);
        const last = message.kind.value.deliveries.at(-1);
        if (last) call.write({ kind: { $case: 'ack', value: { cursors: [last.cursor] } } });
      }
    });
    call.on('error', (error: ServiceError) => {
      partner.error = error;
    });
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: `dlq-${format === PayloadFormat.AVRO_JSON ? 'json' : 'avro'}-${run}`,
          feeds: [`us-to-mx/${MANIFESTS}`],
          payloadFormat: format,
          startPosition: StartPosition.LATEST,
          maxUnacked: 100,
          maxBatchSize: 10,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    partners.push(partner);
    return partner;
  }

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'e2e-dlq', heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({ bus, codec });
    screening = createScreeningService({
      bus,
      codec,
      country: 'US',
      watchlists: fixedWatchlists(loadWatchlists(`${root}deploy/watchlists/us.yaml`)),
      groupId: `e2e.dlq.screening.${run}`,
    });
    const files = defaultRiskFiles('US');
    risk = createRiskService({
      bus,
      codec,
      country: 'US',
      rules: loadRiskRules(files.rulesFile),
      trustedShippers: loadTrustedShippers(files.trustedShippersFile),
      groupId: `e2e.dlq.risk.${run}`,
      joinTimeoutMs: 5_000,
    });
    await screening.start();
    await risk.start();
    client = gateway.client;
    const avro = subscribe(PayloadFormat.AVRO_CONFLUENT);
    const json = subscribe(PayloadFormat.AVRO_JSON);
    await waitFor(() => avro.started && json.started, 30_000, 'both subscriptions to start');
    const kafka = new Kafka({ clientId: 'raw-producer', brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    for (const partner of partners) partner.call.end();
    client?.close();
    await risk?.stop();
    await screening?.stop();
    await gateway?.stop(1_000);
    await bus?.stop();
  });

  /** Every record on a dead-letter topic now, read outside any group. */
  async function deadLetters(topic: string): Promise<ConsumedRecord[]> {
    const info = (await bus.admin.listTopics()).find((t) => t.topic === `dlq.${topic}`);
    const high = Number(info?.partitions[0]?.high ?? 0);
    if (high === 0) return [];
    const letters: ConsumedRecord[] = [];
    const reader = await bus.readFrom({
      topic: `dlq.${topic}`,
      positions: [{ partition: 0, offset: '0' }],
      handler: async (batch) => void letters.push(...batch.records),
    });
    await waitFor(() => letters.length >= high, 30_000, `dead letters of ${topic}`);
    await reader.stop();
    return letters;
  }

  it('sets them aside in every consumer, counts them, and goes on with the next good record', async () => {
    const good = codec.fromFriendlyJson(
      MANIFESTS,
      (
        JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
          value: unknown;
        }
      ).value,
    );
    const manifestId = `E2E-DLQ-${run}`;
    // SENSITIVE: a classification the us-to-mx agreement shares, so the bad copy is not simply withheld.
    const next: CargoManifest = {
      ...good,
      manifestId,
      meta: { ...good.meta, eventId: randomUUID(), classification: 'SENSITIVE' },
    };
    const badManifest = withEventId(
      codec.encode(MANIFESTS, { ...next, meta: { ...next.meta, eventId: randomUUID() } }),
      'not-a-uuid',
    );
    const someResult = {
      meta: { ...next.meta, eventId: randomUUID(), correlationId: randomUUID() },
      screeningId: `${manifestId}/consignor`,
      subjectType: 'PARTY',
      traveller: null,
      conveyance: null,
      shipmentReference: null,
      party: next.consignor,
      crossingReference: null,
      manifestReference: manifestId,
      partyRole: 'CONSIGNOR',
      portOfEntry: next.portOfEntry,
      screeningSystem: 'raw',
      lists: [],
      outcome: 'CLEAR',
      score: 0,
      matchedEntry: null,
      ruleId: 'RAW',
      referredForInspection: false,
    } as ScreeningResult;
    const badResult = withEventId(codec.encode(RESULTS, someResult), 'also-not-a-uuid');
    // Keyed as the good manifest: the bad records sit in front of it on its partition.
    const headers = { ce_type: 'org.puente.poison-test' };
    await producer.send({
      topic: MANIFESTS,
      acks: -1,
      messages: [NOT_AVRO, unknownSchemaIdRecord(), badManifest].map((value) => ({ key: manifestId, value, headers })),
    });
    await producer.send({
      topic: RESULTS,
      acks: -1,
      messages: [NOT_AVRO, badResult].map((value) => ({ key: manifestId, value, headers })),
    });
    await bus.publish(MANIFESTS, [{ key: manifestId, value: codec.encode(MANIFESTS, next) }]);

    // Every consumer reaches the good manifest: both partners get it, screening screens it, risk assesses it.
    await waitFor(
      () => partners.every((p) => p.deliveries.some((d) => d.eventId === next.meta.eventId)),
      60_000,
      'the good manifest delivered in both formats',
    );
    const assessed: ConsumedRecord[] = [];
    const reader = await bus.readFrom({
      topic: ASSESSMENTS,
      positions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })),
      handler: async (batch) => {
        for (const record of batch.records) {
          const value = codec.decode(record.value!, { topic: ASSESSMENTS }).value;
          if (value.subject.eventId === next.meta.eventId) assessed.push(record);
        }
      },
    });
    await waitFor(() => assessed.length > 0, 90_000, 'the good manifest assessed by risk');
    await reader.stop();
    for (const partner of partners) {
      expect(partner.error).toBeUndefined();
      expect(partner.deliveries.map((d) => d.eventId)).not.toContain('not-a-uuid');
    }

    // Each service set aside each bad manifest once, with its reason and the record as it was.
    let manifestLetters: ConsumedRecord[] = [];
    await waitFor(
      async () => {
        manifestLetters = (await deadLetters(MANIFESTS)).filter((r) => r.key === manifestId);
        return manifestLetters.length >= 9;
      },
      60_000,
      'nine dead letters (three services, three bad manifests)',
    );
    const header = (r: ConsumedRecord, name: string) => r.headers[name]?.toString();
    const byService = (service: string) =>
      manifestLetters
        .filter((r) => header(r, DEAD_LETTER_HEADERS.service) === service)
        .map((r) => `${header(r, DEAD_LETTER_HEADERS.reasonClass)}`)
        .sort();
    expect(byService('screening-us')).toEqual(['invalid', 'undecodable', 'unknown-schema']);
    expect(byService('risk-us')).toEqual(['invalid', 'undecodable', 'unknown-schema']);
    expect(byService('gateway')).toEqual(['invalid', 'undecodable', 'unknown-schema']);
    expect(manifestLetters).toHaveLength(9);
    for (const letter of manifestLetters) {
      expect(header(letter, DEAD_LETTER_HEADERS.sourceTopic)).toBe(MANIFESTS);
      expect(Number(header(letter, DEAD_LETTER_HEADERS.sourcePartition))).toBeGreaterThanOrEqual(0);
      expect(header(letter, DEAD_LETTER_HEADERS.sourceOffset)).toMatch(/^\d+$/);
      expect(header(letter, DEAD_LETTER_HEADERS.reason)?.length).toBeGreaterThan(0);
      // The original headers travel too — the gateway reads them again, as its tail drops them.
      expect(header(letter, 'ce_type')).toBe('org.puente.poison-test');
    }
    const invalid = manifestLetters.filter((r) => header(r, DEAD_LETTER_HEADERS.reasonClass) === 'invalid');
    for (const letter of invalid) expect(letter.value).toEqual(badManifest);

    // Risk sets the bad results aside on its own schedule: wait for them as for the manifests.
    let resultLetters: ConsumedRecord[] = [];
    await waitFor(
      async () => {
        resultLetters = (await deadLetters(RESULTS)).filter((r) => r.key === manifestId);
        return resultLetters.length >= 2;
      },
      60_000,
      'two dead letters of screening results (risk)',
    );
    expect(resultLetters.map((r) => header(r, DEAD_LETTER_HEADERS.service))).toEqual(['risk-us', 'risk-us']);
    expect(resultLetters.map((r) => header(r, DEAD_LETTER_HEADERS.reasonClass)).sort()).toEqual([
      'invalid',
      'undecodable',
    ]);

    expect(await counted(screening.deadLetters.counter, 'screening-us', MANIFESTS)).toBe(3);
    expect(await counted(risk.deadLetters.counter, 'risk-us', MANIFESTS)).toBe(3);
    expect(await counted(risk.deadLetters.counter, 'risk-us', RESULTS)).toBe(2);
    expect(await counted(gateway.gateway.metrics.poison, 'gateway', MANIFESTS)).toBe(3);
    const exposed = await gateway.gateway.metrics.registry.metrics();
    expect(exposed).toMatch(
      /puente_dead_lettered_total\{topic="us\.cargo-manifests\.v1",service="gateway",reason_class="invalid"\} 1/,
    );
  });
});
