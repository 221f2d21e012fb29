// Which ledger an operator is answered from, and what its failures become: a database that does
// not answer is UNAVAILABLE (LEDGER_UNAVAILABLE) with a retry hint, not an internal error.
import { LedgerError } from '@puente/ledger';
import { ErrorReason } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import { fromLedgerError, ownLedger } from './ledger-access.js';
import { fakeLedger } from './testing/fake-ledger.js';
import { MX_OPERATOR, refusal, US_OPERATOR } from './testing/fixture.js';

describe('ownLedger', () => {
  it('answers from the caller country ledger, turning its failures into gateway errors', async () => {
    const us = fakeLedger('US');
    const down = new LedgerError({ code: 'LEDGER_UNAVAILABLE', message: 'ledger: head failed: connect ECONNREFUSED' });
    const broken = { ...us, head: () => Promise.reject(down) };
    const error = await refusal(ownLedger({ ledgers: { US: broken } }, US_OPERATOR).head());
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      reason: ErrorReason.LEDGER_UNAVAILABLE,
      retryAfterMs: 2_000,
      metadata: { country: 'US' },
      cause: down,
    });
    expect(error.message).toBe(
      'the US disclosure ledger cannot be read now (ledger: head failed: connect ECONNREFUSED); retry after 2000 ms',
    );
    expect(await ownLedger({ ledgers: { US: us } }, US_OPERATOR).head()).toEqual({ entryCount: 0, headHash: null });
    expect(() => ownLedger({ ledgers: { US: us } }, MX_OPERATOR)).toThrow(/no disclosure ledger for MX/);
  });

  it('makes a request the ledger refuses REQUEST_INVALID and leaves other errors as they are', () => {
    expect(fromLedgerError(LedgerError.invalid('listDisclosures: limit must be …'), 'US')).toMatchObject({
      code: 'INVALID_ARGUMENT',
      reason: ErrorReason.REQUEST_INVALID,
    });
    const other = new Error('boom');
    expect(fromLedgerError(other, 'US')).toBe(other);
  });
});
