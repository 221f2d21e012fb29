// A topic's domain rules at the door: a traveller crossing that Avro accepts but that breaks the
// rules Avro cannot state (no travel document, a vehicle mode without its vehicle) is refused
// with every broken rule named by its field path, in binary and in JSON alike; a crossing that
// keeps them, and topics without such rules, go through as before.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { ErrorReason, PayloadFormat, type PublishRequest } from '@puente/proto';
import { createCodec, type TravellerCrossing } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import { loadPublishPermissions } from '../auth/authorization.js';
import type { Principal } from '../auth/identity.js';
import { PUBLISHERS_FILE } from '../dev/dev-wiring.js';
import { GatewayError } from '../grpc/errors.js';
import { createEventPreparer } from './prepare-event.js';

const TOPIC = 'us.traveller-crossings.v1';
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const codec = createCodec();
const example = JSON.parse(
  readFileSync(`${root}schemas/examples/traveller-crossings/us-sentri-northbound-san-ysidro.json`, 'utf8'),
) as { value: unknown };
const valid = codec.fromFriendlyJson<typeof TOPIC>(TOPIC, example.value);
const cbp: Principal = { country: 'US', agency: 'CBP', roles: ['publisher'], name: 'us-cbp', via: 'token' };
const preparer = createEventPreparer({
  codec,
  permissions: loadPublishPermissions(PUBLISHERS_FILE),
  maxPayloadBytes: 1e6,
});

/** A crossing without documents whose vehicle is missing: valid Avro, two broken rules. */
const broken: TravellerCrossing = { ...valid, travelDocuments: [], mode: 'BUS', conveyance: null };

const request = (value: TravellerCrossing, format: PayloadFormat): PublishRequest => ({
  topic: TOPIC,
  key: '',
  payloadFormat: format,
  payload:
    format === PayloadFormat.AVRO_JSON
      ? Buffer.from(JSON.stringify(codec.toAvroJson(TOPIC, value)))
      : codec.encode(TOPIC, value),
  schemaId: 0,
});

const prepare = (r: PublishRequest) => preparer.prepareBatch(cbp, [r], new Date())[0];

describe.each([
  ['Avro binary', PayloadFormat.AVRO_CONFLUENT],
  ['Avro JSON', PayloadFormat.AVRO_JSON],
])('a traveller crossing published as %s', (_name, format) => {
  it('is refused naming each broken rule when it breaks the domain rules', () => {
    const result = prepare(request(broken, format));
    expect(result).toBeInstanceOf(GatewayError);
    const error = result as GatewayError;
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.reason).toBe(ErrorReason.SCHEMA_REJECTED);
    expect(error.fieldViolations.map((v) => [v.field, v.reason])).toEqual([
      ['travelDocuments', 'DOMAIN_RULE'],
      ['conveyance', 'DOMAIN_RULE'],
    ]);
    expect(error.message).toContain('travelDocuments: a crossing presents at least one travel document');
    expect(error.metadata).toMatchObject({ topic: TOPIC, schemaId: String(codec.schemaIdOf(TOPIC)) });
  });

  it('is accepted when it keeps them', () => {
    const result = prepare(request({ ...valid, meta: { ...valid.meta, eventId: crypto.randomUUID() } }, format));
    expect(result).not.toBeInstanceOf(GatewayError);
  });
});
