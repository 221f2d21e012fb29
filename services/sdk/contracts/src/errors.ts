// The avro module's single error type: every failure of the catalog, the codec or a registry
// client surfaces as an AvroError with a stable `code`, so callers (the gateway's
// `toServiceError`, the bus's DLQ routing) can branch without parsing messages.

import { messageOf, PuenteError } from '@puente/runtime';

/** One problem with one field of a value, named by its path (e.g. `goods[3].hsCode`). */
export interface FieldError {
  /** Dotted path with array indices, e.g. `goods[3].hsCode`; `''` for the value itself. */
  readonly path: string;
  /** What the schema wants there, e.g. `string`, `null or record Address`. */
  readonly expected: string;
  /** What was found, e.g. `null`, `string "CA"`, `undefined (missing)`. */
  readonly got: string;
  /** Why the value is wrong when its kind alone does not say, e.g. `more than 2 fraction digits`. */
  readonly reason?: string;
  /** `path: expected X, got Y` (`: reason` appended when there is one); stable, never echoes personal data. */
  readonly message: string;
}

export type AvroErrorCode =
  /** The value does not match the topic's schema; `fieldErrors` names every bad path. */
  | 'SCHEMA_VALIDATION'
  /** No schema is known for the id in the message header (catalog nor registry). */
  | 'UNKNOWN_SCHEMA_ID'
  /** The topic has no entry in schemas/topics.json. */
  | 'UNKNOWN_TOPIC'
  /** The registry has no such subject (or no versions under it). */
  | 'UNKNOWN_SUBJECT'
  /** Bytes that are not a Confluent-framed Avro message: bad magic, truncated, trailing bytes, garbage. */
  | 'MALFORMED'
  /** The writer's schema cannot be read with the reader's (evolution rules broken). */
  | 'INCOMPATIBLE_SCHEMA'
  /** A schema file, the topic map or the lock is invalid, or the lock/generated code is stale. */
  | 'INVALID_SCHEMA'
  /** The schema registry could not be reached or answered 5xx/429; retrying may help. */
  | 'REGISTRY_UNAVAILABLE'
  /** The schema registry holds something else under an id or version the catalog owns. */
  | 'REGISTRY_CONFLICT'
  /** The schema registry refused a request (4xx other than not-found). */
  | 'REGISTRY_REJECTED';

export interface AvroErrorOptions {
  readonly code: AvroErrorCode;
  readonly message: string;
  readonly retriable?: boolean;
  readonly cause?: unknown;
  readonly fieldErrors?: readonly FieldError[];
}

/** `retriable` is true only when the same call may succeed later (registry outages), never for bad data. */
export class AvroError extends PuenteError<AvroErrorCode> {
  override readonly name = 'AvroError';
  /** Every bad field, for SCHEMA_VALIDATION; empty otherwise. */
  readonly fieldErrors: readonly FieldError[];

  constructor(options: AvroErrorOptions) {
    super(options);
    this.fieldErrors = options.fieldErrors ?? [];
  }
}

export function isAvroError(err: unknown, code?: AvroErrorCode): err is AvroError {
  return err instanceof AvroError && (code === undefined || err.code === code);
}

export { messageOf };
