// The trusted-shipper registry (C-TPAT, OEA, NEEC …) a country's risk service trusts: a YAML file
// of certified companies. A membership a manifest merely declares counts only when the registry
// confirms it, so a forged certificate number on a manifest buys no expedited lane.
import { readFileSync } from 'node:fs';

import type { Organization, TrustedTraderProgramme } from '@puente/contracts';
import { COUNTRIES, type Country } from '@puente/runtime';
import { z } from 'zod';

import { parseYamlDocument } from './yaml-document.js';

const programme = z.enum(['CTPAT', 'OEA', 'NEEC', 'FAST', 'OTHER']);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');

const registrySchema = z.strictObject({
  country: z.enum(COUNTRIES),
  description: z.string().optional(),
  members: z.array(
    z.strictObject({
      name: z.string().min(1),
      programme,
      membershipId: z.string().min(1),
      tier: z.string().optional(),
      status: z.enum(['ACTIVE', 'SUSPENDED']).default('ACTIVE'),
      validUntil: isoDate.optional(),
      identifiers: z.array(z.strictObject({ scheme: z.string().min(1), value: z.string().min(1) })).default([]),
    }),
  ),
});

export type TrustedShipperRegistryDocument = z.infer<typeof registrySchema>;
export type TrustedShipperEntry = TrustedShipperRegistryDocument['members'][number];

export type MembershipStatus =
  | { readonly kind: 'trusted'; readonly entry: TrustedShipperEntry }
  | { readonly kind: 'suspended'; readonly entry: TrustedShipperEntry }
  | { readonly kind: 'expired'; readonly entry: TrustedShipperEntry }
  /** The manifest declares a membership the registry does not know. */
  | { readonly kind: 'unverified'; readonly membershipId: string }
  | { readonly kind: 'none' };

export interface TrustedShipperRegistry {
  readonly country: Country;
  readonly size: number;
  /** Status of an organization in one programme on a date (YYYY-MM-DD). */
  statusOf(organization: Organization, programme: TrustedTraderProgramme, onDate: string): MembershipStatus;
}

const identifierKey = (scheme: string, value: string) => `${scheme}\u0000${value.trim().toUpperCase()}`;

export function createTrustedShipperRegistry(document: TrustedShipperRegistryDocument): TrustedShipperRegistry {
  const byMembership = new Map<string, TrustedShipperEntry>();
  const byIdentifier = new Map<string, TrustedShipperEntry[]>();
  for (const entry of document.members) {
    byMembership.set(identifierKey(entry.programme, entry.membershipId), entry);
    for (const id of entry.identifiers) {
      const key = identifierKey(id.scheme, id.value);
      byIdentifier.set(key, [...(byIdentifier.get(key) ?? []), entry]);
    }
  }
  const judge = (entry: TrustedShipperEntry, onDate: string): MembershipStatus => {
    if (entry.status === 'SUSPENDED') return { kind: 'suspended', entry };
    if (entry.validUntil !== undefined && entry.validUntil < onDate) return { kind: 'expired', entry };
    return { kind: 'trusted', entry };
  };
  return {
    country: document.country,
    size: document.members.length,
    statusOf(organization, wanted, onDate) {
      // The registry is authoritative: a match by certificate number or by a company identifier.
      for (const declared of organization.trustedTraderMemberships) {
        if (declared.programme !== wanted) continue;
        const entry = byMembership.get(identifierKey(wanted, declared.membershipId));
        if (entry) return judge(entry, onDate);
      }
      for (const id of organization.identifiers) {
        const entry = byIdentifier.get(identifierKey(id.scheme, id.value))?.find((e) => e.programme === wanted);
        if (entry) return judge(entry, onDate);
      }
      const declared = organization.trustedTraderMemberships.find((m) => m.programme === wanted);
      return declared ? { kind: 'unverified', membershipId: declared.membershipId } : { kind: 'none' };
    },
  };
}

export function parseTrustedShippers(text: string, source = 'trusted-shipper registry'): TrustedShipperRegistry {
  return createTrustedShipperRegistry(parseYamlDocument(registrySchema, text, source, 'INVALID_REGISTRY'));
}

export function loadTrustedShippers(file: string): TrustedShipperRegistry {
  return parseTrustedShippers(readFileSync(file, 'utf8'), file);
}
