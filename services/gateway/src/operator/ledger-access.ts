// Which disclosure ledger an operator may ask: only its own country's (the disclosures of its
// country's data), and only with the operator role. A gateway without that ledger answers
// FAILED_PRECONDITION (LEDGER_UNAVAILABLE) rather than an empty answer that would read as "nobody".
// What the ledger throws becomes a GatewayError here, at the boundary: a database that does not
// answer is UNAVAILABLE with a retry hint, a request the ledger refuses is REQUEST_INVALID.
import { LedgerError, type LedgerReader } from '@puente/ledger';
import { ErrorReason } from '@puente/proto';
import type { Country } from '@puente/runtime';

import type { Principal } from '../auth/identity.js';
import { GatewayError } from '../grpc/errors.js';
import { requireOperator } from './access.js';
import type { OperatorContext } from './context.js';

export type LedgerAccessDeps = Pick<OperatorContext, 'ledgers'>;

/** How long a caller should wait before asking again when the ledger's database does not answer. */
export const LEDGER_RETRY_AFTER_MS = 2_000;

/** The caller's country's ledger: PERMISSION_DENIED without the operator role, LEDGER_UNAVAILABLE without a ledger. */
export function ownLedger(deps: LedgerAccessDeps, principal: Principal): LedgerReader {
  requireOperator(principal);
  const reader = deps.ledgers?.[principal.country];
  if (!reader) throw ledgerUnavailable(principal.country);
  return guarded(reader, principal.country);
}

export function ledgerUnavailable(country: Country): GatewayError {
  return new GatewayError({
    code: 'FAILED_PRECONDITION',
    reason: ErrorReason.LEDGER_UNAVAILABLE,
    message: `this gateway has no disclosure ledger for ${country} (no audit store configured), so ledger queries cannot be answered`,
    metadata: { country },
  });
}

/** The ledger's failures as GatewayErrors; anything else passes on (fromUnknown makes it INTERNAL). */
export function fromLedgerError(error: unknown, country: Country): unknown {
  if (!(error instanceof LedgerError)) return error;
  if (error.code === 'INVALID_INPUT') {
    return new GatewayError({
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.REQUEST_INVALID,
      message: error.message,
      cause: error,
    });
  }
  if (error.code === 'LEDGER_UNAVAILABLE') {
    return new GatewayError({
      code: 'UNAVAILABLE',
      reason: ErrorReason.LEDGER_UNAVAILABLE,
      message: `the ${country} disclosure ledger cannot be read now (${error.message}); retry after ${LEDGER_RETRY_AFTER_MS} ms`,
      metadata: { country },
      retryAfterMs: LEDGER_RETRY_AFTER_MS,
      cause: error,
    });
  }
  return error;
}

function guarded(reader: LedgerReader, country: Country): LedgerReader {
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        throw fromLedgerError(error, country);
      }
    };
  return {
    country: reader.country,
    head: guard(() => reader.head()),
    entry: guard((n: number) => reader.entry(n)),
    verify: guard((...options: Parameters<LedgerReader['verify']>) => reader.verify(...options)),
    recipientsOf: guard((eventId: string) => reader.recipientsOf(eventId)),
    delivered: guard((eventId: string, recipient: Parameters<LedgerReader['delivered']>[1], sourceTopic?: string) =>
      reader.delivered(eventId, recipient, sourceTopic),
    ),
    positions: guard((topic: string) => reader.positions(topic)),
    listDisclosures: guard((filter: Parameters<LedgerReader['listDisclosures']>[0]) => reader.listDisclosures(filter)),
  };
}
