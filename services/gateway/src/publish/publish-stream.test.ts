// PublishStream's window on real gRPC sockets, with a stand-in publisher (no Kafka): a client
// that never reads its answers is held back rather than buffered for, and a publish path that
// fails as a whole answers its events with INTERNAL and leaves the stream working.
import { randomUUID } from 'node:crypto';

import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorReasonOf,
  fromRpcStatus,
  PayloadFormat,
  ShareServiceClient,
  ShareServiceService,
  type PublishRequest,
  type PublishStreamResponse,
} from '@puente/proto';
import { createCodec } from '@puente/contracts';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { readDevTokens } from '../dev/dev-tokens.js';
import { devGatewayParts } from '../dev/dev-wiring.js';
import type { Principal } from '../auth/identity.js';
import type { Publisher, PublishOutcome } from './publisher.js';
import { createShareService, type ShareServiceDeps } from '../share-service.js';
import { PUBLISH_STREAM_WINDOW } from './publish-stream.js';
import type { SessionDeps } from '../subscribe/session.js';

const codec = createCodec();
const tokens = readDevTokens();
const TOPIC = 'us.cargo-manifests.v1';

const auth = () => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get('dev-us-cbp-publisher') ?? ''}`);
  return metadata;
};

const event = (): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: PayloadFormat.AVRO_JSON,
  payload: Buffer.from(randomUUID()),
  schemaId: 0,
});

/** Accepts every event at once, as a Kafka that is never the bottleneck would. */
const accepting: Publisher = {
  publishBatch: async (_principal: Principal, requests: readonly PublishRequest[]): Promise<PublishOutcome[]> =>
    requests.map((_, i) => ({
      ok: true,
      response: {
        eventId: randomUUID(),
        topic: TOPIC,
        partition: 0,
        offset: String(i),
        schemaId: 1,
        timestamp: new Date(0),
        duplicate: false,
      },
    })),
  inFlight: () => 0,
};

describe('PublishStream on real gRPC', () => {
  let server: Server | undefined;
  let client: ShareServiceClient | undefined;
  afterEach(async () => {
    client?.close();
    await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
    server?.forceShutdown();
  });

  async function serve(publisher: Publisher, backlog?: (unanswered: number) => void) {
    const dev = devGatewayParts(codec);
    const deps: ShareServiceDeps = {
      authenticator: dev.authenticator,
      publisher,
      // Subscribe is not used here.
      session: {} as SessionDeps,
      feedsFor: () => [],
      allFeeds: () => [],
      viewSchemaId: () => 0,
      sessions: new Map(),
      maxStreamsPerCaller: 4,
      ...(backlog ? { onPublishStreamBacklog: backlog } : {}),
    };
    server = new Server();
    server.addService(ShareServiceService, createShareService(deps).handlers);
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new ShareServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    return client;
  }

  it('stops reading requests while the client does not read its answers; all are answered once it does', async () => {
    let read = 0;
    const client = await serve(accepting, () => read++);
    const requests = 2_000;
    const perRequest = 20;
    const call = client.publishStream(auth());
    const responses: PublishStreamResponse[] = [];
    call.on('data', (response: PublishStreamResponse) => responses.push(response));
    // The client's readable side is paused: answers pile up on the gateway's side unless it stops.
    call.pause();
    const ended = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    for (let i = 0; i < requests; i++) {
      call.write({ sequence: String(i), events: Array.from({ length: perRequest }, event) });
    }
    call.end();
    // Reading stops: the count settles well short of what was sent.
    let last = -1;
    await waitFor(
      async () => {
        // At least a window's worth is read whatever the client does; then the count stops.
        const settled = read >= PUBLISH_STREAM_WINDOW.requests && read === last;
        last = read;
        await new Promise((resolve) => setTimeout(resolve, 500));
        return settled;
      },
      20_000,
      'the gateway to stop reading',
    );
    console.log(`PublishStream with its answers unread: the gateway read ${read} of ${requests} requests`);
    expect(responses).toHaveLength(0);
    expect(read).toBeLessThan(requests / 4);

    call.resume();
    await ended;
    expect(read).toBe(requests);
    expect(responses.map((r) => Number(r.sequence))).toEqual(Array.from({ length: requests }, (_, i) => i));
    expect(responses.every((r) => r.outcomes.length === perRequest)).toBe(true);
  });

  it('answers every event INTERNAL when the publish path fails as a whole, and reads on', async () => {
    let calls = 0;
    const failing: Publisher = {
      publishBatch: async (principal, requests) => {
        calls++;
        if (calls === 1) throw new Error('the publish path broke (test)');
        return accepting.publishBatch(principal, requests);
      },
      inFlight: () => 0,
    };
    const client = await serve(failing);
    const call = client.publishStream(auth());
    const responses: PublishStreamResponse[] = [];
    call.on('data', (response: PublishStreamResponse) => responses.push(response));
    let error: ServiceError | undefined;
    const ended = new Promise<void>((resolve) => {
      call.on('end', resolve);
      call.on('error', (e: ServiceError) => {
        error = e;
        resolve();
      });
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // More requests than the window: a failure must still free its place in it.
      const requests = PUBLISH_STREAM_WINDOW.requests + 4;
      call.write({ sequence: '0', events: [event(), event(), event()] });
      for (let i = 1; i < requests; i++) call.write({ sequence: String(i), events: [event()] });
      call.end();
      await ended;
      await new Promise((resolve) => setImmediate(resolve));
      expect(error).toBeUndefined();
      expect(responses.map((r) => Number(r.sequence))).toEqual(Array.from({ length: requests }, (_, i) => i));
      const first = responses[0]?.outcomes ?? [];
      expect(first).toHaveLength(3);
      for (const outcome of first) {
        if (outcome.outcome?.$case !== 'rejected') throw new Error('expected a rejection');
        expect(outcome.outcome.value.code).toBe(status.INTERNAL);
        expect(errorReasonOf(fromRpcStatus(outcome.outcome.value))).toBe(ErrorReason.INTERNAL);
      }
      expect(responses.slice(1).every((r) => r.outcomes[0]?.outcome?.$case === 'accepted')).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
