// Fixtures for policy tests: the real schemas and agreements of the repository, a development
// HMAC key, and synthetic events (no real person's data).
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import type { Type } from 'avsc';

import { parseSchema } from '@puente/contracts';
import { internalsOf } from '@puente/contracts/avsc';
import { loadSchemaSource } from '@puente/contracts/tools';
import type { CompileOptions } from '../compile.js';

export const REPO = fileURLToPath(new URL('../../../../../', import.meta.url));
export const SCHEMAS_DIR = `${REPO}schemas`;
export const POLICIES_DIR = `${REPO}deploy/policies`;

/** Development fixture keys — not secrets. */
export const DEV_KEYS: Readonly<Record<string, string>> = {
  PUENTE_HASH_KEY_US_MX: 'ZGV2LW9ubHktdXMtbXgta2V5LW5vdC1hLXNlY3JldC0wMDAx',
  PUENTE_HASH_KEY_OTHER: Buffer.from('another-development-key-for-tests-only!').toString('base64'),
};

let source: ReturnType<typeof loadSchemaSource> | undefined;

export function topicType(topic: string): Type | undefined {
  source ??= loadSchemaSource(SCHEMAS_DIR);
  const definition = source.topics[topic];
  return definition ? source.parsed.get(definition.valueType) : undefined;
}

export const compileOptions: CompileOptions = {
  schemaFor: topicType,
  secret: (name) => DEV_KEYS[name],
};

/**
 * A test-only topic whose `puente.domesticOnly` fields sit beneath records, arrays and nullable
 * records (the real schemas mark top-level fields only), so that an ancestor's action over them
 * can be generated and refused.
 */
export const NESTED_DOMESTIC = 'us.nested-domestic.v1';

let nested: Type | undefined;

export function nestedDomesticType(): Type {
  const metaType = internalsOf(topicType('us.cargo-manifests.v1')!).fields?.[0]?.type;
  nested ??= parseSchema({
    type: 'record',
    name: 'NestedDomestic',
    namespace: 'test.policy',
    fields: [
      { name: 'meta', type: metaType!.schema({ exportAttrs: true }) },
      { name: 'caseId', type: 'string' },
      {
        name: 'subjects',
        type: {
          type: 'array',
          items: {
            type: 'record',
            name: 'Subject',
            fields: [
              { name: 'name', type: 'string' },
              { name: 'handlerNotes', type: ['null', 'string'], default: null, 'puente.domesticOnly': true },
              { name: 'sources', type: { type: 'array', items: 'string' }, 'puente.domesticOnly': true },
              {
                name: 'contact',
                type: [
                  'null',
                  {
                    type: 'record',
                    name: 'Contact',
                    fields: [
                      { name: 'phone', type: 'string' },
                      { name: 'informant', type: 'string', 'puente.domesticOnly': true },
                    ],
                  },
                ],
                default: null,
              },
            ],
          },
        },
      },
      {
        name: 'handler',
        type: {
          type: 'record',
          name: 'Handler',
          fields: [
            { name: 'name', type: 'string' },
            { name: 'badge', type: 'string' },
          ],
        },
        'puente.domesticOnly': true,
      },
    ],
  } as never);
  return nested;
}

/** compileOptions that also know the test-only topic NESTED_DOMESTIC. */
export const testCompileOptions: CompileOptions = {
  ...compileOptions,
  schemaFor: (topic) => (topic === NESTED_DOMESTIC ? nestedDomesticType() : topicType(topic)),
};

export function meta(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: randomUUID(),
    occurredAt: new Date('2026-11-20T15:04:05.000Z'),
    originCountry: 'US',
    originAgency: 'CBP',
    classification: 'SENSITIVE',
    releasableTo: ['US', 'MX'],
    purposes: ['CUSTOMS', 'BORDER_SECURITY'],
    correlationId: null,
    supersedes: null,
    ...overrides,
  };
}

const organization = (name: string, countryCode: string) => ({
  name,
  tradeName: null,
  countryCode,
  identifiers: [
    { scheme: countryCode === 'MX' ? 'MX_RFC' : 'US_EIN', value: `${name.slice(0, 3).toUpperCase()}-0001` },
  ],
  address: {
    street: 'Calle Falsa 123',
    city: 'Nuevo Laredo',
    stateOrProvince: 'Tamaulipas',
    postalCode: '88000',
    countryCode,
  },
  trustedTraderMemberships: [],
});

export function cargoManifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    meta: meta(),
    manifestId: 'SCAC-TRIP-000123',
    declarationReference: null,
    direction: 'SOUTHBOUND',
    portOfEntry: { code: '240', name: 'Nuevo Laredo', country: 'MX' },
    portOfExit: { code: '2304', name: 'Laredo', country: 'US' },
    estimatedArrival: new Date('2026-11-21T08:00:00.000Z'),
    conveyance: {
      conveyanceType: 'TRUCK',
      identifier: 'TRK-77',
      registrationCountry: 'US',
      licensePlate: 'TX-9KQ-4471',
      vehicleIdentificationNumber: '1FUJGLDR9CLBP8834',
      trailerIds: ['TRL-1'],
      description: null,
    },
    driver: {
      personId: 'CBP-P-991',
      givenNames: 'Rosa Elena',
      surname: 'Quintanilla',
      secondSurname: 'Barragán',
      aliases: ['La Güera'],
      dateOfBirth: '1984-07-19',
      nationalities: ['MX'],
      documents: [
        {
          documentType: 'COMMERCIAL_DRIVER_LICENSE',
          documentNumber: 'CDL-TX-55512345',
          issuingCountry: 'US',
          issuingAuthority: 'TX DPS',
          expiresOn: '2029-07-19',
        },
      ],
      address: {
        street: '1200 Avenida Sintética',
        city: 'Laredo',
        stateOrProvince: 'TX',
        postalCode: '78040',
        countryCode: 'US',
      },
    },
    carrier: organization('Transportes Ficticios del Norte', 'MX'),
    consignor: organization('Acme Synthetic Exports LLC', 'US'),
    consignee: organization('Importadora Imaginaria SA de CV', 'MX'),
    customsBroker: null,
    goods: [
      {
        lineNumber: 1,
        hsCode: '8708.29',
        nationalTariffCode: null,
        description: 'Truck body parts',
        quantity: '120',
        unitOfMeasure: 'PCE',
        packageCount: 12,
        packageType: 'PALLET',
        grossWeightKg: '2400.50',
        declaredValue: '48200.00',
        currency: 'USD',
        originCountry: 'US',
        dangerousGoodsUnNumber: null,
      },
    ],
    seals: [{ sealNumber: 'SEAL-00991', sealType: 'BOLT', affixedBy: 'SHIPPER' }],
    preClearanceStatus: 'CLEARED',
    ...overrides,
  };
}
