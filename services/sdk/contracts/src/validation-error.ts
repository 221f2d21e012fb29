// The one SCHEMA_VALIDATION error: every bad field kept in `fieldErrors`, the first few named in
// the message, so a log line says what is wrong without growing with the value.
import { AvroError } from './errors.js';
import type { FieldError } from './errors.js';

const LISTED_ERRORS = 10;

export function validationError(what: string, errors: readonly FieldError[], cause?: unknown): AvroError {
  const listed = errors.slice(0, LISTED_ERRORS).map((e) => e.message);
  const more = errors.length > LISTED_ERRORS ? `; … and ${errors.length - LISTED_ERRORS} more` : '';
  return new AvroError({
    code: 'SCHEMA_VALIDATION',
    message: `${what}: ${errors.length} invalid field(s): ${listed.join('; ')}${more}`,
    fieldErrors: errors,
    cause,
  });
}
