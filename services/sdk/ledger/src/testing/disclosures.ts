// Disclosures for tests and the benchmark: deterministic, realistic in shape (a manifest rule
// releases ~40 field paths), and cheap to make a million events of.
import { createHash } from 'node:crypto';

import type { Country } from '@puente/runtime';

import type { DisclosedEventInput, DisclosureInput, LedgerFieldTransform } from '../types.js';

/** ~40 field paths of a cargo manifest view, as a manifest rule would release them. */
export const MANIFEST_FIELD_PATHS: readonly string[] = [
  'manifestId',
  'carrier.scac',
  'carrier.name',
  'carrier.country',
  'vessel.imo',
  'vessel.name',
  'vessel.flag',
  'voyage.number',
  'voyage.departurePort',
  'voyage.arrivalPort',
  'voyage.etd',
  'voyage.eta',
  'billOfLading.number',
  'billOfLading.issuedAt',
  'shipper.name',
  'shipper.country',
  'shipper.city',
  'consignee.name',
  'consignee.country',
  'consignee.city',
  'notifyParty.name',
  'container.number',
  'container.sealNumber',
  'container.isoType',
  'container.grossWeightKg',
  'goods.hsCode',
  'goods.description',
  'goods.quantity',
  'goods.unit',
  'goods.declaredValue.amount',
  'goods.declaredValue.currency',
  'goods.originCountry',
  'goods.hazmat',
  'goods.unNumber',
  'inspection.required',
  'inspection.reason',
  'risk.score',
  'risk.band',
  'filedAt',
  'updatedAt',
];

export interface DisclosureOptions {
  /** The ledger's country (the disclosing one). Default US. */
  readonly country?: Country;
  /** Events per disclosure. Default 1. */
  readonly events?: number;
  /** Distinguishes generated ids between calls; default 'd'. */
  readonly prefix?: string;
  /** Field paths released; default MANIFEST_FIELD_PATHS. */
  readonly fieldsReleased?: readonly string[];
  /** Recipient agencies, chosen round-robin. Default ['SAT', 'ANAM']. */
  readonly agencies?: readonly string[];
}

const TRANSFORMS: readonly LedgerFieldTransform[] = [
  { path: 'shipper.name', action: 'HASH', method: 'HMAC-SHA256', normalization: 'upper-trim', keyIds: ['k-2026-1'] },
  { path: 'consignee.name', action: 'MASK', method: null, normalization: null, keyIds: [] },
];

/** Disclosure number `n` (from 0) of a deterministic series. */
export function makeDisclosure(n: number, options: DisclosureOptions = {}): DisclosureInput {
  const country = options.country ?? 'US';
  const partner: Country = country === 'US' ? 'MX' : 'US';
  const prefix = options.prefix ?? 'd';
  const perDisclosure = options.events ?? 1;
  const agencies = options.agencies ?? ['SAT', 'ANAM'];
  const agency = agencies[n % agencies.length] ?? 'SAT';
  const events: DisclosedEventInput[] = [];
  for (let i = 0; i < perDisclosure; i++) {
    const k = n * perDisclosure + i;
    events.push({
      eventId: `${prefix}-event-${k}`,
      entityId: `manifest-${k % 997}`,
      sourcePartition: k % 6,
      sourceOffset: String(Math.floor(k / 6)),
      supersedes: k % 50 === 49 ? `${prefix}-event-${k - 49}` : null,
      digest: createHash('sha256').update(`${prefix}:${k}`).digest(),
    });
  }
  return {
    disclosureId: `${prefix}-${n}`,
    kind: 'DELIVERY',
    originCountry: country,
    sourceTopic: `${country.toLowerCase()}.cargo-manifests.v1`,
    recipient: {
      country: partner,
      agency,
      subscription: `sub-${agency.toLowerCase()}-1`,
      principal: `spiffe://${partner.toLowerCase()}.puente/${agency.toLowerCase()}`,
    },
    agreementId: `${country.toLowerCase()}-${partner.toLowerCase()}-cargo`,
    agreementVersion: '3',
    ruleId: 'manifests-to-customs',
    viewSchemaId: 17,
    declaredPurposes: ['CUSTOMS_RISK'],
    fieldsReleased: options.fieldsReleased ?? MANIFEST_FIELD_PATHS,
    fieldsTransformed: TRANSFORMS,
    fieldsRemoved: ['shipper.taxId', 'consignee.taxId'],
    deliveredAt: new Date(Date.UTC(2026, 0, 1) + n * 1000),
    events,
  };
}

/** `count` disclosures numbered from `start`. */
export function makeDisclosures(
  count: number,
  options: DisclosureOptions & { start?: number } = {},
): DisclosureInput[] {
  const start = options.start ?? 0;
  return Array.from({ length: count }, (_, i) => makeDisclosure(start + i, options));
}
