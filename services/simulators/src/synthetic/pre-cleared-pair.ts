// The demo of a revoked pre-clearance: one northbound truck seen by both countries. CBP's manifest
// is pre-cleared (CLEARED, a consignor certified in the US trusted-shipper registry, nobody on a US
// list), so US risk can send it to the FAST lane; ANAM's manifest of the same trip (same manifestId,
// published later) names the consignee as it stands on MX's watchlist, so MX screening hits it
// and the US pre-clearance is revoked on MX's shared finding.
import { matchName, type WatchlistEntry } from '@puente/screening';

import { generateCargoManifest, shipperInGoodStanding, trustedOrganization } from './cargo-manifest.js';
import { compileGeneratorOptions, eventMeta, type GeneratedEvent, type GeneratorOptions } from './meta.js';
import { isoDate, organization } from './parties.js';
import { BORDER_CROSSINGS } from './ports.js';
import type { Rng } from './prng.js';

export interface PreClearedPair {
  /** CBP's manifest on us.cargo-manifests.v1: NORTHBOUND, CLEARED, a certified consignor, clear of US lists. */
  readonly us: GeneratedEvent;
  /** ANAM's manifest of the same trip on mx.cargo-manifests.v1, whose consignee is on MX's watchlist. */
  readonly mx: GeneratedEvent;
  /** The MX watchlist entry the consignee is listed as. */
  readonly entry: WatchlistEntry;
}

/** Releasable to both countries: the point of the pair is that each side sees the other's finding. */
const SHARED = { releasableTo: ['US', 'MX'], classification: 'SENSITIVE' } as const;

export function generatePreClearedPair(rng: Rng, options: GeneratorOptions = {}): PreClearedPair {
  const compiled = compileGeneratorOptions(options);
  const now = compiled.now();
  const today = isoDate(now);
  const { US, MX } = compiled.reference;
  const usOrganizations = US.watchlistEntries.filter((e) => e.type === 'organization');
  // A US importer on MX's list that no US list resembles: US screening stays clear, MX's hits.
  const listed = MX.watchlistEntries.filter(
    (e) =>
      e.type === 'organization' &&
      e.countryCode === 'US' &&
      !usOrganizations.some((u) => matchName(e.name, u).score >= 0.85),
  );
  const certified = US.trustedShippers.filter(
    (s) => s.countryCode === 'MX' && !s.isCarrier && shipperInGoodStanding(s, today),
  );
  if (listed.length === 0 || certified.length === 0)
    throw new RangeError(
      `a pre-cleared pair needs a US-registered organization on MX's watchlist (found ${listed.length}) and an MX exporter certified in the US trusted-shipper registry (found ${certified.length})`,
    );

  const base = generateCargoManifest(rng, 'US', { ...options, watchlistHitRate: 0, riskyGoodsRate: 0 });
  const usValue: GeneratedEvent['value'] = structuredClone(base.value);
  const portCode = (usValue['portOfEntry'] as { code: string }).code;
  const crossing = BORDER_CROSSINGS.find((c) => c.us.code === portCode) ?? null;
  const entry = rng.pick(listed);
  const consignee = { ...organization(rng, 'US', 'electronics', { now, crossing }), name: entry.name };
  usValue['consignor'] = trustedOrganization(rng, rng.pick(certified), crossing);
  usValue['consignee'] = consignee;
  usValue['preClearanceStatus'] = 'CLEARED';
  usValue.meta = { ...usValue.meta, ...SHARED, releasableTo: [...SHARED.releasableTo] };

  const mxValue = structuredClone(usValue);
  mxValue.meta = {
    ...eventMeta(rng, {
      country: 'MX',
      kind: 'cargo',
      now,
      classification: [[SHARED.classification, 1]],
      purposes: ['CUSTOMS', 'BORDER_SECURITY'],
      correlationId: (usValue.meta['correlationId'] as string | null) ?? null,
    }),
    releasableTo: [...SHARED.releasableTo],
  };
  // ANAM's export record of the trip: its own pedimento number; pre-clearance is the US side's.
  const yy = today.slice(2, 4);
  mxValue['declarationReference'] = `${yy}-${crossing?.mx.code ?? '240'}-${rng.digits(4)}-${rng.digits(7)}`;
  mxValue['preClearanceStatus'] = 'NOT_SUBMITTED';

  const manifestId = base.key;
  return {
    us: { ...base, value: usValue, watchlistHits: [] },
    mx: {
      topic: 'mx.cargo-manifests.v1',
      key: manifestId,
      publisher: 'MX/ANAM',
      kind: 'cargo',
      value: mxValue,
      watchlistHits: [
        { entryId: entry.entryId, listedName: entry.name, role: 'consignee', name: entry.name, variant: 'as-listed' },
      ],
    },
    entry,
  };
}
