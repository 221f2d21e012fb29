// What the console's browser tests run against: a gateway on real Kafka with the US ledger and its
// real audit service; CBP publishing manifests (one of them republished with other content, as a
// producer retrying outside the gateway would), ANAM subscribed to them, ANAM publishing an MX
// manifest holding values only its raw record has; a service's consumer group committing on the US
// topic; the console in front of the gateway, and headless Chromium.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata } from '@grpc/grpc-js';
import type { AuditService } from '@puente/audit';
import { startTestAudit } from '@puente/audit/testing';
import { KafkaBus, type Subscription } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { type CargoManifest, createCodec } from '@puente/contracts';
import { readDevTokens } from '@puente/gateway/dev';
import { openTestSubscriber, startTestGateway, type TestGateway, type TestSubscriber } from '@puente/gateway/testing';
import { devCheckpointPublicKeys } from '@puente/ledger';
import { openTestLedger, type TestLedger } from '@puente/ledger/testing';
import { PayloadFormat, type PublishResponse, StartPosition } from '@puente/proto';
import { waitFor } from '@puente/runtime/testing';

import { type ConsoleServer, createConsoleServer } from '../create-console-server.js';
import { launchTestBrowser, type TestBrowser } from './browser.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
export const US_TOPIC = 'us.cargo-manifests.v1';
export const MX_TOPIC = 'mx.cargo-manifests.v1';
/** conveyance.vehicleIdentificationNumber: no us-to-mx rule keeps it, so MX never receives it. */
export const US_VIN = '3AKJHHDR7NSMT4821';

