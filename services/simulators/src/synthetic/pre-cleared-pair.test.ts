// The demo pair of a revoked pre-clearance, and the pre-clearance of ordinary manifests: certified
// shippers' manifests are mostly CLEARED; CBP's half of the pair is FAST-eligible and clear of US
// lists, ANAM's half is the same trip with a consignee MX's screening hits.
import { createCodec } from '@puente/contracts';
import { matchName } from '@puente/screening';
import { COUNTRIES } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { shipperInGoodStanding } from './cargo-manifest.js';
import { createRng, defaultReferenceData, fullName, generateCargoManifest, generatePreClearedPair } from './index.js';

const codec = createCodec();
const NOW = Date.parse('2026-11-27T15:00:00.000Z');
const TODAY = '2026-11-27';
const options = { now: () => NOW };
const reference = defaultReferenceData();

const certifiedIds = (country: 'US' | 'MX') =>
  new Set(reference[country].trustedShippers.filter((s) => shipperInGoodStanding(s, TODAY)).map((s) => s.membershipId));

describe('pre-cleared shipments', () => {
  it('files manifests of certified shippers mostly CLEARED, others far less often', () => {
    for (const country of COUNTRIES) {
      const certified = certifiedIds(country);
      const tally = { certified: 0, certifiedCleared: 0, other: 0, otherCleared: 0 };
      const rng = createRng(country === 'US' ? 31 : 32);
      for (let i = 0; i < 2_000; i++) {
        const m = generateCargoManifest(rng, country, options).value as any;
        const isCertified = [m.consignor, m.consignee, m.carrier].some((o: any) =>
          o.trustedTraderMemberships.some((t: any) => certified.has(t.membershipId)),
        );
        const cleared = m.preClearanceStatus === 'CLEARED';
        if (isCertified) {
          tally.certified++;
          if (cleared) tally.certifiedCleared++;
        } else {
          tally.other++;
          if (cleared) tally.otherCleared++;
        }
      }
      expect(tally.certified).toBeGreaterThan(300);
      expect(tally.certifiedCleared / tally.certified).toBeGreaterThan(0.78);
      expect(tally.otherCleared / tally.other).toBeLessThan(0.32);
    }
  });

  it('numbers every manifest by the carrier trip (SCAC + 10 digits) in both countries', () => {
    const rng = createRng(33);
    for (let i = 0; i < 300; i++) {
      for (const country of COUNTRIES) {
        const { key, value } = generateCargoManifest(rng, country, options);
        expect(key).toMatch(/^[A-Z]{4}\d{10}$/);
        expect((value as any).manifestId).toBe(key);
      }
    }
  });

  describe('the demo pair', () => {
    const usPersons = reference.US.watchlistEntries.filter((e) => e.type === 'person');
    const usOrganizations = reference.US.watchlistEntries.filter((e) => e.type === 'organization');

    it('is one northbound trip: CBP’s pre-cleared manifest, then ANAM’s with the same manifestId', () => {
      const rng = createRng(34);
      for (let i = 0; i < 200; i++) {
        const { us, mx } = generatePreClearedPair(rng, options);
        expect([us.topic, us.publisher, mx.topic, mx.publisher]).toEqual([
          'us.cargo-manifests.v1',
          'US/CBP',
          'mx.cargo-manifests.v1',
          'MX/ANAM',
        ]);
        const usDecoded = codec.fromFriendlyJson('us.cargo-manifests.v1', us.value);
        const mxDecoded = codec.fromFriendlyJson('mx.cargo-manifests.v1', mx.value);
        expect(mx.key).toBe(us.key);
        expect(mxDecoded.manifestId).toBe(usDecoded.manifestId);
        expect(mxDecoded.direction).toBe('NORTHBOUND');
        expect(mxDecoded.portOfEntry).toEqual(usDecoded.portOfEntry);
        expect(mxDecoded.consignee.name).toBe(usDecoded.consignee.name);
        expect(mxDecoded.meta).toMatchObject({ originCountry: 'MX', originAgency: 'ANAM', releasableTo: ['US', 'MX'] });
        expect(usDecoded.meta).toMatchObject({ originCountry: 'US', originAgency: 'CBP', releasableTo: ['US', 'MX'] });
        expect(mxDecoded.meta.eventId).not.toBe(usDecoded.meta.eventId);
      }
    });

    it('makes CBP’s manifest FAST-eligible: CLEARED, a certified consignor in good standing, no party on a US list', () => {
      const certified = certifiedIds('US');
      const rng = createRng(35);
      for (let i = 0; i < 200; i++) {
        const { us } = generatePreClearedPair(rng, options);
        const m = us.value as any;
        expect(m.preClearanceStatus).toBe('CLEARED');
        expect(
          m.consignor.trustedTraderMemberships.map((t: any) => t.membershipId).some((id: string) => certified.has(id)),
        ).toBe(true);
        expect(us.watchlistHits).toEqual([]);
        for (const org of [m.consignor, m.consignee, m.carrier])
          for (const entry of usOrganizations) expect(matchName(org.name, entry).score).toBeLessThan(0.85);
        if (m.driver)
          for (const entry of usPersons) expect(matchName(fullName(m.driver), entry).score).toBeLessThan(0.85);
      }
    });

    it('names ANAM’s consignee as it stands on MX’s watchlist, a confirmed match', () => {
      const rng = createRng(36);
      for (let i = 0; i < 50; i++) {
        const { mx, entry } = generatePreClearedPair(rng, options);
        expect(reference.MX.watchlistEntries).toContain(entry);
        expect(mx.watchlistHits).toEqual([expect.objectContaining({ entryId: entry.entryId, role: 'consignee' })]);
        expect(matchName((mx.value as any).consignee.name, entry).score).toBeGreaterThanOrEqual(0.95);
      }
    });

    it('is deterministic per seed', () => {
      const run = (seed: number) => {
        const rng = createRng(seed);
        return Array.from({ length: 5 }, () => generatePreClearedPair(rng, options)).map((p) => [
          p.us.value,
          p.mx.value,
        ]);
      };
      expect(run(7)).toEqual(run(7));
      expect(JSON.stringify(run(7))).not.toBe(JSON.stringify(run(8)));
    });
  });
});
