import { EventEmitter } from 'node:events';

import { Metadata, status } from '@grpc/grpc-js';
import type { Delivery, SubscribeRequest, SubscribeResponse } from '@puente/proto';
import { PayloadFormat } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import type { RiskError } from '../errors.js';
import {
  createPartnerFeed,
  partnerRecordOf,
  unwrapAvroJson,
  type PartnerRecord,
  type SubscribeStream,
} from './partner-feed.js';

/** A Subscribe call the test drives: what the client wrote, and messages/statuses from "the gateway". */
class FakeStream extends EventEmitter implements SubscribeStream {
  readonly written: SubscribeRequest[] = [];
  ended = false;
  cancelled = false;
  write(request: SubscribeRequest): boolean {
    this.written.push(request);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  cancel(): void {
    this.cancelled = true;
  }
  send(message: SubscribeResponse['kind']): void {
    this.emit('data', { kind: message });
  }
  started(): void {
    this.send({
      $case: 'started',
      value: {
        subscription: 's',
        streamId: 'x',
        maxUnacked: 10,
        maxBatchSize: 10,
        payloadFormat: PayloadFormat.AVRO_JSON,
        feeds: [],
      },
    });
  }
  deliver(...deliveries: Delivery[]): void {
    this.send({ $case: 'deliveries', value: { deliveries } });
  }
  fail(code: status, details = 'boom'): void {
    const error = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });
    this.emit('error', error);
  }
  acked(): string[] {
    return this.written.flatMap((r) => (r.kind?.$case === 'ack' ? r.kind.value.cursors : []));
  }
}

function delivery(offset: number, view: unknown, raw?: string): Delivery {
  return {
    cursor: `c${offset}`,
    feed: 'mx-to-us/mx.screening-results.v1',
    topic: 'mx.screening-results.v1',
    partition: 0,
    offset: String(offset),
    key: `K${offset}`,
    eventId: `e${offset}`,
    timestamp: undefined,
    schemaId: 7,
    payloadFormat: PayloadFormat.AVRO_JSON,
    payload: Buffer.from(raw ?? JSON.stringify(view)),
    agreementVersion: '2',
    retraction: undefined,
  };
}

