// Checks on request fields shared by the RPCs: one INVALID_ARGUMENT shape (REQUEST_INVALID with
// a field violation) and the payload formats an answer may be written in.
import { PayloadFormat } from '@puente/proto';

import { badRequest } from '../grpc/errors.js';

export { badRequest };

/** The format to answer in: UNSPECIFIED means AVRO_JSON; anything but the two Avro encodings is refused. */
export function outputFormat(format: PayloadFormat, field: string): PayloadFormat {
  if (format === PayloadFormat.UNSPECIFIED || format === PayloadFormat.AVRO_JSON) return PayloadFormat.AVRO_JSON;
  if (format === PayloadFormat.AVRO_CONFLUENT) return format;
  throw badRequest(field, 'must be AVRO_CONFLUENT or AVRO_JSON');
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The value when it is a UUID (as Avro's uuid logical type writes it); REQUEST_INVALID naming the field otherwise. */
export function requireUuid(value: string, field: string): string {
  if (!UUID.test(value)) {
    throw badRequest(field, value === '' ? 'is required (a UUID)' : `'${value.slice(0, 64)}' is not a UUID`);
  }
  return value;
}
