// ShareService handlers: admitted once per call (grpc/handler.ts: authentication, roles, every
// error through toServiceError), then handed over to the publish path or a subscription session.
// Also the call-wide rules the contract states: streams per caller are limited, a PublishStream
// is read only as fast as it is answered (publish/publish-stream.ts), and a draining gateway
// answers SHUTTING_DOWN after finishing what it accepted.
import type { ServerDuplexStream } from '@grpc/grpc-js';
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

import type { Authenticator, Principal } from './auth/identity.js';
import { GatewayError, shuttingDown } from './grpc/errors.js';
import { streamHandler, unaryHandler } from './grpc/handler.js';
import { servePublishStream } from './publish/publish-stream.js';
import type { Publisher } from './publish/publisher.js';
import { describeFeed, feedIdOf } from './subscribe/feeds.js';
import { SubscriptionSession, type SessionDeps } from './subscribe/session.js';

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

  /** Refuses every call once the gateway drains. */
  const admit = () => {
    if (draining) throw shuttingDown();
  };
  const { authenticator } = deps;

  const handlers: ShareServiceServer = {
    publish: unaryHandler<PublishRequest, PublishResponse>(
      { admit, authenticator, track },
      async (principal, request) => {
        const [outcome] = await deps.publisher.publishBatch(principal, [request]);
        if (outcome?.ok) return outcome.response;
        throw outcome?.error ?? new Error('the publisher answered without an outcome');
      },
    ),

    publishStream: streamHandler<PublishStreamRequest, PublishStreamResponse, () => void>(
      { admit, authenticator, roles: ['publisher'], open: openStream },
      (call, principal, release) => {
        releaseOnEnd(call, release);
        servePublishStream(call, principal, {
          publisher: deps.publisher,
          draining: () => draining,
          track,
          drainListeners: onDrain,
          onBacklog: deps.onPublishStreamBacklog,
        });
      },
    ),

    subscribe: streamHandler<SubscribeRequest, SubscribeResponse, () => void>(
      { admit, authenticator, roles: ['subscriber'], open: openStream },
      (call, principal, release) => {
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
    ),

    listFeeds: unaryHandler<ListFeedsRequest, ListFeedsResponse>(
      { admit, authenticator, roles: ['subscriber', 'operator'] },
      (principal, request) => {
        const feeds = deps
          .feedsFor(principal)
          .filter((feed) => request.topic === '' || feed.policy.topic === request.topic)
          .map((feed) => describeFeed(feed, deps.viewSchemaId))
          .sort((a, b) => (a.feedId < b.feedId ? -1 : a.feedId > b.feedId ? 1 : 0));
        return { feeds };
      },
    ),
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