function harness(options: { handler?: (r: PartnerRecord) => Promise<void>; onEnded?: (e: RiskError) => void } = {}) {
  const streams: FakeStream[] = [];
  const sleeps: number[] = [];
  const feed = createPartnerFeed({
    open: () => {
      const s = new FakeStream();
      streams.push(s);
      return s;
    },
    start: {
      subscription: 'puente-pre-clearance-us',
      feeds: ['mx-to-us/mx.screening-results.v1'],
      payloadFormat: PayloadFormat.AVRO_JSON,
      startPosition: 1,
      maxUnacked: 10,
      maxBatchSize: 10,
      purposes: ['CUSTOMS'],
    },
    initialBackoffMs: 100,
    maxBackoffMs: 400,
    startTimeoutMs: 60_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...(options.onEnded ? { onEnded: options.onEnded } : {}),
  });
  const seen: PartnerRecord[] = [];
  const handler = options.handler ?? (async (r: PartnerRecord) => void seen.push(r));
  return { feed, streams, sleeps, seen, handler };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('unwrapAvroJson', () => {
  it('unwraps union branches by type name and keeps ordinary records', () => {
    expect(
      unwrapAvroJson({
        manifestReference: { string: 'TLBV-7781' },
        partyRole: { 'org.puente.v1.ManifestPartyRole': 'CONSIGNEE' },
        matchedEntry: { 'org.puente.v1.WatchlistMatch': { listId: 'UIF-LPB', matchedOn: ['name'] } },
        crossingReference: null,
        lists: [{ name: 'Lista de Personas Bloqueadas' }],
        meta: { eventId: 'e', supersedes: null },
      }),
    ).toEqual({
      manifestReference: 'TLBV-7781',
      partyRole: 'CONSIGNEE',
      matchedEntry: { listId: 'UIF-LPB', matchedOn: ['name'] },
      crossingReference: null,
      lists: [{ name: 'Lista de Personas Bloqueadas' }],
      meta: { eventId: 'e', supersedes: null },
    });
  });

  it('says why a payload cannot be read', () => {
    expect(partnerRecordOf(delivery(1, undefined, '{"broken'))).toMatch(/not Avro JSON/);
    expect(partnerRecordOf(delivery(1, [1, 2]))).toMatch(/not a JSON object/);
  });
});

describe('partner feed core', () => {
  it('starts with the subscription, hands records over in order and acks a batch only after the handler resolved', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    const h = harness({
      handler: async (r) => {
        seen.push(r.offset);
        if (r.offset === '1') await gate;
      },
    });
    const started = h.feed.start(h.handler);
    const s = h.streams[0]!;
    expect(s.written[0]?.kind?.$case).toBe('start');
    s.started();
    await started;
    s.deliver(delivery(1, { a: 1 }), delivery(2, { a: 2 }));
    await flush();
    expect(seen).toEqual(['1']);
    expect(s.acked()).toEqual([]);
    release();
    await flush();
    await flush();
    expect(seen).toEqual(['1', '2']);
    expect(s.acked()).toEqual(['c1', 'c2']);
  });

  it('acks an unreadable record (logged) instead of handing it over or stalling', async () => {
    const h = harness();
    const started = h.feed.start(h.handler);
    h.streams[0]!.started();
    await started;
    h.streams[0]!.deliver(delivery(1, undefined, 'not json'), delivery(2, { ok: { string: 'yes' } }));
    await flush();
    await flush();
    expect(h.seen.map((r) => r.view)).toEqual([{ ok: 'yes' }]);
    expect(h.streams[0]!.acked()).toEqual(['c1', 'c2']);
  });

  it('does not ack a record whose handler failed: it reopens the stream after a backoff', async () => {
    let fail = true;
    const h = harness({
      handler: async () => {
        if (fail) throw new Error('publish failed');
      },
    });
    const started = h.feed.start(h.handler);
    h.streams[0]!.started();
    await started;
    h.streams[0]!.deliver(delivery(1, {}));
    await flush();
    await flush();
    expect(h.streams[0]!.acked()).toEqual([]);
    expect(h.streams[0]!.cancelled).toBe(true);
    expect(h.streams).toHaveLength(2);
    fail = false;
    h.streams[1]!.started();
    h.streams[1]!.deliver(delivery(1, {}));
    await flush();
    await flush();
    expect(h.streams[1]!.acked()).toEqual(['c1']);
  });

  it('reconnects on UNAVAILABLE with a doubling, capped backoff reset by a start', async () => {
    const h = harness();
    const started = h.feed.start(h.handler);
    for (let i = 0; i < 4; i++) {
      h.streams[i]!.fail(status.UNAVAILABLE);
      await flush();
    }
    expect(h.sleeps).toEqual([100, 200, 400, 400]);
    h.streams[4]!.started();
    await started;
    h.streams[4]!.fail(status.UNAVAILABLE);
    await flush();
    expect(h.sleeps.at(-1)).toBe(100);
    expect(h.streams).toHaveLength(6);
  });

  it('ends with a clear error on PERMISSION_DENIED at start, without reconnecting', async () => {
    const h = harness();
    const started = h.feed.start(h.handler);
    h.streams[0]!.fail(status.PERMISSION_DENIED, 'no agreement shares mx.screening-results.v1 with US/CBP');
    await expect(started).rejects.toThrow(
      /puente-pre-clearance-us.*refused by the gateway: PERMISSION_DENIED.*no agreement/,
    );
    await flush();
    expect(h.streams).toHaveLength(1);
  });

  it('tells onEnded when the gateway refuses it later (UNAUTHENTICATED)', async () => {
    const ended: RiskError[] = [];
    const h = harness({ onEnded: (e) => ended.push(e) });
    const started = h.feed.start(h.handler);
    h.streams[0]!.started();
    await started;
    h.streams[0]!.fail(status.UNAUTHENTICATED, 'token revoked');
    await flush();
    expect(ended.map((e) => e.code)).toEqual(['PARTNER_FEED_REFUSED']);
    expect(h.streams).toHaveLength(1);
  });

  it('stops by half-closing once the record in hand is done', async () => {
    const h = harness();
    const started = h.feed.start(h.handler);
    h.streams[0]!.started();
    await started;
    const stopping = h.feed.stop();
    await flush();
    expect(h.streams[0]!.ended).toBe(true);
    h.streams[0]!.emit('status', { code: status.OK, details: '', metadata: new Metadata() });
    await stopping;
    expect(h.streams).toHaveLength(1);
  });
});
