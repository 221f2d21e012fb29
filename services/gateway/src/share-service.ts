// ShareService handlers: admitted once per call (grpc/handler.ts: authentication, roles, every
// error through toServiceError), then handed over to the publish path or a subscription session.
// Also the call-wide rules the contract states: streams per caller are limited, a PublishStream
// is read only as fast as it is answered (publish/publish-stream.ts), and a draining gateway
// answers SHUTTING_DOWN after finishing what it accepted. Each handler is in its share-*.ts file.
import type { ShareServiceServer } from '@puente/proto';

import { shuttingDown } from './grpc/errors.js';
import { createShareCalls, type ShareServiceDeps, type ShareState } from './share-calls.js';
import { listFeedsHandler } from './share-list-feeds.js';
import { publishHandler, publishStreamHandler } from './share-publish.js';
import { subscribeHandler } from './share-subscribe.js';

export type { ShareServiceDeps } from './share-calls.js';

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
  const calls = createShareCalls(deps);
  const handlers: ShareServiceServer = {
    publish: publishHandler(calls),
    publishStream: publishStreamHandler(calls),
    subscribe: subscribeHandler(calls),
    listFeeds: listFeedsHandler(calls),
  };
  return { handlers, drain: () => drainShare(calls.state) };
}

async function drainShare(state: ShareState): Promise<void> {
  state.draining = true;
  const sessionsEnded = [...state.allSessions].map((session) => session.drain(shuttingDown()));
  for (const stop of [...state.onDrain]) stop();
  await Promise.all(sessionsEnded);
  while (state.publishing.size > 0) await Promise.allSettled([...state.publishing]);
}
