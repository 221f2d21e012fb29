// Page tokens: where the next page starts (BrowseRecords: the next offset per partition;
// ListDisclosures: the last entry answered), bound to the query they continue by a fingerprint,
// so a token of another query is refused.
import { createHash } from 'node:crypto';

import type { BrowseRecordsRequest } from '@puente/proto';

import { badRequest } from './request.js';

/** Identifies a query (everything but the page token, limit and output format) for its page tokens. */
export function queryFingerprint(request: BrowseRecordsRequest): string {
  const selector = request.selector;
  const described =
    selector?.$case === 'times'
      ? { $case: 'times', start: selector.value.startTime?.getTime(), end: selector.value.endTime?.getTime() }
      : selector;
  return createHash('sha256')
    .update(JSON.stringify([request.topic, request.viewAgreementId, described ?? null]))
    .digest('base64url')
    .slice(0, 16);
}

export function writePageToken(fingerprint: string, next: Readonly<Record<string, number>>): string {
  return Buffer.from(JSON.stringify({ q: fingerprint, p: next })).toString('base64url');
}

/**
 * The positions of a token written for this fingerprint; REQUEST_INVALID naming `page_token`
 * otherwise. `sameFields` says which request fields must not change between pages.
 */
export function readPageToken(
  token: string,
  fingerprint: string,
  sameFields = 'topic, selector and view',
): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const candidate = parsed as { q?: unknown; p?: unknown } | undefined;
  const positions = candidate?.p;
  if (
    candidate?.q !== fingerprint ||
    positions === null ||
    typeof positions !== 'object' ||
    !Object.values(positions).every((v) => Number.isSafeInteger(v) && (v as number) >= 0)
  ) {
    throw badRequest('page_token', `not a page token of this query (${sameFields} must be the same)`);
  }
  return positions as Record<string, number>;
}
