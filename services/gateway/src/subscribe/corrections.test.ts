// Corrections under a live subscription, on MemoryBus and real gRPC on loopback, with a stand-in
// ledger: a correction the agreement withholds becomes a retraction notice for exactly the
// agencies the ledger says received the original, in the record's place, audited first; one it
// admits is delivered as usual; a failing ledger holds the correction back, never skips it.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  PayloadFormat,
  StartPosition,
  type Delivery,
  type ShareServiceClient,
  type SubscribeResponse,
} from '@puente/proto';
import { type Bus, type BusRecord, MemoryBus } from '@puente/bus';
import { type CargoManifest, createCodec } from '@puente/contracts';
import type { LedgerReader } from '@puente/ledger';
import { DISCLOSURE_TOPIC, type Country } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { readDevTokens } from '../dev/dev-tokens.js';
import { errorDetailsOf, startTestGateway, type TestGateway } from '../testing/index.js';

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

/** A manifest with a fresh event id, releasable as given, correcting `supersedes` when set. */
function manifest(releasableTo: string[], supersedes: string | null = null): { eventId: string; record: BusRecord } {
  const eventId = randomUUID();
  const value: CargoManifest = {
    ...example,
    meta: { ...example.meta, eventId, releasableTo: releasableTo as never, supersedes },
  };
  return { eventId, record: { key: value.manifestId, value: codec.encode(TOPIC, value) } };
}

/** A ledger that knows the deliveries it is told of, and can be made to fail. */
function standInLedger() {
  const deliveries = new Set<string>();
  const state = { failures: 0, calls: 0 };
  const ledger: LedgerReader = {
    country: 'US',
    delivered: async (eventId: string, recipient: { country: Country; agency: string }) => {
      state.calls++;
      if (state.failures > 0) {
        state.failures--;
        throw new Error('ledger down (test)');
      }
      return deliveries.has(`${eventId}/${recipient.country}/${recipient.agency}`);
    },
    head: () => Promise.reject(new Error('not used')),
    entry: () => Promise.reject(new Error('not used')),
    verify: () => Promise.reject(new Error('not used')),
    recipientsOf: () => Promise.reject(new Error('not used')),
    listDisclosures: () => Promise.reject(new Error('not used')),
    // Chained everything: the MemoryBus disclosure topic's ends are checked against it.
    positions: async (topic: string) =>
      Array.from({ length: 8 }, (_, partition) => ({ topic, partition, offset: String(Number.MAX_SAFE_INTEGER) })),
  };
  return { ledger, state, received: (eventId: string, agency: string) => deliveries.add(`${eventId}/MX/${agency}`) };
}

