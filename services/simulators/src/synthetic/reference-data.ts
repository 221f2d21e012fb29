// The deploy/ files the generators draw on: each country's watchlists (for deliberate variant
// hits), trusted-shipper registry (for realistic C-TPAT / OEA / NEEC memberships) and
// trusted-traveller registry (the SENTRI, Global Entry and Viajero Confiable members who cross).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Country } from '@puente/runtime';
import { loadWatchlists, matchName, type WatchlistEntry } from '@puente/screening';
import { parse } from 'yaml';

import { SimulatorError } from '../errors.js';
import {
  loadTrustedTravellerRegistry,
  trustedTravellerFileOf,
  type TrustedTravellerRegistry,
} from './trusted-travellers.js';

/** The name this package exported for `Country` before runtime defined it; kept for callers. */
export type CountryCode = Country;

export interface TrustedShipper {
  readonly name: string;
  readonly programme: 'CTPAT' | 'OEA' | 'NEEC' | 'FAST' | 'OTHER';
  readonly membershipId: string;
  readonly tier: string | null;
  readonly validUntil: string | null;
  readonly suspended: boolean;
  readonly identifiers: readonly { readonly scheme: string; readonly value: string }[];
  /** Country of registration, inferred from its identifiers (RFC → MX, EIN → US) or legal form. */
  readonly countryCode: Country;
  readonly isCarrier: boolean;
}

export interface CountryReference {
  readonly watchlistEntries: readonly WatchlistEntry[];
  readonly trustedShippers: readonly TrustedShipper[];
  /** The programme office's registry of this country (SENTRI and Global Entry for US, Viajero Confiable for MX). */
  readonly trustedTravellers: TrustedTravellerRegistry;
}

export interface ReferenceData {
  readonly US: CountryReference;
  readonly MX: CountryReference;
}

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ReferenceFiles {
  readonly watchlists: Readonly<Record<Country, string>>;
  readonly trustedShippers: Readonly<Record<Country, string>>;
  readonly trustedTravellers: Readonly<Record<Country, string>>;
}

export const DEFAULT_REFERENCE_FILES: ReferenceFiles = Object.freeze({
  watchlists: { US: `${ROOT}deploy/watchlists/us.yaml`, MX: `${ROOT}deploy/watchlists/mx.yaml` },
  trustedShippers: { US: `${ROOT}deploy/trusted-shippers/us.yaml`, MX: `${ROOT}deploy/trusted-shippers/mx.yaml` },
  trustedTravellers: { US: trustedTravellerFileOf('US'), MX: trustedTravellerFileOf('MX') },
});

interface RawMember {
  name?: unknown;
  programme?: unknown;
  membershipId?: unknown;
  tier?: unknown;
  validUntil?: unknown;
  status?: unknown;
  identifiers?: { scheme?: unknown; value?: unknown }[];
}

function readTrustedShippers(file: string): TrustedShipper[] {
  const doc = parse(readFileSync(file, 'utf8')) as { members?: RawMember[] } | null;
  const shippers: TrustedShipper[] = [];
  for (const m of doc?.members ?? []) {
    if (typeof m.name !== 'string' || typeof m.membershipId !== 'string' || typeof m.programme !== 'string') continue;
    const identifiers = (m.identifiers ?? []).flatMap((i) =>
      typeof i.scheme === 'string' && typeof i.value === 'string' ? [{ scheme: i.scheme, value: i.value }] : [],
    );
    const mexican =
      identifiers.some((i) => i.scheme === 'MX_RFC') || /S\.\s*(A|de R\.L)\./.test(m.name) || /, S\.C\.$/.test(m.name);
    shippers.push({
      name: m.name,
      programme: m.programme as TrustedShipper['programme'],
      membershipId: m.membershipId,
      tier: typeof m.tier === 'string' ? m.tier : null,
      validUntil: typeof m.validUntil === 'string' ? m.validUntil : null,
      suspended: m.status === 'SUSPENDED',
      identifiers,
      countryCode: mexican ? 'MX' : 'US',
      isCarrier: identifiers.some((i) => i.scheme === 'SCAC') || /transport|freight|fletes/i.test(m.name),
    });
  }
  return shippers;
}

/**
 * Reads the watchlists, trusted-shipper and trusted-traveller registries. Trusted shippers whose name already scores
 * as a potential match against their country's watchlist are left out, so hits stay deliberate.
 */
export function loadReferenceData(files: ReferenceFiles = DEFAULT_REFERENCE_FILES): ReferenceData {
  const forCountry = (country: Country): CountryReference => {
    const watchlistEntries = loadWatchlists(files.watchlists[country]).lists.flatMap((l) => l.entries);
    const organizations = watchlistEntries.filter((e) => e.type === 'organization');
    const trustedShippers = readTrustedShippers(files.trustedShippers[country]).filter(
      (s) => !organizations.some((entry) => matchName(s.name, entry).score >= 0.85),
    );
    const trustedTravellers = loadTrustedTravellerRegistry(files.trustedTravellers[country]);
    if (trustedTravellers.country !== country)
      throw new SimulatorError({
        code: 'INVALID_REGISTRY',
        message: `${files.trustedTravellers[country]}: country: is ${trustedTravellers.country}, but it is read as the ${country} registry`,
      });
    return Object.freeze({ watchlistEntries, trustedShippers, trustedTravellers });
  };
  return Object.freeze({ US: forCountry('US'), MX: forCountry('MX') });
}

let cached: ReferenceData | undefined;
/** The reference data of this checkout's deploy/ folder, read once. */
export function defaultReferenceData(): ReferenceData {
  cached ??= loadReferenceData();
  return cached;
}
