import { describe, expect, it } from 'vitest';

import { LedgerError } from './errors.js';

/** An error as pg and PGlite throw them: a message and a SQLSTATE code. */
const databaseError = (code: string | undefined) => Object.assign(new Error(`failed (${code})`), { code });

describe('LedgerError.fromUnknown', () => {
  it.each([
    ['22008', 'a timestamp out of range'],
    ['22P02', 'a malformed value'],
    ['23505', 'a unique constraint'],
  ])('calls SQLSTATE %s (%s) the caller’s input, never worth a retry', (code) => {
    const error = LedgerError.fromUnknown(databaseError(code), 'listing disclosures');
    expect(error).toMatchObject({ code: 'INVALID_INPUT', retriable: false });
    expect(error.message).toContain('listing disclosures refused a value');
  });

  it.each([
    ['08006', true],
    ['40001', true],
    ['53300', true],
    [undefined, true],
    ['42P01', false],
  ])('calls SQLSTATE %s unavailable, retriable: %s', (code, retriable) => {
    expect(LedgerError.fromUnknown(databaseError(code), 'appending')).toMatchObject({
      code: 'LEDGER_UNAVAILABLE',
      retriable,
    });
  });

  it('keeps a LedgerError as it is', () => {
    const original = LedgerError.invalid('bad');
    expect(LedgerError.fromUnknown(original, 'x')).toBe(original);
  });
});
