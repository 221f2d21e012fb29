// Which disclosure ledger an operator may ask: only its own country's (the disclosures of its
// country's data), and only with the operator role. A gateway without that ledger answers
// FAILED_PRECONDITION (LEDGER_UNAVAILABLE) rather than an empty answer that would read as "nobody".
import type { LedgerReader } from '@puente/ledger';
import { ErrorReason } from '@puente/proto';
import type { Country } from '@puente/runtime';

import type { Principal } from '../auth/identity.js';
import { GatewayError } from '../grpc/errors.js';
import { requireOperator } from './access.js';
import type { OperatorContext } from './context.js';

export type LedgerAccessDeps = Pick<OperatorContext, 'ledgers'>;

/** The caller's country's ledger: PERMISSION_DENIED without the operator role, LEDGER_UNAVAILABLE without a ledger. */
export function ownLedger(deps: LedgerAccessDeps, principal: Principal): LedgerReader {
  requireOperator(principal);
  const reader = deps.ledgers?.[principal.country];
  if (!reader) throw ledgerUnavailable(principal.country);
  return reader;
}

export function ledgerUnavailable(country: Country): GatewayError {
  return new GatewayError({
    code: 'FAILED_PRECONDITION',
    reason: ErrorReason.LEDGER_UNAVAILABLE,
    message: `this gateway has no disclosure ledger for ${country} (no audit store configured), so ledger queries cannot be answered`,
    metadata: { country },
  });
}
