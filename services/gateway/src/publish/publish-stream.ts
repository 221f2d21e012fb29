// A PublishStream once admitted: batches are published as they arrive and answered in order,
// and the stream is read only as fast as it is answered, so a publisher that never waits costs
// the gateway a bounded amount of memory. A draining gateway stops reading, answers what it
// read, and ends the stream with SHUTTING_DOWN.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { PublishStreamRequest, PublishStreamResponse } from '@puente/proto';

import type { Principal } from '../auth/identity.js';
import { type GatewayError, shuttingDown, toServiceError, toStatusMessage } from '../grpc/errors.js';
import type { Publisher } from './publisher.js';

/**
 * A PublishStream's window: requests being published and not yet answered. Beyond it the
 * stream is not read (gRPC flow control then holds the client back), so a publisher that never
 * waits costs the gateway a bounded amount of memory. share.proto states these numbers.
 */
export const PUBLISH_STREAM_WINDOW = { requests: 16, bytes: 16 * 1024 * 1024 } as const;

export interface PublishStreamContext {
  readonly publisher: Publisher;
  /** Whether the gateway is draining, read as answers leave. */
  readonly draining: () => boolean;
  /** Told each stream's lifetime: a promise settled when the call is over (drain waits for it). */
  readonly track: (work: Promise<void>) => void;
  /** Run once each when draining starts; a stream is in it while open. */
  readonly drainListeners: Set<() => void>;
  /** Told a stream's unanswered requests each time one is read (for tests and metrics). */
  readonly onBacklog?: ((unanswered: number) => void) | undefined;
}

export function servePublishStream(
  call: ServerDuplexStream<PublishStreamRequest, PublishStreamResponse>,
  principal: Principal,
  context: PublishStreamContext,
): void {
  const { publisher, drainListeners: onDrain } = context;
  // A request counts against the window from when it is read until its answer has left for
  // the client (the write's callback): a client that does not read its answers is held back
  // like one that writes too fast, instead of the gateway buffering answers without limit.
  let unanswered = 0;
  let unansweredBytes = 0;
  let paused = false;
  let ended = false;
  let finished = false;
  // Settled when the call is over; drain waits for it.
  let settle: () => void = () => undefined;
  context.track(
    new Promise<void>((resolve) => {
      settle = resolve;
    }),
  );
  const full = () => unanswered >= PUBLISH_STREAM_WINDOW.requests || unansweredBytes >= PUBLISH_STREAM_WINDOW.bytes;
  const finish = (error?: GatewayError) => {
    if (finished) return;
    finished = true;
    onDrain.delete(stopForDrain);
    settle();
    if (error) call.emit('error', toServiceError(error));
    else call.end();
  };
  const stopForDrain = () => {
    call.pause();
    paused = true;
    if (unanswered === 0) finish(shuttingDown());
  };
  onDrain.add(stopForDrain);
  const answered = (bytes: number) => {
    unanswered--;
    unansweredBytes -= bytes;
    if (context.draining()) {
      if (unanswered === 0) finish(ended ? undefined : shuttingDown());
    } else if (paused && !full()) {
      paused = false;
      call.resume();
    }
  };
  // Batches are produced as they arrive (Kafka keeps their order per key: each is handed to the
  // producer in arrival order) and answered in the order they arrived.
  let queue = Promise.resolve();
  call.on('data', (request: PublishStreamRequest) => {
    if (finished) return;
    const bytes = request.events.reduce((sum, event) => sum + event.payload.length, 0);
    unanswered++;
    unansweredBytes += bytes;
    context.onBacklog?.(unanswered);
    if (full() && !paused) {
      call.pause();
      paused = true;
    }
    const published = publisher.publishBatch(principal, request.events);
    published.catch(() => undefined); // answered in turn below, not unhandled meanwhile
    queue = queue.then(async () => {
      let outcomes: PublishStreamResponse['outcomes'];
      try {
        outcomes = (await published).map((outcome) =>
          outcome.ok
            ? { outcome: { $case: 'accepted', value: outcome.response } }
            : { outcome: { $case: 'rejected', value: toStatusMessage(outcome.error) } },
        );
      } catch (error) {
        // The publish path failed as a whole: every event of the request gets its status
        // (INTERNAL unless it says otherwise) and the stream goes on.
        const rejected = toStatusMessage(error);
        outcomes = request.events.map(() => ({ outcome: { $case: 'rejected', value: rejected } }));
      }
      if (finished) answered(bytes);
      else call.write({ sequence: request.sequence, outcomes }, () => answered(bytes));
    });
  });
  call.on('end', () => {
    ended = true;
    void queue.then(() => finish());
  });
  call.on('cancelled', () => {
    finished = true;
    onDrain.delete(stopForDrain);
    settle();
  });
  call.on('error', () => undefined);
}
