// What every ShareService handler shares: its dependencies, the rules a call is admitted by, and
// the state a drain works on (share-service.ts). Each handler lives in its own share-*.ts file.
import type { Feed, TopicPolicy } from '@puente/policy';

import type { Authenticator, Principal } from './auth/identity.js';
import { shuttingDown } from './grpc/errors.js';
import type { Publisher } from './publish/publisher.js';
import { createStreamLimit, type OpenStream } from './share-stream-limit.js';
import type { Handover } from './subscribe/handover.js';
import type { SessionDeps, SubscriptionSession } from './subscribe/session.js';

export interface ShareServiceDeps {
  readonly authenticator: Authenticator;
  readonly publisher: Publisher;
  readonly session: SessionDeps;
  readonly feedsFor: (principal: Principal) => Feed[];
  /** Every feed of every loaded agreement, in force or not: tells an unknown feed from a refused one. */
  readonly allFeeds: () => Feed[];
  readonly viewSchemaId: (policy: TopicPolicy) => number;
  readonly sessions: Map<string, SubscriptionSession>;
  /** One holder per subscription across gateway instances (its `claim` is the sessions' SessionDeps.claim). */
  readonly handover?: Handover;
  /** Open Subscribe and PublishStream calls one caller may hold at once. */
  readonly maxStreamsPerCaller: number;
  readonly onSessionCount?: (count: number) => void;
  /** Told a PublishStream's unanswered requests each time one is read (for tests and metrics). */
  readonly onPublishStreamBacklog?: (unanswered: number) => void;
}

/** What a drain works on. */
export interface ShareState {
  draining: boolean;
  readonly allSessions: Set<SubscriptionSession>;
  /** Publishes being answered (unary calls and PublishStreams); drain waits for them. */
  readonly publishing: Set<Promise<void>>;
  /** Run once each when draining starts (open PublishStreams). */
  readonly onDrain: Set<() => void>;
}

export interface ShareCalls {
  readonly deps: ShareServiceDeps;
  readonly state: ShareState;
  readonly authenticator: Authenticator;
  /** Refuses every call once the gateway drains. */
  readonly admit: () => void;
  /** Tells drain of a publish being answered. */
  readonly track: (work: Promise<void>) => void;
  readonly openStream: OpenStream;
}

export function createShareCalls(deps: ShareServiceDeps): ShareCalls {
  const state: ShareState = { draining: false, allSessions: new Set(), publishing: new Set(), onDrain: new Set() };
  const { publishing } = state;
  return {
    deps,
    state,
    authenticator: deps.authenticator,
    admit: () => {
      if (state.draining) throw shuttingDown();
    },
    track: (work) => {
      publishing.add(work);
      void work.finally(() => publishing.delete(work));
    },
    openStream: createStreamLimit(deps.maxStreamsPerCaller),
  };
}
