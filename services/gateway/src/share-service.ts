// ShareService handlers: authenticate once per call, then hand over to the publish path or a
// subscription session; every error leaves through toServiceError.
import type { sendUnaryData, ServerDuplexStream, ServerUnaryCall } from '@grpc/grpc-js';
import type {
  ListFeedsRequest,
  ListFeedsResponse,
  PublishRequest,
  PublishResponse,
  PublishStreamRequest,
  PublishStreamResponse,
  ShareServiceServer,
  SubscribeRequest,
  SubscribeResponse,
} from '@puente/proto';
import type { Feed, TopicPolicy } from '@puente/sdk';

import { requireRole } from './authorization.js';
import { toServiceError, toStatusMessage } from './errors.js';
import { describeFeed } from './feeds.js';
import type { Authenticator, Principal } from './identity.js';
import type { Publisher } from './publish.js';
import { SubscriptionSession, type SessionDeps } from './subscriptions/session.js';

export interface ShareServiceDeps {
  readonly authenticator: Authenticator;
  readonly publisher: Publisher;
  readonly session: SessionDeps;
  readonly feedsFor: (principal: Principal) => Feed[];
  readonly viewSchemaId: (policy: TopicPolicy) => number;
  readonly sessions: Map<string, SubscriptionSession>;
  readonly onSessionCount?: (count: number) => void;
}

export function createShareService(deps: ShareServiceDeps): ShareServiceServer {
  const allSessions = new Set<SubscriptionSession>();
  return {
    publish(call: ServerUnaryCall<PublishRequest, PublishResponse>, callback: sendUnaryData<PublishResponse>) {
      void (async () => {
        try {
          const principal = deps.authenticator.authenticate(call);
          const [outcome] = await deps.publisher.publishBatch(principal, [call.request]);
          if (outcome?.ok) callback(null, outcome.response);
          else callback(toServiceError(outcome?.error));
        } catch (error) {
          callback(toServiceError(error));
        }
      })();
    },

    publishStream(call: ServerDuplexStream<PublishStreamRequest, PublishStreamResponse>) {
      let principal: Principal;
      try {
        principal = deps.authenticator.authenticate(call);
      } catch (error) {
        call.emit('error', toServiceError(error));
        return;
      }
      // Batches are produced as they arrive (Kafka keeps their order per key: each is handed to the
      // producer in arrival order) and answered in the order they arrived.
      let queue = Promise.resolve();
      call.on('data', (request: PublishStreamRequest) => {
        const published = deps.publisher.publishBatch(principal, request.events);
        queue = queue.then(async () => {
          const outcomes = await published;
          call.write({
            sequence: request.sequence,
            outcomes: outcomes.map((outcome) =>
              outcome.ok
                ? { outcome: { $case: 'accepted', value: outcome.response } }
                : { outcome: { $case: 'rejected', value: toStatusMessage(outcome.error) } },
            ),
          });
        });
      });
      call.on('end', () => {
        void queue.then(() => call.end());
      });
      call.on('error', () => undefined);
    },

    subscribe(call: ServerDuplexStream<SubscribeRequest, SubscribeResponse>) {
      let principal: Principal;
      try {
        principal = deps.authenticator.authenticate(call);
        requireRole(principal, 'subscriber');
      } catch (error) {
        call.emit('error', toServiceError(error));
        return;
      }
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
          deps.onSessionCount?.(allSessions.size);
        },
      );
      allSessions.add(session);
      deps.onSessionCount?.(allSessions.size);
      let queue = Promise.resolve();
      call.on('data', (message: SubscribeRequest) => {
        queue = queue.then(() => session.receive(message));
      });
      call.on('end', () => {
        void queue.then(() => session.end());
      });
      call.on('cancelled', () => session.close());
      call.on('error', () => session.close());
    },

    listFeeds(call: ServerUnaryCall<ListFeedsRequest, ListFeedsResponse>, callback: sendUnaryData<ListFeedsResponse>) {
      try {
        const principal = deps.authenticator.authenticate(call);
        requireRole(principal, 'subscriber');
        const feeds = deps
          .feedsFor(principal)
          .filter((feed) => call.request.topic === '' || feed.policy.topic === call.request.topic)
          .map((feed) => describeFeed(feed, deps.viewSchemaId));
        callback(null, { feeds });
      } catch (error) {
        callback(toServiceError(error));
      }
    },
  };
}
