// The traveller generator: valid crossings (Avro and travellerCrossingProblems) over many seeds,
// deterministic per seed, at the right ports with the right documents, a share of members taken
// from the registries (a few lapsed), and deliberate watchlist variants only when asked for.
import { matchName } from '@puente/screening';
import { createCodec, describeDomainProblems, travellerCrossingProblems } from '@puente/contracts';
import { COUNTRIES, type Country } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import {
  createRng,
  defaultReferenceData,
  fullName,
  generateTravellerCrossing,
  inGoodStanding,
  isWellKnownPerson,
  LAPSED_CLAIM_RATE,
  MEMBER_RATE,
  RFID_DOCUMENTS,
} from './index.js';

const codec = createCodec();
const NOW = Date.parse('2026-11-27T15:00:00.000Z');
const TODAY = '2026-11-27';
const options = { now: () => NOW };
const reference = defaultReferenceData();

const crossings = (seed: number, country: Country, n: number, extra: object = {}) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => generateTravellerCrossing(rng, country, { ...options, ...extra }));
};

describe('generateTravellerCrossing', () => {
  for (const country of COUNTRIES) {
    it(`${country}: the crossings of 1,000 seeds decode and break no domain rule`, () => {
      const problems: string[] = [];
      for (let seed = 1; seed <= 1_000; seed++) {
        for (const event of crossings(seed, country, 3)) {
          try {
            const decoded = codec.fromFriendlyJson(event.topic as 'us.traveller-crossings.v1', event.value);
            const found = travellerCrossingProblems(decoded);
            if (found.length > 0) problems.push(`seed ${seed} ${event.key}: ${describeDomainProblems(found)}`);
          } catch (error) {
            problems.push(`seed ${seed} ${event.key}: ${(error as Error).message}`);
          }
        }
      }
      expect(problems.slice(0, 5)).toEqual([]);
    });
  }

  it('is deterministic per seed and differs between seeds', () => {
    const run = (seed: number) => COUNTRIES.flatMap((c) => crossings(seed, c, 20).map((e) => e.value));
    expect(run(42)).toEqual(run(42));
    expect(JSON.stringify(run(42))).not.toEqual(JSON.stringify(run(43)));
  });

  it('puts northbound travellers at CBP ports and southbound ones at INM ports, all of them used', () => {
    const expected: Record<Country, { ports: string[]; direction: string; publisher: string; topic: string }> = {
      US: {
        ports: ['2304', '2402', '2504', '2506'],
        direction: 'NORTHBOUND',
        publisher: 'US/CBP',
        topic: 'us.traveller-crossings.v1',
      },
      MX: {
        ports: ['070', '240', '400'],
        direction: 'SOUTHBOUND',
        publisher: 'MX/INM',
        topic: 'mx.traveller-crossings.v1',
      },
    };
    for (const country of COUNTRIES) {
      const ports = new Set<string>();
      for (const event of crossings(5, country, 500)) {
        const v = event.value as any;
        ports.add(v.portOfEntry.code);
        expect(v.direction).toBe(expected[country].direction);
        expect(event.publisher).toBe(expected[country].publisher);
        expect(event.topic).toBe(expected[country].topic);
        expect(event.key).toBe(v.crossingId);
        expect(`${v.meta.originCountry}/${v.meta.originAgency}`).toBe(event.publisher);
      }
      expect([...ports].sort()).toEqual(expected[country].ports);
    }
  });

  it('gives each mode its vehicle and every mode a share', () => {
    const modes = new Map<string, number>();
    for (const event of [...crossings(6, 'US', 1_000), ...crossings(6, 'MX', 1_000)]) {
      const v = event.value as any;
      modes.set(v.mode, (modes.get(v.mode) ?? 0) + 1);
      const expected = {
        PEDESTRIAN: null,
        PASSENGER_VEHICLE: 'PRIVATE_VEHICLE',
        BUS: 'BUS',
        COMMERCIAL_DRIVER: 'TRUCK',
      }[v.mode as string];
      expect(v.conveyance?.conveyanceType ?? null).toBe(expected);
    }
    for (const mode of ['PEDESTRIAN', 'PASSENGER_VEHICLE', 'BUS', 'COMMERCIAL_DRIVER'])
      expect(modes.get(mode)).toBeGreaterThan(40);
  });

  it('shows documents of the right kinds and formats for the direction', () => {
    const FORMATS: Record<string, RegExp> = {
      'PASSPORT/MX': /^G\d{8}$/,
      'PASSPORT/US': /^(\d{9}|A\d{8})$/,
      'PASSPORT_CARD/US': /^C0\d{7}$/,
      'BORDER_CROSSING_CARD/US': /^[A-Z]{3}\d{9}$/,
      'SENTRI_CARD/US': /^\d{9}$/,
      'VOTER_ID/MX': /^\d{13}$/,
      'FAST_CARD/US': /^\d{8}$/,
      'COMMERCIAL_DRIVER_LICENSE/MX': /^[A-Z]{3}\d{7}$/,
      'COMMERCIAL_DRIVER_LICENSE/US': /^\d{8}$/,
    };
    const kinds: Record<Country, Set<string>> = { US: new Set(), MX: new Set() };
    for (const country of COUNTRIES) {
      for (const event of crossings(7, country, 1_500)) {
        for (const d of (event.value as any).travelDocuments) {
          const kind = `${d.documentType}/${d.issuingCountry}`;
          kinds[country].add(kind);
          expect(FORMATS[kind], `unexpected ${kind}`).toBeDefined();
          expect(d.documentNumber).toMatch(FORMATS[kind]!);
        }
      }
    }
    // Laser visas and SENTRI cards northbound; INE voter cards only for Mexicans going home.
    expect([...kinds.US]).toEqual(
      expect.arrayContaining(['BORDER_CROSSING_CARD/US', 'SENTRI_CARD/US', 'PASSPORT/MX', 'PASSPORT_CARD/US']),
    );
    expect(kinds.US.has('VOTER_ID/MX')).toBe(false);
    expect([...kinds.MX]).toEqual(expect.arrayContaining(['VOTER_ID/MX', 'PASSPORT/MX', 'PASSPORT/US']));
  });

  it('requests the trusted-traveller lane only with a membership, the ready lane only with an RFID card at a US port', () => {
    const lanes = new Map<string, number>();
    for (const country of COUNTRIES) {
      for (const event of crossings(8, country, 2_000)) {
        const v = event.value as any;
        lanes.set(`${country} ${v.laneRequested}`, (lanes.get(`${country} ${v.laneRequested}`) ?? 0) + 1);
        expect(v.laneRequested === 'TRUSTED_TRAVELLER').toBe(v.memberships.length > 0);
        if (v.laneRequested === 'READY_LANE') {
          expect(country).toBe('US');
          expect(v.travelDocuments.some((d: any) => RFID_DOCUMENTS.has(d.documentType))).toBe(true);
        }
      }
    }
    expect(lanes.get('US READY_LANE')).toBeGreaterThan(500);
    expect(lanes.get('US GENERAL')).toBeGreaterThan(300);
    expect(lanes.get('MX TRUSTED_TRAVELLER')).toBeGreaterThan(50);
  });

  it('sends registry members across at about the member rate, a few claiming a lapsed membership', () => {
    for (const country of COUNTRIES) {
      const registry = reference[country].trustedTravellers;
      const byId = new Map(registry.members.map((m) => [m.membershipId, m]));
      const N = 6_000;
      let members = 0;
      let lapsed = 0;
      for (const event of crossings(country === 'US' ? 9 : 10, country, N)) {
        const v = event.value as any;
        if (v.memberships.length === 0) continue;
        members++;
        const [claim] = v.memberships;
        const member = byId.get(claim.membershipId)!;
        expect(member, `${claim.membershipId} is not in the ${country} registry`).toBeDefined();
        expect(claim).toEqual({
          programme: member.programme,
          membershipId: member.membershipId,
          issuingCountry: country,
          validUntil: member.validUntil,
        });
        expect(country === 'US' ? ['SENTRI', 'GLOBAL_ENTRY'] : ['VIAJERO_CONFIABLE']).toContain(claim.programme);
        // The holder crosses, showing documents the registry enrolled.
        expect(fullName(v.traveller)).toBe(fullName(member.holder));
        expect(v.traveller.dateOfBirth).toBe(member.holder.dateOfBirth);
        const enrolled = new Set(member.holder.documents.map((d) => d.documentNumber));
        expect(v.travelDocuments.every((d: any) => enrolled.has(d.documentNumber))).toBe(true);
        if (!inGoodStanding(member, TODAY)) lapsed++;
      }
      expect(members / N).toBeGreaterThan(MEMBER_RATE[country] * 0.75);
      expect(members / N).toBeLessThan(MEMBER_RATE[country] * 1.25);
      expect(lapsed).toBeGreaterThan(0);
      expect(lapsed / members).toBeLessThan(LAPSED_CLAIM_RATE * 2);
    }
  });

  it('writes Mexican travellers with two surnames and accents, never a well-known person', () => {
    let mexicans = 0;
    let twoSurnames = 0;
    let accented = 0;
    for (const country of COUNTRIES) {
      for (const event of crossings(11, country, 2_000, { travellerHitRate: 0 })) {
        const t = (event.value as any).traveller;
        expect(isWellKnownPerson(fullName(t))).toBe(false);
        if (t.nationalities[0] !== 'MX') continue;
        mexicans++;
        if (t.secondSurname) twoSurnames++;
        if (/[áéíóúñÁÉÍÓÚÑ]/.test(fullName(t))) accented++;
      }
    }
    expect(twoSurnames / mexicans).toBeGreaterThan(0.95);
    expect(accented / mexicans).toBeGreaterThan(0.3);
  });

  it('names about 1 % of travellers as a variant of a person on the entered country’s watchlist, and nobody else', () => {
    for (const country of COUNTRIES) {
      const persons = reference[country].watchlistEntries.filter((e) => e.type === 'person');
      const entries = new Map(persons.map((e) => [e.entryId, e]));
      const N = 4_000;
      let hits = 0;
      const near: string[] = [];
      for (const event of crossings(country === 'US' ? 12 : 13, country, N)) {
        const name = fullName((event.value as any).traveller);
        const [hit] = event.watchlistHits;
        if (hit) {
          hits++;
          expect(hit.role).toBe('traveller');
          expect(hit.name).toBe(name);
          expect(matchName(name, entries.get(hit.entryId)!).score).toBeGreaterThanOrEqual(0.85);
          continue;
        }
        for (const entry of persons) if (matchName(name, entry).score >= 0.85) near.push(`${name} ~ ${entry.name}`);
      }
      expect([...new Set(near)]).toEqual([]);
      expect(hits / N).toBeGreaterThan(0.005);
      expect(hits / N).toBeLessThan(0.02);
    }
  });

  it('can switch watchlisted travellers off and turn them up', () => {
    expect(crossings(14, 'US', 300, { travellerHitRate: 0 }).filter((e) => e.watchlistHits.length > 0)).toEqual([]);
    expect(crossings(14, 'MX', 100, { travellerHitRate: 1 }).every((e) => e.watchlistHits.length === 1)).toBe(true);
    expect(() => crossings(14, 'MX', 1, { travellerHitRate: 1.5 })).toThrow(/travellerHitRate must be between 0 and 1/);
  });
});
