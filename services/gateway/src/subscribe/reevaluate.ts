// What an agreement change means for one feed of an open subscription: kept as it is, continued
// under the agreement's new version, or revoked (AGREEMENT_REVOKED) because the agreements in
// force no longer admit it. Pure: the session acts on the verdict.
import { ErrorReason } from '@puente/proto';
import type { CompiledAgreement, Feed, Partner, PolicySet } from '@puente/policy';

import { GatewayError } from '../grpc/errors.js';
import { feedIdOf } from './feeds.js';

export type FeedVerdict =
  | { readonly kind: 'kept' }
  | { readonly kind: 'reversioned'; readonly feed: Feed }
  | { readonly kind: 'revoked'; readonly error: GatewayError };

/**
 * The verdict on `current` (the feed a stream reads) under `set` at `now`, for a subscriber
 * who declared `partner.purposes`. A feed of the same agreement version is kept as it is: a
 * changed agreement must raise its version (the policy store refuses it otherwise).
 */
export function judgeFeed(current: Feed, set: PolicySet, partner: Partner, now: number): FeedVerdict {
  const agreement = set.agreement(current.agreement.id);
  if (!agreement) return revoked(current, 'removed', `agreement ${current.agreement.id} was removed`);
  const why = refusal(agreement, current.policy.topic, partner, now);
  if (why !== undefined) return revoked(current, String(agreement.version), why);
  if (agreement.version === current.agreement.version) return { kind: 'kept' };
  const policy = agreement.topics.get(current.policy.topic);
  return policy ? { kind: 'reversioned', feed: { agreement, policy } } : { kind: 'kept' };
}

/** Why `agreement` does not admit `topic` for the partner at `now`, or undefined when it does. */
export function refusal(
  agreement: CompiledAgreement,
  topic: string,
  partner: Partner,
  now: number,
): string | undefined {
  const named = `agreement ${agreement.id} v${agreement.version}`;
  if (!agreement.covers(partner)) {
    return `${named} no longer shares with ${partner.country}/${partner.agency}`;
  }
  if (!agreement.topics.has(topic)) return `${named} no longer shares ${topic}`;
  const notInForce = notInForceAt(agreement, now);
  if (notInForce !== undefined) return notInForce;
  const declared = partner.purposes;
  const allowed: readonly string[] = agreement.purposes;
  if (declared && !declared.some((purpose) => allowed.includes(purpose))) {
    return `${named} allows none of the declared purposes (${declared.join(', ')}) any more`;
  }
  return undefined;
}

/** Why the agreement is not in force at `now` (before validFrom, from validUntil on), or undefined. */
export function notInForceAt(agreement: CompiledAgreement, now: number): string | undefined {
  const named = `agreement ${agreement.id} v${agreement.version}`;
  if (agreement.validUntil && now >= agreement.validUntil.getTime()) {
    return `${named} expired at ${agreement.validUntil.toISOString()}`;
  }
  if (agreement.validFrom && now < agreement.validFrom.getTime()) {
    return `${named} is not in force before ${agreement.validFrom.toISOString()}`;
  }
  return undefined;
}

/** The next validFrom or validUntil of `agreements` after `now`, or undefined when there is none. */
export function nextBoundary(agreements: readonly CompiledAgreement[], now: number): number | undefined {
  let next: number | undefined;
  for (const agreement of agreements) {
    for (const date of [agreement.validFrom, agreement.validUntil]) {
      const at = date?.getTime();
      if (at !== undefined && at > now && (next === undefined || at < next)) next = at;
    }
  }
  return next;
}

function revoked(feed: Feed, agreementVersion: string, why: string): FeedVerdict {
  const feedId = feedIdOf(feed);
  return {
    kind: 'revoked',
    error: new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.AGREEMENT_REVOKED,
      message: `feed ${feedId} is no longer admitted: ${why} (this stream read it under v${feed.agreement.version}; ${agreementVersion === 'removed' ? 'no version is in force' : `version in force: ${agreementVersion}`})`,
      metadata: {
        feed: feedId,
        agreement: feed.agreement.id,
        agreementVersion,
        previousVersion: String(feed.agreement.version),
      },
    }),
  };
}
