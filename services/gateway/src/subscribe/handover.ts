// One holder per subscription across gateway instances: a stream claims its subscription through
// the cursor log before it reads its positions; the stream it supersedes, wherever it runs, hands
// over (commits what was acknowledged, releases, ends SUBSCRIPTION_SUPERSEDED) when its instance
// reads the claim. Same-process takeover takes the same path.
import type { Logger } from '@puente/runtime';

import type { CursorStore } from './cursor-store.js';
import type { SubscriptionSession } from './session.js';

export interface HandoverOptions {
  readonly cursors: CursorStore;
  /** Longest a new stream waits for the old holder's release (a crashed instance never sends one). */
  readonly timeoutMs: number;
  /** Longest a superseded stream waits for its acks' commits before it releases. */
  readonly commitBudgetMs: number;
  readonly logger: Logger;
  /** A local stream started handing over. */
  readonly onHandover?: () => void;
}

export interface Handover {
  /** Claims the session's subscription; resolves once it holds it (SessionDeps.claim). */
  claim(session: SubscriptionSession): Promise<void>;
  /** The session closed: its claim is released, best effort, so the next one need not wait. */
  closed(session: SubscriptionSession): void;
  stop(): void;
}

export function createHandover(options: HandoverOptions): Handover {
  const { cursors, logger } = options;
  /** This instance's sessions that claimed, by stream id, until they close. */
  const claimed = new Map<string, SubscriptionSession>();
  const unsubscribe = cursors.onSuperseded(({ subscriptionId, stream, by }) => {
    const session = claimed.get(stream);
    if (!session || session.subscriptionId !== subscriptionId) return;
    options.onHandover?.();
    logger.info(
      { subscription: subscriptionId, stream, by: by.stream, byInstance: by.instance },
      'subscription taken over by a newer stream: handing over',
    );
    void session.handOver(by, options.commitBudgetMs);
  });
  return {
    async claim(session) {
      claimed.set(session.streamId, session);
      const outcome = await cursors.claim(session.subscriptionId, session.streamId, options.timeoutMs);
      if (outcome.abandoned.length > 0) {
        logger.warn(
          { subscription: session.subscriptionId, stream: session.streamId, abandoned: outcome.abandoned },
          `the earlier holder did not release within ${options.timeoutMs} ms (its gateway stopped?): taken over; its late commits are ignored`,
        );
      }
    },
    closed(session) {
      if (claimed.get(session.streamId) !== session) return;
      claimed.delete(session.streamId);
      void cursors.release(session.subscriptionId, session.streamId);
    },
    stop: () => unsubscribe(),
  };
}
