// share.proto, Subscribe step 5, when the cursor cannot be committed: a half-close after an
// ack ends UNAVAILABLE (BUS_UNAVAILABLE), never OK, whether the commit fails or never lands.
// MemoryBus and real gRPC on loopback.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorReasonOf,
  fromRpcStatus,
  rpcStatusFromError,
  PayloadFormat,
  type ShareServiceClient,
  StartPosition,
  type SubscribeResponse,
} from '@puente/proto';
import { type Bus, BusError, type BusRecord, MemoryBus } from '@puente/bus';
import { type CargoManifest, createCodec } from '@puente/contracts';
import { SUBSCRIPTION_CURSOR_TOPIC } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { startTestGateway, type TestGateway } from '../testing/index.js';
import { readDevTokens } from '../dev/dev-tokens.js';
import { subscriptionOfClaimKey } from './claim-log.js';

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

describe('a half-close whose acks cannot be committed', () => {
  let gateway: TestGateway | undefined;
  let bus: MemoryBus | undefined;
  let client: ShareServiceClient | undefined;
  afterEach(async () => {
    client?.close();
    await gateway?.stop(500);
    await bus?.stop();
  });

  async function setUp(cursors: 'fail' | 'hang') {
    bus = new MemoryBus();
    await bus.start();
    const inner = bus;
    // A hung write is let through after the assertions, so the gateway can stop.
    const control = { down: false, held: [] as (() => void)[] };
    const wrapped = Object.create(inner) as Bus;
    wrapped.publish = async (topic: string, records: readonly BusRecord[]) => {
      // Cursor commits fail; a stream's claim records (claim-log.ts) go through.
      const commits = records.some((r) => !r.key || subscriptionOfClaimKey(r.key) === undefined);
      if (topic === SUBSCRIPTION_CURSOR_TOPIC && control.down && commits) {
        if (cursors === 'hang') {
          await new Promise<void>((resolve) => control.held.push(resolve));
          return inner.publish(topic, records);
        }
        // As a broker does: the refusal comes after a round trip, not in the same tick.
        await new Promise((resolve) => setTimeout(resolve, 100));
        throw new BusError({
          code: 'UNAVAILABLE',
          message: `${SUBSCRIPTION_CURSOR_TOPIC} cannot be written (test)`,
          retriable: true,
        });
      }
      return inner.publish(topic, records);
    };
    gateway = await startTestGateway({
      bus: wrapped,
      codec,
      partitions: 1,
      limits: { endCommitTimeoutMs: 300 },
    });
    client = gateway.client;
    return control;
  }

  /** Acks the first deliveries and half-closes at once; resolves with how the call ended. */
  async function ackAndHalfClose(): Promise<{
    status: StatusObject;
    error: ServiceError | undefined;
    committed: number;
  }> {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${tokens.get('dev-mx-anam-subscriber') ?? ''}`);
    const call = client!.subscribe(metadata);
    let committed = 0;
    let error: ServiceError | undefined;
    let started = false;
    call.on('error', (e: ServiceError) => (error = e));
    const ended = new Promise<StatusObject>((resolve) => call.on('status', resolve));
    call.on('data', (message: SubscribeResponse) => {
      const kind = message.kind;
      if (kind?.$case === 'started') started = true;
      if (kind?.$case === 'committed') committed += kind.value.cursors.length;
      if (kind?.$case === 'deliveries') {
        call.write({ kind: { $case: 'ack', value: { cursors: kind.value.deliveries.map((d) => d.cursor) } } });
        call.end();
      }
    });
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: 'half-close',
          feeds: [`us-to-mx/${TOPIC}`],
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition: StartPosition.LATEST,
          maxUnacked: 10,
          maxBatchSize: 10,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    await waitFor(() => started, 5_000, 'started');
    const manifest: CargoManifest = {
      ...example,
      manifestId: 'HALF-CLOSE-1',
      meta: { ...example.meta, eventId: randomUUID(), classification: 'SENSITIVE' },
    };
    await bus!.publish(TOPIC, [{ key: manifest.manifestId, value: codec.encode(TOPIC, manifest) }]);
    const result = await ended;
    return { status: result, error, committed };
  }

  for (const cursors of ['fail', 'hang'] as const) {
    it(`ends UNAVAILABLE (BUS_UNAVAILABLE), not OK, when the commit ${cursors === 'fail' ? 'fails' : 'never lands'}`, async () => {
      const control = await setUp(cursors);
      control.down = true;
      const { status: ended, error, committed } = await ackAndHalfClose();
      expect(ended.code).toBe(status.UNAVAILABLE);
      expect(committed).toBe(0);
      expect(error).toBeDefined();
      const rpc = rpcStatusFromError(error!);
      expect(errorReasonOf(rpc ? fromRpcStatus(rpc) : {})).toBe(ErrorReason.BUS_UNAVAILABLE);
      for (const release of control.held) release();
    });
  }
});
