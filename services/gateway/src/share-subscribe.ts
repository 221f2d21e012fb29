// ShareService's Subscribe: admitted and counted against the caller's streams, then run by a
// SubscriptionSession. The first message is checked here, so a session never sees a start with no
// feeds or with feeds no agreement has; one stream per subscription (a newer one takes over).
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { ErrorReason, type SubscribeRequest, type SubscribeResponse } from '@puente/proto';

import type { Principal } from './auth/identity.js';
import { GatewayError } from './grpc/errors.js';
import { streamHandler } from './grpc/handler.js';
import type { ShareCalls, ShareServiceDeps } from './share-calls.js';
import { releaseOnEnd } from './share-stream-limit.js';
import { feedIdOf } from './subscribe/feeds.js';
import { SubscriptionSession } from './subscribe/session.js';

type SubscribeCall = ServerDuplexStream<SubscribeRequest, SubscribeResponse>;

export function subscribeHandler(calls: ShareCalls) {
  const { admit, authenticator, openStream } = calls;
  return streamHandler<SubscribeRequest, SubscribeResponse, () => void>(
    { admit, authenticator, roles: ['subscriber'], open: openStream },
    (call, principal, release) => {
      releaseOnEnd(call, release);
      const session = openSession(calls, call, principal, release);
      feedSession(call, session, (message) => checkStart(calls.deps, principal, message));
    },
  );
}

/** A session for the call, counted among the gateway's sessions until it closes. */
function openSession(
  { deps, state }: ShareCalls,
  call: SubscribeCall,
  principal: Principal,
  release: () => void,
): SubscriptionSession {
  const session = new SubscriptionSession(
    call,
    principal,
    deps.session,
    (started) => {
      // One stream per subscription: the older one handed over when this one claimed it (handover.ts);
      // one still here did not finish in time, or there is no handover (takeover is local).
      const previous = deps.sessions.get(started.subscriptionId);
      deps.sessions.set(started.subscriptionId, started);
      if (previous !== started) previous?.supersede();
    },
    (closed) => {
      deps.handover?.closed(closed);
      if (deps.sessions.get(closed.subscriptionId) === closed) deps.sessions.delete(closed.subscriptionId);
      state.allSessions.delete(closed);
      release();
      deps.onSessionCount?.(state.allSessions.size);
    },
  );
  state.allSessions.add(session);
  deps.onSessionCount?.(state.allSessions.size);
  return session;
}

/**
 * Hands the call's messages to the session in order, the first once `checkFirst` lets it (a
 * refusal fails the session and nothing more is read); ends or closes the session with the call.
 */
function feedSession(
  call: SubscribeCall,
  session: SubscriptionSession,
  checkFirst: (message: SubscribeRequest) => void,
): void {
  let queue = Promise.resolve();
  let first = true;
  let refused = false;
  call.on('data', (message: SubscribeRequest) => {
    if (refused) return;
    if (first) {
      first = false;
      try {
        checkFirst(message);
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
}

/** Refuses a start the session must not see: no feeds, or feeds no agreement has. */
export function checkStart(
  deps: Pick<ShareServiceDeps, 'feedsFor' | 'allFeeds'>,
  principal: Principal,
  message: SubscribeRequest,
): void {
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
    if (!feed) throw feedNotFound(id);
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.NO_AGREEMENT,
      message: `no agreement in force shares feed '${id}' with ${principal.country}/${principal.agency}`,
      metadata: { feed: id, agreement: feed.agreement.id, topic: feed.policy.topic },
    });
  }
}

function feedNotFound(id: string): GatewayError {
  return new GatewayError({
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