describe('a correction under a subscription', () => {
  let gateway: TestGateway | undefined;
  let bus: MemoryBus | undefined;
  afterEach(async () => {
    await gateway?.stop(500);
    await bus?.stop();
  });

  /** Each disclosed event as `eventId/agency`, as the gateway writes them. */
  let disclosed: string[] = [];

  async function setUp(ledger: LedgerReader) {
    bus = new MemoryBus();
    await bus.start();
    const inner = bus;
    disclosed = [];
    const wrapped = Object.create(inner) as Bus;
    wrapped.publish = async (topic: string, records: readonly BusRecord[]) => {
      if (topic === DISCLOSURE_TOPIC) {
        for (const record of records) {
          const value = codec.decode(record.value!).value as {
            sourceEventId: string | null;
            events?: { eventId: string }[];
            recipient: { agency: string };
          };
          // Written before batching (one event) or batched (events): either way, per event.
          const ids = [value.sourceEventId, ...(value.events ?? []).map((e) => e.eventId)];
          for (const id of ids) if (id) disclosed.push(`${id}/${value.recipient.agency}`);
        }
      }
      return inner.publish(topic, records);
    };
    gateway = await startTestGateway({ bus: wrapped, codec, partitions: 1, ledgers: { US: ledger } });
    return gateway.client;
  }

  /** A stream that acknowledges what it receives and keeps the cursors confirmed committed. */
  function subscribe(client: ShareServiceClient, token: string, name = 'corrections') {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${tokens.get(token) ?? ''}`);
    const call = client.subscribe(metadata);
    const received: Delivery[] = [];
    const confirmed: string[] = [];
    let started = false;
    const ended = new Promise<ServiceError>((resolve) => call.on('error', resolve));
    call.on('data', (message: SubscribeResponse) => {
      const kind = message.kind;
      if (kind?.$case === 'started') started = true;
      if (kind?.$case === 'committed') confirmed.push(...kind.value.cursors);
      if (kind?.$case === 'deliveries') {
        received.push(...kind.value.deliveries);
        call.write({ kind: { $case: 'ack', value: { cursors: kind.value.deliveries.map((d) => d.cursor) } } });
      }
    });
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: name,
          feeds: [`us-to-mx/${TOPIC}`],
          payloadFormat: PayloadFormat.AVRO_JSON,
          startPosition: StartPosition.EARLIEST,
          maxUnacked: 100,
          maxBatchSize: 10,
          purposes: ['CUSTOMS'],
        },
      },
    });
    return { call, received, confirmed, ended, started: () => started };
  }

  it('sends a retraction notice, in the record’s place, only to the agency that received the original', async () => {
    const { ledger, state, received } = standInLedger();
    const client = await setUp(ledger);
    const original = manifest(['US', 'MX']);
    received(original.eventId, 'ANAM');
    const before = manifest(['US', 'MX']);
    const correction = manifest(['US'], original.eventId);
    const after = manifest(['US', 'MX']);
    await bus!.publish(TOPIC, [before.record, correction.record, after.record]);

    const anam = subscribe(client, 'dev-mx-anam-subscriber');
    const fgr = subscribe(client, 'dev-mx-fgr-subscriber');
    await waitFor(() => anam.received.length === 3 && fgr.received.length === 2, 5_000, 'both feeds');
    expect(anam.received.map((d) => [d.offset, d.eventId, d.retraction?.retractedEventId])).toEqual([
      ['0', before.eventId, undefined],
      ['1', correction.eventId, original.eventId],
      ['2', after.eventId, undefined],
    ]);
    const notice = anam.received[1]!;
    // Which gate, never the record's markings: a notice discloses nothing of the withheld record.
    expect(notice.retraction?.reason).toBe('the origin no longer releases the record to your country');
    expect(notice).toMatchObject({ payload: Buffer.alloc(0), schemaId: 0, key: '', agreementVersion: '1' });
    // FGR never received the original: the correction is simply withheld, and its cursor moves past it.
    expect(fgr.received.map((d) => d.eventId)).toEqual([before.eventId, after.eventId]);
    await waitFor(() => fgr.confirmed.some((c) => c.endsWith(':0:2')), 5_000, 'FGR committed past the correction');
    expect(state.calls).toBe(2);
    // The notice was audited before it was sent, like any delivery: for ANAM only, as a RETRACTION
    // disclosure whose event is the retracted one (the correction itself reached nobody).
    expect(disclosed.filter((d) => d.startsWith(original.eventId))).toEqual([`${original.eventId}/ANAM`]);
    expect(disclosed.filter((d) => d.startsWith(correction.eventId))).toEqual([]);
    expect(disclosed).toHaveLength(5);
    anam.call.end();
    fgr.call.end();
  });

  it('delivers a correction the agreement still admits as usual, without asking the ledger', async () => {
    const { ledger, state, received } = standInLedger();
    const client = await setUp(ledger);
    const original = manifest(['US', 'MX']);
    received(original.eventId, 'ANAM');
    const correction = manifest(['US', 'MX'], original.eventId);
    await bus!.publish(TOPIC, [correction.record]);

    const anam = subscribe(client, 'dev-mx-anam-subscriber');
    await waitFor(() => anam.received.length === 1, 5_000, 'the correction');
    const delivery = anam.received[0]!;
    expect(delivery.retraction).toBeUndefined();
    expect(delivery.eventId).toBe(correction.eventId);
    const view = JSON.parse(delivery.payload.toString()) as { meta: { supersedes: unknown } };
    expect(view.meta.supersedes).toEqual({ string: original.eventId });
    expect(state.calls).toBe(0);
    anam.call.end();
  });

  it('rides out a brief ledger failure and still sends the notice', async () => {
    const { ledger, state, received } = standInLedger();
    const client = await setUp(ledger);
    const original = manifest(['US', 'MX']);
    received(original.eventId, 'ANAM');
    const correction = manifest(['US'], original.eventId);
    await bus!.publish(TOPIC, [correction.record]);
    state.failures = 2;

    const anam = subscribe(client, 'dev-mx-anam-subscriber');
    await waitFor(() => anam.received.length === 1, 5_000, 'the notice');
    expect(anam.received[0]?.retraction?.retractedEventId).toBe(original.eventId);
    expect(state.calls).toBe(3);
    anam.call.end();
  });

  it('ends the stream LEDGER_UNAVAILABLE while the ledger stays down, and the next stream gets the notice', async () => {
    const { ledger, state, received } = standInLedger();
    const client = await setUp(ledger);
    const original = manifest(['US', 'MX']);
    received(original.eventId, 'ANAM');
    const first = manifest(['US', 'MX']);
    const correction = manifest(['US'], original.eventId);
    await bus!.publish(TOPIC, [first.record]);
    const one = subscribe(client, 'dev-mx-anam-subscriber');
    await waitFor(() => one.confirmed.length === 1, 5_000, 'the first record committed');

    state.failures = Number.POSITIVE_INFINITY;
    await bus!.publish(TOPIC, [correction.record]);
    const error = await one.ended;
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(errorDetailsOf(error).reason).toBe(ErrorReason.LEDGER_UNAVAILABLE);
    expect(one.received.map((d) => d.eventId)).toEqual([first.eventId]);

    state.failures = 0;
    const two = subscribe(client, 'dev-mx-anam-subscriber');
    await waitFor(() => two.received.length === 1, 5_000, 'the notice on the next stream');
    expect(two.received[0]).toMatchObject({ offset: '1', eventId: correction.eventId });
    expect(two.received[0]?.retraction?.retractedEventId).toBe(original.eventId);
    two.call.end();
  });
});