const codec = createCodec();
const tokens = readDevTokens();
export const token = (name: string): string => tokens.get(name) ?? '';
const example = (file: string, topic: string): CargoManifest =>
  codec.fromFriendlyJson(
    topic,
    (JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/${file}`, 'utf8')) as { value: unknown }).value,
  ) as CargoManifest;

export interface ConsoleFixture {
  readonly run: string;
  readonly console: ConsoleServer;
  readonly browser: TestBrowser;
  /** ANAM's subscription (lag, receipts). */
  readonly subscription: string;
  /** A consumer group holding committed offsets on the US topic. */
  readonly consumerGroup: string;
  /** Three US manifests' event ids, published through the gateway. */
  readonly usEvents: readonly string[];
  /** An event id with two records: `CONSOLE-<run>-FIRST`, then `CONSOLE-<run>-AGAIN`. */
  readonly republished: string;
  readonly mxEvent: string;
  /** Values only the raw MX record holds: dropped (consignor street) and hashed (document number) by mx-to-us. */
  readonly mxRawStreet: string;
  readonly mxRawDocument: string;
  readonly publishedFrom: Date;
  close(): Promise<void>;
}

export async function startConsoleFixture(): Promise<ConsoleFixture> {
  const run = randomUUID().slice(0, 8);
  const closers: (() => Promise<unknown> | void)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'console-it', heartbeatIntervalMs: 500 });
    await bus.start();
    closers.push(() => bus.stop());
    const ledger: TestLedger = await openTestLedger('pglite', 'US');
    closers.push(() => ledger.close());
    const checkpointTopic = `us.audit-checkpoints.console-${run}`;
    const gateway: TestGateway = await startTestGateway({
      bus,
      codec,
      ledgers: { US: ledger },
      checkpointKeys: devCheckpointPublicKeys(),
      checkpointTopic: () => checkpointTopic,
    });
    closers.push(() => gateway.stop(1_000));
    const audit: AuditService = await startTestAudit({ bus, codec, store: ledger, country: 'US', checkpointTopic });
    closers.push(() => audit.stop());

    const publish = async (topic: string, value: CargoManifest, publisher: string): Promise<string> => {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${token(publisher)}`);
      const answer = await new Promise<PublishResponse>((resolve, reject) =>
        gateway.client.publish(
          {
            topic,
            key: '',
            payloadFormat: PayloadFormat.AVRO_CONFLUENT,
            payload: codec.encode(topic, value),
            schemaId: 0,
          },
          metadata,
          (error, response) => (error ? reject(error) : resolve(response)),
        ),
      );
      return answer.eventId;
    };

    const subscription = `console-anam-${run}`;
    const anam: TestSubscriber = openTestSubscriber(gateway.client, token('dev-mx-anam-subscriber'), {
      subscription,
      feeds: [`us-to-mx/${US_TOPIC}`],
      payloadFormat: PayloadFormat.AVRO_JSON,
      startPosition: StartPosition.LATEST,
      maxUnacked: 100,
      maxBatchSize: 10,
      purposes: ['CUSTOMS'],
    });
    closers.push(() => anam.call.cancel());
    await waitFor(anam.started, 30_000, 'ANAM subscribed');

    const us = example('us-northbound-laredo.json', US_TOPIC);
    const publishedFrom = new Date(Date.now() - 1_000);
    const usEvents: string[] = [];
    for (let i = 0; i < 3; i++) {
      const manifest = { ...us, manifestId: `CONSOLE-${run}-${i}`, meta: { ...us.meta, eventId: randomUUID() } };
      usEvents.push(await publish(US_TOPIC, manifest, 'dev-us-cbp-publisher'));
    }
    // The gateway answers a second publish of an event id as a duplicate; a producer writing to
    // Kafka itself (a retry after a restart) leaves two records with one id. The newer is written
    // straight to the topic.
    const first = { ...us, manifestId: `CONSOLE-${run}-FIRST`, meta: { ...us.meta, eventId: randomUUID() } };
    const republished = await publish(US_TOPIC, first, 'dev-us-cbp-publisher');
    const again = { ...first, manifestId: `CONSOLE-${run}-AGAIN`, meta: { ...first.meta, eventId: republished } };
    await bus.publish(US_TOPIC, [{ key: again.manifestId, value: Buffer.from(codec.encode(US_TOPIC, again)) }]);

    const mxRawStreet = `Calle Solo Cruda ${run}`;
    const mxRawDocument = `RAW${run.toUpperCase()}`;
    const mx = example('mx-southbound-ciudad-juarez.json', MX_TOPIC);
    const mxEvent = await publish(
      MX_TOPIC,
      {
        ...mx,
        manifestId: `CONSOLE-MX-${run}`,
        meta: { ...mx.meta, eventId: randomUUID() },
        consignor: { ...mx.consignor, address: { ...mx.consignor.address!, street: mxRawStreet } },
        driver: {
          ...mx.driver!,
          documents: mx.driver!.documents.map((d, i) => (i === 0 ? { ...d, documentNumber: mxRawDocument } : d)),
        },
      },
      'dev-mx-anam-publisher',
    );
    await waitFor(() => anam.received.length >= 4, 30_000, 'ANAM receiving the manifests');

    // A service's consumer group on the US topic (as screening's is), committing what it read.
    const consumerGroup = `console-it-group-${run}`;
    const group: Subscription = await bus.subscribe({
      groupId: consumerGroup,
      topics: [US_TOPIC],
      fromBeginning: true,
      autoCommit: true,
      handler: async () => undefined,
    });
    closers.push(() => group.stop());
    await waitFor(
      async () =>
        (await bus.admin.describeGroup(consumerGroup, [US_TOPIC])).partitions.some((p) => p.committed !== null),
      60_000,
      'the consumer group committing on the US topic',
    );

    const consoleServer = createConsoleServer({ gatewayAddress: gateway.address, port: 0, sampleIntervalMs: 500 });
    await consoleServer.start();
    closers.push(() => consoleServer.stop());
    const browser = await launchTestBrowser();
    closers.push(() => browser.close());
    return {
      run,
      console: consoleServer,
      browser,
      subscription,
      consumerGroup,
      usEvents,
      republished,
      mxEvent,
      mxRawStreet,
      mxRawDocument,
      publishedFrom,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
