// ListDisclosures: the disclosures of the caller's country's data, one receipt per ledger entry,
// filtered by agreement, recipient and delivery time, oldest entry first, paged by entry number.
import { createHash } from 'node:crypto';

import type { DisclosureFilter } from '@puente/ledger';
import type { ListDisclosuresRequest, ListDisclosuresResponse } from '@puente/proto';
import { isCountry } from '@puente/runtime';

import type { Principal } from '../auth/identity.js';
import { ownLedger, type LedgerAccessDeps } from './ledger-access.js';
import { receiptOf } from './ledger-receipts.js';
import { readPageToken, writePageToken } from './page-token.js';
import { badRequest } from './request.js';

export type ListDisclosuresDeps = LedgerAccessDeps;

/** Receipts answered when the request asks for 0, and the most one answer carries. */
export const DISCLOSURE_PAGE = { defaultLimit: 100, maxLimit: 1_000 } as const;

const SAME_FIELDS = 'agreement_id, recipient_country, recipient_agency and times';

export async function listDisclosures(
  deps: ListDisclosuresDeps,
  principal: Principal,
  request: ListDisclosuresRequest,
): Promise<ListDisclosuresResponse> {
  const ledger = ownLedger(deps, principal);
  const filter = filterOf(request);
  const fingerprint = queryFingerprint(request);
  const afterEntry = request.pageToken === '' ? 0 : afterEntryOf(request.pageToken, fingerprint);
  const limit = Math.min(request.limit === 0 ? DISCLOSURE_PAGE.defaultLimit : request.limit, DISCLOSURE_PAGE.maxLimit);
  // One more than the page holds tells whether another page follows, without an empty last page.
  const entries = await ledger.listDisclosures({ ...filter, afterEntry, limit: limit + 1 });
  const page = entries.slice(0, limit);
  const last = page.at(-1);
  return {
    receipts: page.map(receiptOf),
    nextPageToken: entries.length > limit && last ? writePageToken(fingerprint, { after: last.entry }) : '',
  };
}

/** The request's filters as the ledger takes them; REQUEST_INVALID naming a bad field. */
function filterOf(request: ListDisclosuresRequest): Omit<DisclosureFilter, 'afterEntry' | 'limit'> {
  const { agreementId, recipientCountry, recipientAgency, times } = request;
  if (recipientCountry !== '' && !isCountry(recipientCountry)) {
    throw badRequest('recipient_country', `'${recipientCountry.slice(0, 16)}' is not a country (US or MX)`);
  }
  const from = times?.startTime;
  const to = times?.endTime;
  if (from && to && from.getTime() >= to.getTime()) {
    throw badRequest('times', 'start_time must be before end_time (start inclusive, end exclusive)');
  }
  return {
    ...(agreementId === '' ? {} : { agreementId }),
    ...(isCountry(recipientCountry) ? { recipientCountry } : {}),
    ...(recipientAgency === '' ? {} : { recipientAgency }),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  };
}

/** Identifies a query (its filters, not the page token or limit) for its page tokens. */
function queryFingerprint(request: ListDisclosuresRequest): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        'list-disclosures',
        request.agreementId,
        request.recipientCountry,
        request.recipientAgency,
        request.times?.startTime?.getTime() ?? null,
        request.times?.endTime?.getTime() ?? null,
      ]),
    )
    .digest('base64url')
    .slice(0, 16);
}

function afterEntryOf(token: string, fingerprint: string): number {
  const after = readPageToken(token, fingerprint, SAME_FIELDS)['after'];
  if (after === undefined)
    throw badRequest('page_token', `not a page token of this query (${SAME_FIELDS} must be the same)`);
  return after;
}
