// WhoReceived: every disclosure of one event of the caller's country, as its ledger records them
// (deliveries and retraction notices), oldest first: who, under which agreement version, which
// fields were released, transformed and removed, and when.
import type { WhoReceivedRequest, WhoReceivedResponse } from '@puente/proto';

import type { Principal } from '../auth/identity.js';
import { ownLedger, type LedgerAccessDeps } from './ledger-access.js';
import { receiptOf } from './ledger-receipts.js';
import { requireUuid } from './request.js';

export type WhoReceivedDeps = LedgerAccessDeps;

export async function whoReceived(
  deps: WhoReceivedDeps,
  principal: Principal,
  request: WhoReceivedRequest,
): Promise<WhoReceivedResponse> {
  const ledger = ownLedger(deps, principal);
  const eventId = requireUuid(request.eventId, 'event_id');
  const entries = await ledger.recipientsOf(eventId);
  return { receipts: entries.map(receiptOf) };
}
