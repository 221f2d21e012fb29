// ShareService's Publish and PublishStream: admitted, then handed to the publisher (one batch
// of one event) or to publish/publish-stream.ts, which reads a stream only as fast as it answers.
import type { PublishRequest, PublishResponse, PublishStreamRequest, PublishStreamResponse } from '@puente/proto';

import { streamHandler, unaryHandler } from './grpc/handler.js';
import { servePublishStream } from './publish/publish-stream.js';
import type { ShareCalls } from './share-calls.js';
import { releaseOnEnd } from './share-stream-limit.js';

export function publishHandler({ admit, authenticator, track, deps }: ShareCalls) {
  return unaryHandler<PublishRequest, PublishResponse>({ admit, authenticator, track }, async (principal, request) => {
    const [outcome] = await deps.publisher.publishBatch(principal, [request]);
    if (outcome?.ok) return outcome.response;
    throw outcome?.error ?? new Error('the publisher answered without an outcome');
  });
}

export function publishStreamHandler({ admit, authenticator, openStream, track, deps, state }: ShareCalls) {
  return streamHandler<PublishStreamRequest, PublishStreamResponse, () => void>(
    { admit, authenticator, roles: ['publisher'], open: openStream },
    (call, principal, release) => {
      releaseOnEnd(call, release);
      servePublishStream(call, principal, {
        publisher: deps.publisher,
        draining: () => state.draining,
        track,
        drainListeners: state.onDrain,
        onBacklog: deps.onPublishStreamBacklog,
      });
    },
  );
}
