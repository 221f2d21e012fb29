// ShareService's ListFeeds: the feeds the agreements in force share with the caller, by feed id.
import type { ListFeedsRequest, ListFeedsResponse } from '@puente/proto';

import type { Principal } from './auth/identity.js';
import { unaryHandler } from './grpc/handler.js';
import type { ShareCalls, ShareServiceDeps } from './share-calls.js';
import { describeFeed } from './subscribe/feeds.js';

export function listFeedsHandler({ admit, authenticator, deps }: ShareCalls) {
  return unaryHandler<ListFeedsRequest, ListFeedsResponse>(
    { admit, authenticator, roles: ['subscriber', 'operator'] },
    (principal, request) => listFeeds(deps, principal, request),
  );
}

/** The caller's feeds, of the requested topic or all of them, sorted by feed id. */
export function listFeeds(
  deps: Pick<ShareServiceDeps, 'feedsFor' | 'viewSchemaId'>,
  principal: Principal,
  request: ListFeedsRequest,
): ListFeedsResponse {
  const feeds = deps
    .feedsFor(principal)
    .filter((feed) => request.topic === '' || feed.policy.topic === request.topic)
    .map((feed) => describeFeed(feed, deps.viewSchemaId))
    .sort((a, b) => (a.feedId < b.feedId ? -1 : a.feedId > b.feedId ? 1 : 0));
  return { feeds };
}
