// The generators produce schema-valid events (thousands of each kind), are deterministic per
// seed, and their deliberate watchlist hits really hit while everything else stays clear.
import { matchName, type WatchlistEntry } from '@puente/screening';
import { createCodec } from '@puente/contracts';
import { COUNTRIES } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import {
  createRng,
  defaultReferenceData,
  fakeVin,
  fullName,
  generateCargoManifest,
  generateInvestigationEvent,
  generateProsecutionEvent,
  isWellKnownPerson,
  WELL_KNOWN_PEOPLE,
  type GeneratedEvent,
} from './index.js';

const codec = createCodec();
const NOW = Date.parse('2026-11-27T15:00:00.000Z');
const options = { now: () => NOW };
const GENERATORS = {
  cargo: generateCargoManifest,
  investigation: generateInvestigationEvent,
  prosecution: generateProsecutionEvent,
} as const;

/** Every person in an event, wherever the schema puts one. */
function persons(event: GeneratedEvent): any[] {
  const v = event.value as any;
  if (event.kind === 'cargo') return v.driver ? [v.driver] : [];
  if (event.kind === 'investigation') return v.subjects.flatMap((s: any) => (s.person ? [s.person] : []));
  return v.defendants.map((d: any) => d.person);
}

describe('synthetic generators', () => {
  for (const [kind, generate] of Object.entries(GENERATORS)) {
    for (const country of COUNTRIES) {
      it(`${country} ${kind}: 2,000 events validate against the schema of their topic`, () => {
        const rng = createRng(1234);
        const problems: string[] = [];
        for (let i = 0; i < 2_000; i++) {
          const event = generate(rng, country, options);
          try {
            codec.fromFriendlyJson(event.topic as never, event.value);
          } catch (error) {
            problems.push(`${event.key}: ${(error as Error).message}`);
          }
          expect(event.topic).toBe(
            `${country.toLowerCase()}.${event.kind === 'cargo' ? 'cargo-manifests' : `${kind}s`}.v1`,
          );
          expect(event.key).not.toBe('');
        }
        expect(problems.slice(0, 5)).toEqual([]);
      });
    }
  }

  it('fills the envelope for the publishing agency of each kind', () => {
    const rng = createRng(7);
    const agencies = new Set<string>();
    const classifications = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      for (const country of COUNTRIES) {
        for (const generate of Object.values(GENERATORS)) {
          const { value, publisher } = generate(rng, country, options);
          const meta = value.meta as any;
          expect(`${meta.originCountry}/${meta.originAgency}`).toBe(publisher);
          expect(meta.occurredAt).toBe(new Date(NOW).toISOString());
          expect(meta.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          agencies.add(publisher);
          classifications.set(meta.classification, (classifications.get(meta.classification) ?? 0) + 1);
        }
      }
    }
    expect([...agencies].sort()).toEqual(['MX/ANAM', 'MX/FGR', 'US/CBP', 'US/HSI', 'US/USAO']);
    expect(classifications.get('PUBLIC')).toBeUndefined();
    expect(classifications.get('RESTRICTED')).toBeGreaterThan(0);
    expect(classifications.get('SENSITIVE')! + classifications.get('LAW_ENFORCEMENT_SENSITIVE')!).toBeGreaterThan(
      classifications.get('RESTRICTED')! * 4,
    );
  });

  it('is deterministic per seed and differs between seeds', () => {
    const run = (seed: number) => {
      const rng = createRng(seed);
      return COUNTRIES.flatMap((c) => Object.values(GENERATORS).map((g) => g(rng, c, options).value));
    };
    expect(run(99)).toEqual(run(99));
    expect(JSON.stringify(run(99))).not.toEqual(JSON.stringify(run(100)));
  });

  it('routes cargo through real paired ports: northbound into the US for CBP, southbound into Mexico for ANAM', () => {
    const rng = createRng(5);
    for (let i = 0; i < 300; i++) {
      const us = generateCargoManifest(rng, 'US', options).value as any;
      expect(us.direction).toBe('NORTHBOUND');
      expect(us.portOfEntry.country).toBe('US');
      expect(us.portOfExit.country).toBe('MX');
      const mx = generateCargoManifest(rng, 'MX', options).value as any;
      expect(mx.direction).toBe('SOUTHBOUND');
      expect(mx.portOfEntry.country).toBe('MX');
    }
    const laredo = Array.from({ length: 200 }, () => generateCargoManifest(rng, 'US', options).value as any).find(
      (m) => m.portOfEntry.code === '2304',
    );
    expect(laredo?.portOfExit).toEqual({ code: '240', name: 'Nuevo Laredo', country: 'MX' });
  });

  it('puts risky HS codes only in the direction that makes them risky, and rarely', () => {
    const rng = createRng(11);
    const count = { firearmsSouth: 0, precursorsNorth: 0, wrongWay: 0 };
    const N = 3_000;
    for (let i = 0; i < N; i++) {
      for (const country of COUNTRIES) {
        const m = generateCargoManifest(rng, country, options).value as any;
        const codes: string[] = m.goods.map((g: any) => g.hsCode);
        const firearms = codes.some((c) => /^930[1-6]/.test(c));
        const precursors = codes.some((c) => /^29(33|39)/.test(c));
        if (firearms && m.direction === 'SOUTHBOUND') count.firearmsSouth++;
        if (precursors && m.direction === 'NORTHBOUND') count.precursorsNorth++;
        if ((firearms && m.direction === 'NORTHBOUND') || (precursors && m.direction === 'SOUTHBOUND'))
          count.wrongWay++;
      }
    }
    expect(count.wrongWay).toBe(0);
    for (const n of [count.firearmsSouth, count.precursorsNorth]) {
      expect(n).toBeGreaterThan(N * 0.01);
      expect(n).toBeLessThan(N * 0.04);
    }
  });

  it('gives a share of consignors memberships taken from the trusted-shipper registries', () => {
    const reference = defaultReferenceData();
    const rng = createRng(3);
    for (const country of COUNTRIES) {
      const known = new Set(reference[country].trustedShippers.map((s) => s.membershipId));
      let trusted = 0;
      for (let i = 0; i < 1_000; i++) {
        const m = generateCargoManifest(rng, country, options).value as any;
        const memberships = [m.consignor, m.consignee, m.carrier].flatMap((o: any) => o.trustedTraderMemberships);
        for (const membership of memberships) expect(known.has(membership.membershipId)).toBe(true);
        if (memberships.length > 0) trusted++;
      }
      expect(trusted).toBeGreaterThan(200);
      expect(trusted).toBeLessThan(800);
    }
  });

  it('makes plausible fake VINs with a valid check digit', () => {
    const rng = createRng(8);
    const values = (c: string) =>
      '0123456789'.includes(c)
        ? Number(c)
        : 'ABCDEFGH'.indexOf(c) + 1 || 'JKLMN_P_R'.indexOf(c) + 1 || 'STUVWXYZ'.indexOf(c) + 2;
    const weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    for (let i = 0; i < 200; i++) {
      const vin = fakeVin(rng, '3AK');
      expect(vin).toMatch(/^3AK[A-HJ-NPR-Z0-9]{14}$/);
      const sum = [...vin].reduce((acc, c, j) => acc + values(c) * weights[j]!, 0);
      expect(vin[8]).toBe(sum % 11 === 10 ? 'X' : String(sum % 11));
    }
  });

  it('writes Mexican persons with Spanish given names and two surnames, and never a well-known person', () => {
    const rng = createRng(21);
    const seen: string[] = [];
    let mexicanWithTwoSurnames = 0;
    let mexicans = 0;
    for (let i = 0; i < 1_500; i++) {
      for (const country of COUNTRIES) {
        for (const generate of Object.values(GENERATORS)) {
          for (const p of persons(generate(rng, country, { ...options, watchlistHitRate: 0 }))) {
            seen.push(fullName(p));
            if (p.nationalities[0] === 'MX') {
              mexicans++;
              if (p.secondSurname) mexicanWithTwoSurnames++;
            }
          }
        }
      }
    }
    expect(seen.length).toBeGreaterThan(10_000);
    expect(mexicanWithTwoSurnames / mexicans).toBeGreaterThan(0.95);
    expect(seen.filter(isWellKnownPerson)).toEqual([]);
    expect(WELL_KNOWN_PEOPLE.every((name) => isWellKnownPerson(name))).toBe(true);
  });

  describe('watchlist hits', () => {
    const reference = defaultReferenceData();
    const partyNames = (m: any) => ({
      consignor: m.consignor.name as string,
      consignee: m.consignee.name as string,
      carrier: m.carrier.name as string,
      driver: m.driver ? fullName(m.driver) : undefined,
    });

    it('names about 5 % of manifests as a variant of a watchlist entry that screening scores ≥ 0.85', () => {
      for (const country of COUNTRIES) {
        const entries = new Map<string, WatchlistEntry>(reference[country].watchlistEntries.map((e) => [e.entryId, e]));
        const rng = createRng(country === 'US' ? 17 : 18);
        const N = 4_000;
        let hits = 0;
        const variants = new Set<string>();
        const weak: string[] = [];
        for (let i = 0; i < N; i++) {
          const event = generateCargoManifest(rng, country, options);
          if (event.watchlistHits.length === 0) continue;
          hits++;
          for (const hit of event.watchlistHits) {
            variants.add(hit.variant);
            const entry = entries.get(hit.entryId)!;
            const name = (partyNames(event.value) as Record<string, string | undefined>)[hit.role];
            expect(name).toBe(hit.name);
            if (hit.role !== 'driver') expect(hit.name).not.toBe(entry.name);
            const { score } = matchName(hit.name, entry);
            if (score < 0.85) weak.push(`${hit.name} ~ ${entry.name} (${hit.variant}) ${score.toFixed(3)}`);
          }
        }
        expect(weak).toEqual([]);
        expect(hits / N).toBeGreaterThan(0.035);
        expect(hits / N).toBeLessThan(0.065);
        expect(variants.size).toBeGreaterThanOrEqual(4);
      }
    });

    it('names no other party closely enough to any watchlist entry to be a potential match', () => {
      for (const country of COUNTRIES) {
        const entries = reference[country].watchlistEntries;
        const rng = createRng(country === 'US' ? 27 : 28);
        const near: string[] = [];
        for (let i = 0; i < 800; i++) {
          const event = generateCargoManifest(rng, country, { ...options, watchlistHitRate: 0 });
          expect(event.watchlistHits).toEqual([]);
          const names = partyNames(event.value);
          for (const [role, name] of Object.entries(names)) {
            if (!name) continue;
            const type = role === 'driver' ? 'person' : 'organization';
            for (const entry of entries) {
              if (entry.type !== type) continue;
              const { score } = matchName(name, entry);
              if (score >= 0.85) near.push(`${name} ~ ${entry.name} ${score.toFixed(3)}`);
            }
          }
        }
        expect([...new Set(near)]).toEqual([]);
      }
    });

    it('can be switched off and turned up', () => {
      const rng = createRng(1);
      const all = Array.from({ length: 200 }, () =>
        generateCargoManifest(rng, 'MX', { ...options, watchlistHitRate: 1 }),
      );
      expect(all.filter((e) => e.watchlistHits.length > 0).length).toBeGreaterThan(150);
      expect(() => generateCargoManifest(rng, 'MX', { watchlistHitRate: 2 })).toThrow(/between 0 and 1/);
    });
  });
});
