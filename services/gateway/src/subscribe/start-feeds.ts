// The feeds a Subscribe start asks for, checked before the stream opens: each shared with the
// caller by an agreement in force, and allowing one of the purposes the subscriber declares.
import { ErrorReason, type StartSubscription } from '@puente/proto';
import type { Feed } from '@puente/policy';

import type { Principal } from '../auth/identity.js';
import { declaredPurposes, type DeclaredPurpose } from '../auth/purposes.js';
import { GatewayError } from '../grpc/errors.js';
import { feedIdOf } from './feeds.js';
import { notInForceAt } from './reevaluate.js';

/** The start's feeds among those `available` to the caller, and its declared purposes; refused with the reason. */
export function chooseFeeds(
  start: StartSubscription,
  available: readonly Feed[],
  principal: Principal,
  now: number,
): { chosen: readonly Feed[]; purposes: DeclaredPurpose[] } {
  const purposes = declaredPurposes(start.purposes, 'start.purposes', true);
  const chosen =
    start.feeds.length === 0
      ? available
      : start.feeds.map((id) => {
          const feed = available.find((f) => feedIdOf(f) === id);
          if (!feed) {
            throw new GatewayError({
              code: 'PERMISSION_DENIED',
              reason: ErrorReason.NO_AGREEMENT,
              message: `no agreement in force shares feed '${id}' with ${principal.country}/${principal.agency}`,
            });
          }
          return feed;
        });
  if (chosen.length === 0) {
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.NO_AGREEMENT,
      message: `no agreement in force shares any feed with ${principal.country}/${principal.agency}`,
    });
  }
  for (const feed of chosen) {
    const allowed = feed.agreement.purposes;
    if (!purposes.some((purpose) => allowed.includes(purpose))) throw purposeNotAllowed(feed, purposes);
    const notInForce = notInForceAt(feed.agreement, now);
    if (notInForce !== undefined) {
      throw new GatewayError({
        code: 'PERMISSION_DENIED',
        reason: ErrorReason.NO_AGREEMENT,
        message: `feed ${feedIdOf(feed)} cannot be read: ${notInForce}`,
        metadata: { feed: feedIdOf(feed), agreement: feed.agreement.id },
      });
    }
  }
  return { chosen, purposes };
}

/** A feed whose agreement allows none of the purposes the subscriber declared: it could release nothing. */
function purposeNotAllowed(feed: Feed, declared: readonly string[]): GatewayError {
  const feedId = feedIdOf(feed);
  return new GatewayError({
    code: 'PERMISSION_DENIED',
    reason: ErrorReason.PURPOSE_NOT_ALLOWED,
    message: `agreement ${feed.agreement.id} v${feed.agreement.version} shares ${feedId} for ${feed.agreement.purposes.join(', ')}, none of the declared purposes (${declared.join(', ')})`,
    metadata: {
      feed: feedId,
      agreement: feed.agreement.id,
      declared: declared.join(','),
      allowed: feed.agreement.purposes.join(','),
    },
  });
}
