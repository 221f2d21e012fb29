import { describe, expect, it } from 'vitest';
import type { FieldError } from './errors.js';
import { validationError } from './validation-error.js';

const bad = (i: number): FieldError => ({
  path: `f${i}`,
  expected: 'string',
  got: 'null',
  message: `f${i}: expected string, got null`,
});

describe('validationError', () => {
  it('names up to ten fields in the message and keeps every one in fieldErrors', () => {
    const errors = Array.from({ length: 12 }, (_, i) => bad(i));
    const cause = new Error('underneath');
    const err = validationError('parcels.v1', errors, cause);
    expect(err).toMatchObject({ code: 'SCHEMA_VALIDATION', retriable: false, cause });
    expect(err.fieldErrors).toEqual(errors);
    const listed = errors
      .slice(0, 10)
      .map((e) => e.message)
      .join('; ');
    expect(err.message).toBe(`parcels.v1: 12 invalid field(s): ${listed}; … and 2 more`);
  });

  it('says nothing more when ten or fewer fields are wrong', () => {
    expect(validationError('x', [bad(1), bad(2)]).message).toBe(
      'x: 2 invalid field(s): f1: expected string, got null; f2: expected string, got null',
    );
  });
});
