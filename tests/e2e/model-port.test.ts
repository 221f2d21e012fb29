// The model port at work on a real Kafka, every service wired as in production: a US agency
// publishes manifests through the gateway; US screening flags a consignee listed under a variant
// spelling; US risk management sends that shipment to secondary inspection and a trusted
// shipper's to the expedited lane; the MX partner receives the US assessments through the
// agreement, with only the fields it allows.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
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
import { createScreeningService, loadWatchlists, fixedWatchlists, type ScreeningService } from '@puente/screening';
import { type ConsumedRecord, KafkaBus } from '@puente/bus';
import { createCodec, parseSchemaText } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tokens = readDevTokens();
const auth = (name: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};
const example = (file: string) =>
  (
    JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/${file}`, 'utf8')) as {
      value: Record<string, any>;
    }
  ).value;

describe('the model port end to end on Kafka', () => {
  const codec = createCodec();
  let bus: KafkaBus;
  let gateway: TestGateway;
  let screening: ScreeningService;
  let risk: RiskService;
  let client: ShareServiceClient;
  let partner: ClientDuplexStream<SubscribeRequest, SubscribeResponse>;
  const deliveries: Delivery[] = [];
  let viewSchema = '';

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'e2e', heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({ bus, codec });
    const run = randomUUID().slice(0, 8);
    screening = createScreeningService({
      bus,
      codec,
      country: 'US',
      watchlists: fixedWatchlists(loadWatchlists(`${root}deploy/watchlists/us.yaml`)),
      groupId: `e2e.screening.${run}`,
    });
    const files = defaultRiskFiles('US');
    risk = createRiskService({
      bus,
      codec,
      country: 'US',
      rules: loadRiskRules(files.rulesFile),
      trustedShippers: loadTrustedShippers(files.trustedShippersFile),
      groupId: `e2e.risk.${run}`,
    });
    await screening.start();
    await risk.start();
    client = gateway.client;
    partner = client.subscribe(auth('dev-mx-anam-subscriber'));
    let started = false;
    partner.on('data', (message: SubscribeResponse) => {
      if (message.kind?.$case === 'started') {
        started = true;
        viewSchema = message.kind.value.feeds[0]?.viewSchema ?? '';
      } else if (message.kind?.$case === 'deliveries') {
        deliveries.push(...message.kind.value.deliveries);
        const last = message.kind.value.deliveries.at(-1);
        if (last) partner.write({ kind: { $case: 'ack', value: { cursors: [last.cursor] } } });
      }
    });
    partner.on('error', () => undefined);
    partner.write({
      kind: {
        $case: 'start',
        value: {
          subscription: `e2e-${run}`,
          feeds: ['us-to-mx/us.risk-assessments.v1'],
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition: StartPosition.LATEST,
          maxUnacked: 500,
          maxBatchSize: 100,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    await waitFor(() => started, 30_000, 'the MX subscription to start');
  });

  afterAll(async () => {
    partner?.end();
    client?.close();
    await risk?.stop();
    await screening?.stop();
    await gateway?.stop(1_000);
    await bus?.stop();
  });

  it('flags a watchlisted consignee, inspects that shipment, expedites a trusted shipper, and shares both with MX', async () => {
    // Otay Mesa produce: the consignee is listed as "Pacific Boarder Produce Company"; no driver on
    // this crossing, so the consignee is the one hit.
    const flagged = example('us-northbound-otay-mesa-produce.json');
    flagged['meta'].eventId = randomUUID();
    flagged['manifestId'] = `E2E-FLAG-${randomUUID().slice(0, 8)}`;
    flagged['driver'] = null;
    // Laredo: a C-TPAT shipper with clean screening.
    const trusted = example('us-northbound-laredo.json');
    trusted['meta'].eventId = randomUUID();
    trusted['manifestId'] = `E2E-TRUST-${randomUUID().slice(0, 8)}`;
    for (const value of [flagged, trusted]) {
      const request = {
        topic: 'us.cargo-manifests.v1',
        key: '',
        payloadFormat: PayloadFormat.AVRO_JSON,
        payload: Buffer.from(
          JSON.stringify(
            codec.toAvroJson('us.cargo-manifests.v1', codec.fromFriendlyJson('us.cargo-manifests.v1', value)),
          ),
        ),
        schemaId: 0,
      };
      // As share.proto tells publishers: after UNAVAILABLE (a freshly started gateway's first
      // produce can miss its 1 s deadline on a busy machine), publish the same eventId again.
      for (let attempt = 1; ; attempt++) {
        const error = await new Promise<ServiceError | null>((resolve) =>
          client.publish(request, auth('dev-us-cbp-publisher'), (e) => resolve(e)),
        );
        if (!error) break;
        if (error.code !== status.UNAVAILABLE || attempt === 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }

    // US screening: the consignee under its variant spelling.
    const results: ConsumedRecord[] = [];
    const reader = await bus.readFrom({
      topic: 'us.screening-results.v1',
      positions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })),
      handler: async (batch) => {
        results.push(...batch.records.filter((r) => r.key === flagged['manifestId']));
      },
    });
    await waitFor(() => results.length >= 3, 60_000, 'three screening results for the flagged manifest');
    await reader.stop();
    const consignee = results
      .map((r) => codec.decode(r.value!, { topic: 'us.screening-results.v1' }).value as Record<string, any>)
      .find((r) => String(r['screeningId']).endsWith('/consignee'));
    expect(['POTENTIAL_MATCH', 'CONFIRMED_MATCH']).toContain(consignee?.['outcome']);
    expect(consignee?.['matchedEntry']?.matchedName).toBeTruthy();

    // The MX partner receives both US assessments as the agreement's view.
    const viewType = parseSchemaText(viewSchema);
    const viewOf = (manifestId: string) =>
      deliveries
        .map((d) => viewType.fromBuffer(d.payload.subarray(5)) as Record<string, any>)
        .find((v) => v['subject']?.entityId === manifestId);
    await waitFor(
      () => !!viewOf(flagged['manifestId']) && !!viewOf(trusted['manifestId']),
      90_000,
      'both assessments in MX',
    );
    const high = viewOf(flagged['manifestId'])!;
    expect(high['level']).toBe('HIGH');
    expect(high['recommendedLane']).toBe('SECONDARY_INSPECTION');
    expect(high['factors'].map((f: { code: string }) => f.code).join(' ')).toMatch(
      /WATCHLIST_(POTENTIAL|CONFIRMED)_MATCH/,
    );
    const low = viewOf(trusted['manifestId'])!;
    expect(low['level']).toBe('LOW');
    expect(low['recommendedLane']).toBe('EXPEDITED');
    // Fields the agreement does not release never reach Mexico.
    expect(high['score']).toBeUndefined();
    expect(high['factors'][0].weight).toBeUndefined();
    expect(viewSchema).not.toContain('"score"');
  });
});
