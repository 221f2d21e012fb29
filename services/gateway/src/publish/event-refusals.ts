// The refusals of event preparation, each built in one place so its code, reason, message and
// details stay the same wherever the check runs (prepare-event.ts, read-event.ts, decode-payload.ts).
import { ErrorReason, PayloadFormat, type BadRequest_FieldViolation, type PublishRequest } from '@puente/proto';
import type { DomainProblem, FieldError } from '@puente/contracts';

import type { Principal } from '../auth/identity.js';
import { GatewayError } from '../grpc/errors.js';

/** Messages quote this many violations; BadRequest carries them all. */
export const LISTED_VIOLATIONS = 10;

export function payloadTooLarge(bytes: number, limit: number): GatewayError {
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.PAYLOAD_TOO_LARGE,
    message: `payload is ${bytes} bytes; the limit is ${limit}`,
    metadata: { limit: String(limit) },
  });
}

/** The event claims an origin other than the caller's; a violation for each field that differs. */
export function originMismatch(principal: Principal, originCountry: string, originAgency: string): GatewayError {
  return new GatewayError({
    code: 'PERMISSION_DENIED',
    reason: ErrorReason.ORIGIN_MISMATCH,
    message: `the event claims origin ${originCountry}/${originAgency}, but the caller is ${principal.country}/${principal.agency}`,
    fieldViolations: [
      ...(originCountry !== principal.country
        ? [
            {
              field: 'meta.originCountry',
              description: `must be ${principal.country}`,
              reason: 'ORIGIN_MISMATCH',
            },
          ]
        : []),
      ...(originAgency !== principal.agency
        ? [{ field: 'meta.originAgency', description: `must be ${principal.agency}`, reason: 'ORIGIN_MISMATCH' }]
        : []),
    ],
  });
}

export function keyDiffers(requestKey: string, entityKey: string): GatewayError {
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.REQUEST_INVALID,
    message: `key '${requestKey}' differs from the event's entity id '${entityKey}'`,
    fieldViolations: [
      { field: 'key', description: 'must equal the entity id of the event', reason: 'REQUEST_INVALID' },
    ],
  });
}

export function schemaIdDiffers(requestSchemaId: number, framedId: number): GatewayError {
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.REQUEST_INVALID,
    message: `schema_id ${requestSchemaId} differs from schema id ${framedId} in the payload's framing`,
    fieldViolations: [
      {
        field: 'schema_id',
        description: `must be 0 or ${framedId}, the schema id in the payload's framing`,
        reason: 'REQUEST_INVALID',
      },
    ],
  });
}

export function notAVersionOfTopic(topic: string, schemaId: number): GatewayError {
  return new GatewayError({
    code: 'NOT_FOUND',
    reason: ErrorReason.SCHEMA_NOT_FOUND,
    message: `schema id ${schemaId} is not a version of ${topic}'s schema`,
    metadata: { schemaId: String(schemaId), topic },
  });
}

/** Bytes that are not one Avro value at all (as opposed to a value with invalid fields). */
export function malformedBytes(schemaId: number, errors: readonly FieldError[]): GatewayError {
  const listed = errors.slice(0, LISTED_VIOLATIONS).map((e) => e.message);
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.PAYLOAD_UNDECODABLE,
    message: `payload is not one Avro value of schema id ${schemaId}: ${listed.join('; ')}`,
    fieldViolations: violations(errors, 'PAYLOAD_UNDECODABLE'),
  });
}

export function notJson(error: unknown): GatewayError {
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.PAYLOAD_UNDECODABLE,
    message: `payload is not JSON: ${(error as Error).message}`,
  });
}

export function unsupportedFormat(): GatewayError {
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.REQUEST_INVALID,
    message: 'payload_format must be AVRO_CONFLUENT or AVRO_JSON',
    fieldViolations: [
      { field: 'payload_format', description: 'AVRO_CONFLUENT or AVRO_JSON', reason: 'REQUEST_INVALID' },
    ],
  });
}

export function schemaRejected(topic: string, schemaId: number, errors: readonly FieldError[]): GatewayError {
  const listed = errors.slice(0, LISTED_VIOLATIONS).map((e) => e.message);
  const more = errors.length > LISTED_VIOLATIONS ? `; … and ${errors.length - LISTED_VIOLATIONS} more` : '';
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.SCHEMA_REJECTED,
    message: `${topic}: ${errors.length} invalid field(s): ${listed.join('; ')}${more}`,
    fieldViolations: violations(errors, 'SCHEMA_REJECTED'),
    metadata: { topic, schemaId: String(schemaId) },
  });
}

/** The value conforms to the schema but breaks the topic's domain rules; a violation per broken rule. */
export function domainRejected(topic: string, schemaId: number, problems: readonly DomainProblem[]): GatewayError {
  const listed = problems.slice(0, LISTED_VIOLATIONS).map((p) => `${p.path}: ${p.message}`);
  const more = problems.length > LISTED_VIOLATIONS ? `; … and ${problems.length - LISTED_VIOLATIONS} more` : '';
  return new GatewayError({
    code: 'INVALID_ARGUMENT',
    reason: ErrorReason.SCHEMA_REJECTED,
    message: `${topic}: ${problems.length} rule(s) broken: ${listed.join('; ')}${more}`,
    fieldViolations: problems.map((p) => ({ field: p.path, description: p.message, reason: 'DOMAIN_RULE' })),
    metadata: { topic, schemaId: String(schemaId) },
  });
}

function violations(errors: readonly FieldError[], reason: string): BadRequest_FieldViolation[] {
  return errors.map((e) => ({ field: e.path, description: e.message, reason }));
}

/** Schema errors name the topic and the schema id they concern, as common.proto promises. */
export function withSchemaContext(
  error: GatewayError,
  request: PublishRequest,
  latestOf: (topic: string) => number,
): GatewayError {
  if (error.reason !== ErrorReason.SCHEMA_REJECTED && error.reason !== ErrorReason.SCHEMA_NOT_FOUND) return error;
  const framed =
    request.payloadFormat === PayloadFormat.AVRO_CONFLUENT && request.payload.length >= 5 && request.payload[0] === 0;
  let schemaId = framed ? request.payload.readInt32BE(1) : request.schemaId;
  if (schemaId === 0) {
    try {
      schemaId = latestOf(request.topic);
    } catch {
      schemaId = 0; // a topic the catalog does not know: no schema to name
    }
  }
  return error.withMetadata({ topic: request.topic, schemaId: String(schemaId) });
}
