// ShareService handlers: authenticate once per call, then hand over to the publish path or a
// subscription session; every error leaves through toServiceError. Also the call-wide rules the
// contract states: streams per caller are limited, a PublishStream is read only as fast as it is
// answered, and a draining gateway answers SHUTTING_DOWN after finishing what it accepted.
import type { sendUnaryData, ServerDuplexStream, ServerUnaryCall } from '@grpc/grpc-js';
import {
  ErrorReason,
  type ListFeedsRequest,
  type ListFeedsResponse,
  type PublishRequest,
  type PublishResponse,
  type PublishStreamRequest,
  type PublishStreamResponse,
  type ShareServiceServer,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import type { Feed, TopicPolicy } from '@puente/policy';

import { requireRole } from './auth/authorization.js';
import { GatewayError, shuttingDown, toServiceError, toStatusMessage } from './grpc/errors.js';
import { describeFeed, feedIdOf } from './subscribe/feeds.js';
import type { Authenticator, Principal } from './auth/identity.js';
import type { Publisher } from './publish/publisher.js';
import { SubscriptionSession, type SessionDeps } from './subscribe/session.js';

/**
 * A PublishStream's window: requests being published and not yet answered. Beyond it the
 * stream is not read (gRPC flow control then holds the client back), so a publisher that never
 * waits costs the gateway a bounded amount of memory. share.proto states these numbers.
 */
export const PUBLISH_STREAM_WINDOW = { requests: 16, bytes: 16 * 1024 * 1024 } as const;

export interface ShareServiceDeps {
  readonly authenticator: Authenticator;
  readonly publisher: Publisher;
  readonly session: SessionDeps;
  readonly feedsFor: (principal: Principal) => Feed[];
  /** Every feed of every loaded agreement, in force or not: tells an unknown feed from a refused one. */
  readonly allFeeds: () => Feed[];
  readonly viewSchemaId: (policy: TopicPolicy) => number;
  readonly sessions: Map<string, SubscriptionSession>;
  /** Open Subscribe and PublishStream calls one caller may hold at once. */
  readonly maxStreamsPerCaller: number;
  readonly onSessionCount?: (count: number) => void;
  /** Told a PublishStream's unanswered requests each time one is read (for tests and metrics). */
  readonly onPublishStreamBacklog?: (unanswered: number) => void;
}

export interface ShareService {
  readonly handlers: ShareServiceServer;
  /**
   * Stops taking calls (new ones answer SHUTTING_DOWN), ends Subscribe streams with
   * SHUTTING_DOWN once the acks they received are confirmed (or took too long), stops reading
   * PublishStreams and ends them with SHUTTING_DOWN once what was read is answered, and resolves
   * when no publish is in progress any more.
   */
  drain(): Promise<void>;
}

export function createShareService(deps: ShareServiceDeps): ShareService {
  const allSessions = new Set<SubscriptionSession>();
  const streamsByCaller = new Map<string, number>();
  /** Publishes being answered (unary calls and PublishStreams); drain waits for them. */
  const publishing = new Set<Promise<void>>();
  const onDrain = new Set<() => void>();
  let draining = false;

  const track = (work: Promise<void>) => {
    publishing.add(work);
    void work.finally(() => publishing.delete(work));
  };

  /** Counts an open stream of the caller; refuses it beyond the limit. Returns its release. */
  const openStream = (principal: Principal): (() => void) => {
    const open = streamsByCaller.get(principal.name) ?? 0;
    if (open >= deps.maxStreamsPerCaller) {
      throw new GatewayError({
        code: 'RESOURCE_EXHAUSTED',
        reason: ErrorReason.STREAM_LIMIT_REACHED,
        message: `${principal.name} already holds ${open} open streams; at most ${deps.maxStreamsPerCaller} are allowed`,
        metadata: { limit: String(deps.maxStreamsPerCaller) },
      });
    }
    streamsByCaller.set(principal.name, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (streamsByCaller.get(principal.name) ?? 1) - 1;
      if (left <= 0) streamsByCaller.delete(principal.name);
      else streamsByCaller.set(principal.name, left);
    };
  };

  const releaseOnEnd = (call: ServerDuplexStream<unknown, unknown>, release: () => void) => {
    for (const event of ['close', 'finish', 'cancelled', 'error']) call.once(event, release);
  };

  /** Refuses a start the session must not see: no feeds, or feeds no agreement has. */
  const checkStart = (principal: Principal, message: SubscribeRequest): void => {
    if (message.kind?.$case !== 'start') return;
    const ids = message.kind.value.feeds;
    if (ids.length === 0) {
      throw new GatewayError({
        code: 'INVALID_ARGUMENT',
        reason: ErrorReason.REQUEST_INVALID,
        message: 'start.feeds is empty: name at least one feed id (see ListFeeds)',
        fieldViolations: [
          { field: 'start.feeds', description: 'at least one feed id from ListFeeds', reason: 'REQUEST_INVALID' },
        ],
      });
    }
    const available = new Set(deps.feedsFor(principal).map(feedIdOf));
    const known = new Map(deps.allFeeds().map((feed) => [feedIdOf(feed), feed]));
    for (const id of ids) {
      if (available.has(id)) continue;
      const feed = known.get(id);
      if (!feed) {
        throw new GatewayError({
          code: 'NOT_FOUND',
          reason: ErrorReason.FEED_NOT_FOUND,
          message: `no feed '${id}' (feed ids are '<agreement>/<topic>', see ListFeeds)`,
          metadata: { feed: id },
          resourceInfo: {
            resourceType: 'puente.v1.Feed',
            resourceName: id,
            owner: '',
            description: 'no agreement in force has this feed',
          },
        });
      }
      throw new GatewayError({
        code: 'PERMISSION_DENIED',
        reason: ErrorReason.NO_AGREEMENT,
        message: `no agreement in force shares feed '${id}' with ${principal.country}/${principal.agency}`,
        metadata: { feed: id, agreement: feed.agreement.id, topic: feed.policy.topic },
      });
    }
  };

  const handlers: ShareServiceServer = {
    publish(call: ServerUnaryCall<PublishRequest, PublishResponse>, callback: sendUnaryData<PublishResponse>) {
      if (draining) {
        callback(toServiceError(shuttingDown()));
        return;
      }
      track(
        (async () => {
          try {
            const principal = deps.authenticator.authenticate(call);
            const [outcome] = await deps.publisher.publishBatch(principal, [call.request]);
            if (outcome?.ok) callback(null, outcome.response);
            else callback(toServiceError(outcome?.error));
          } catch (error) {
            callback(toServiceError(error));
          }
        })(),
      );
    },

    publishStream(call: ServerDuplexStream<PublishStreamRequest, PublishStreamResponse>) {
      let principal: Principal;
      let release: () => void;
      try {
        if (draining) throw shuttingDown();
        principal = deps.authenticator.authenticate(call);
        requireRole(principal, 'publisher');
        release = openStream(principal);
      } catch (error) {
        call.emit('error', toServiceError(error));
        return;
      }
      releaseOnEnd(call, release);
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
      track(
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
        if (draining) {
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
        deps.onPublishStreamBacklog?.(unanswered);
        if (full() && !paused) {
          call.pause();
          paused = true;
        }
        const published = deps.publisher.publishBatch(principal, request.events);
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
    },

    subscribe(call: ServerDuplexStream<SubscribeRequest, SubscribeResponse>) {
      let principal: Principal;
      let release: () => void;
      try {
        if (draining) throw shuttingDown();
        principal = deps.authenticator.authenticate(call);
        requireRole(principal, 'subscriber');
        release = openStream(principal);
      } catch (error) {
        call.emit('error', toServiceError(error));
        return;
      }
      releaseOnEnd(call, release);
      const session = new SubscriptionSession(
        call,
        principal,
        deps.session,
        (started) => {
          // One stream per subscription: a newer stream takes over.
          const previous = deps.sessions.get(started.subscriptionId);
          deps.sessions.set(started.subscriptionId, started);
          previous?.supersede();
        },
        (closed) => {
          if (deps.sessions.get(closed.subscriptionId) === closed) deps.sessions.delete(closed.subscriptionId);
          allSessions.delete(closed);
          release();
          deps.onSessionCount?.(allSessions.size);
        },
      );
      allSessions.add(session);
      deps.onSessionCount?.(allSessions.size);
      let queue = Promise.resolve();
      let first = true;
      let refused = false;
      call.on('data', (message: SubscribeRequest) => {
        if (refused) return;
        if (first) {
          first = false;
          try {
            checkStart(principal, message);
          } catch (error) {
            refused = true;
            session.fail(error);
            return;
          }
        }
        queue = queue.then(() => session.receive(message));
      });
      call.on('end', () => {
        void queue.then(() => session.end()).catch((error: unknown) => session.fail(error));
      });
      call.on('cancelled', () => session.close());
      call.on('error', () => session.close());
    },

    listFeeds(call: ServerUnaryCall<ListFeedsRequest, ListFeedsResponse>, callback: sendUnaryData<ListFeedsResponse>) {
      try {
        if (draining) throw shuttingDown();
        const principal = deps.authenticator.authenticate(call);
        requireRole(principal, 'subscriber', 'operator');
        const feeds = deps
          .feedsFor(principal)
          .filter((feed) => call.request.topic === '' || feed.policy.topic === call.request.topic)
          .map((feed) => describeFeed(feed, deps.viewSchemaId))
          .sort((a, b) => (a.feedId < b.feedId ? -1 : a.feedId > b.feedId ? 1 : 0));
        callback(null, { feeds });
      } catch (error) {
        callback(toServiceError(error));
      }
    },
  };

  return {
    handlers,
    async drain() {
      draining = true;
      const sessionsEnded = [...allSessions].map((session) => session.drain(shuttingDown()));
      for (const stop of [...onDrain]) stop();
      await Promise.all(sessionsEnded);
      while (publishing.size > 0) await Promise.allSettled([...publishing]);
    },
  };
}
