import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { RiskError } from './errors.js';
import { assess, loadRiskRules, parseRiskRules } from './risk-rules.js';
import type { AssessContext } from './risk-rules.js';
import { exampleManifest, repoRoot, screeningResultsFor } from './testing/fixtures.js';
import { loadTrustedShippers, parseTrustedShippers } from './trusted-shippers.js';

const us: AssessContext = {
  rules: loadRiskRules(join(repoRoot, 'deploy/risk/us.yaml')),
  trustedShippers: loadTrustedShippers(join(repoRoot, 'deploy/trusted-shippers/us.yaml')),
};
const mx: AssessContext = {
  rules: loadRiskRules(join(repoRoot, 'deploy/risk/mx.yaml')),
  trustedShippers: loadTrustedShippers(join(repoRoot, 'deploy/trusted-shippers/mx.yaml')),
};
const codes = (factors: readonly { code: string }[]) => factors.map((f) => f.code);

describe('assess (US rules)', () => {
  it('gives a verified trusted shipper with clean screening and ordinary goods LOW / EXPEDITED', () => {
    const manifest = exampleManifest('us-northbound-laredo');
    const result = assess(manifest, screeningResultsFor(manifest), us);
    expect(result).toMatchObject({ level: 'LOW', lane: 'EXPEDITED', action: 'RELEASE', score: 0, portLane: 'FAST' });
    // The example is pre-cleared: the port-lane factor (weight 0) says why it goes FAST.
    expect(codes(result.factors)).toEqual(['PRE_CLEARED_TRUSTED_SHIPPER', 'TRUSTED_SHIPPER']);
    expect(result.factors.find((f) => f.code === 'TRUSTED_SHIPPER')?.description).toContain('OEA-I-2018-1142');
  });

  it('sends a confirmed watchlist match to secondary inspection at least HIGH, even for a trusted shipper', () => {
    const manifest = exampleManifest('us-northbound-laredo');
    const result = assess(manifest, screeningResultsFor(manifest, { consignee: 'CONFIRMED_MATCH' }), us);
    expect(result.level).toBe('HIGH');
    expect(result.lane).toBe('SECONDARY_INSPECTION');
    expect(result.score).toBeGreaterThanOrEqual(us.rules.thresholds.HIGH);
    expect(result.factors[0]?.code).toBe('PARTY_WATCHLIST_CONFIRMED_MATCH');
    expect(result.factors[0]?.description).toContain('consignee');
  });

  it('names the list and the outcome of a hit, never the entry id nor the score the agreements withhold', () => {
    const manifest = exampleManifest('us-northbound-laredo');
    const results = screeningResultsFor(manifest, { consignee: 'POTENTIAL_MATCH', carrier: 'CONFIRMED_MATCH' });
    const restricted = results.map((r) =>
      r.partyRole === 'CARRIER' ? { ...r, meta: { ...r.meta, classification: 'RESTRICTED' as const } } : r,
    );
    const result = assess(manifest, restricted, us);
    const described = (code: string) => result.factors.find((f) => f.code === code)?.description;
    expect(described('PARTY_WATCHLIST_POTENTIAL_MATCH')).toBe('consignee potential watchlist match on OFAC-SDN');
    // RESTRICTED: the agreement withholds the whole matched entry, so only the lists screened.
    expect(described('PARTY_WATCHLIST_CONFIRMED_MATCH')).toBe(
      'carrier confirmed watchlist match on OFAC Specially Designated Nationals',
    );
    expect(described('PRE_CLEARED_SCREENING_HIT')).toMatch(/^pre-cleared, not FAST: /);
    for (const factor of result.factors) {
      expect(factor.description).not.toContain('SDN-48213');
      expect(factor.description).not.toMatch(/0\.86|0\.97|score/);
    }
  });

  it('floors a potential match at HIGH', () => {
    const manifest = exampleManifest('us-northbound-otay-mesa-produce');
    const result = assess(manifest, screeningResultsFor(manifest, { driver: 'POTENTIAL_MATCH' }), us);
    expect(result.level).toBe('HIGH');
    expect(result.lane).toBe('SECONDARY_INSPECTION');
  });

  it('puts an untrusted shipper with clean screening in the standard lane', () => {
    const manifest = exampleManifest('us-northbound-otay-mesa-produce');
    const result = assess(manifest, screeningResultsFor(manifest), us);
    expect(result).toMatchObject({ level: 'MEDIUM', lane: 'STANDARD', action: 'DOCUMENT_REVIEW' });
    expect(codes(result.factors)).toContain('NOT_TRUSTED_SHIPPER');
  });

  it('raises the score for precursor chemicals northbound, not for the same goods southbound', () => {
    const base = exampleManifest('us-northbound-otay-mesa-produce');
    const goods = [{ ...base.goods[0]!, hsCode: '293399', description: 'Heterocyclic compounds' }];
    const north = assess({ ...base, goods }, screeningResultsFor(base), us);
    const plain = assess(base, screeningResultsFor(base), us);
    const south = assess({ ...base, goods, direction: 'SOUTHBOUND' }, screeningResultsFor(base), us);
    expect(north.score).toBeGreaterThan(plain.score);
    expect(north.level).toBe('HIGH');
    expect(codes(north.factors)).toContain('HS_FENTANYL_PRECURSORS');
    expect(south.score).toBe(plain.score);
  });

  it('turns a confirmed match on a precursor shipment from an untrusted shipper into CRITICAL / HOLD', () => {
    const base = exampleManifest('us-northbound-otay-mesa-produce');
    const goods = [{ ...base.goods[0]!, hsCode: '293930' }];
    const result = assess({ ...base, goods }, screeningResultsFor(base, { consignor: 'CONFIRMED_MATCH' }), us);
    expect(result).toMatchObject({ level: 'CRITICAL', lane: 'HOLD', action: 'REFER_TO_INVESTIGATIONS', score: 1 });
  });

  it('flags missing and duplicate seals', () => {
    const base = exampleManifest('us-northbound-laredo');
    const missing = assess({ ...base, seals: [] }, screeningResultsFor(base), us);
    expect(codes(missing.factors)).toContain('SEAL_MISSING');
    const seal = base.seals[0]!;
    const duplicate = assess({ ...base, seals: [seal, { ...seal }] }, screeningResultsFor(base), us);
    expect(codes(duplicate.factors)).toContain('SEAL_DUPLICATE');
  });

  it('counts a shipper history of high-risk assessments, capped', () => {
    const manifest = exampleManifest('us-northbound-otay-mesa-produce');
    const once = assess(manifest, screeningResultsFor(manifest), { ...us, shipperHistory: 1 });
    const many = assess(manifest, screeningResultsFor(manifest), { ...us, shipperHistory: 10 });
    const factor = (a: typeof once) => a.factors.find((f) => f.code === 'SHIPPER_RECENT_HIGH_RISK');
    expect(factor(once)?.weight).toBe(0.1);
    expect(factor(many)?.weight).toBe(us.rules.history.maxWeight);
    expect(many.level).toBe('HIGH');
  });

  it('does not trust a membership the registry does not confirm, and names it', () => {
    const base = exampleManifest('us-northbound-laredo');
    const consignor = {
      ...base.consignor,
      identifiers: [],
      trustedTraderMemberships: [
        { programme: 'CTPAT' as const, membershipId: '99999999', tier: null, validUntil: null },
      ],
    };
    const result = assess({ ...base, consignor }, screeningResultsFor(base), us);
    expect(codes(result.factors)).toEqual(expect.arrayContaining(['NOT_TRUSTED_SHIPPER', 'TRUSTED_STATUS_UNVERIFIED']));
    expect(result.lane).toBe('STANDARD');
  });

  it('treats a suspended registry entry as not trusted', () => {
    const registry = parseTrustedShippers(`
country: US
members:
  - name: Componentes Automotrices Anáhuac
    programme: OEA
    membershipId: OEA-I-2018-1142
    status: SUSPENDED
`);
    const manifest = exampleManifest('us-northbound-laredo');
    const result = assess(manifest, screeningResultsFor(manifest), { ...us, trustedShippers: registry });
    expect(codes(result.factors)).toContain('TRUSTED_STATUS_SUSPENDED');
    expect(result.level).not.toBe('LOW');
  });

  it('assesses a manifest with missing screening results at least MEDIUM', () => {
    const manifest = exampleManifest('us-northbound-laredo');
    const result = assess(manifest, screeningResultsFor(manifest).slice(0, 2), us);
    expect(result.level).toBe('MEDIUM');
    const incomplete = result.factors.find((f) => f.code === 'SCREENING_INCOMPLETE');
    expect(incomplete?.description).toContain('carrier, driver');
  });

  it('lists factors largest weight first and keeps the score in [0, 1]', () => {
    const base = exampleManifest('us-northbound-otay-mesa-produce');
    const goods = [{ ...base.goods[0]!, hsCode: '293399' }];
    const result = assess(
      { ...base, goods, seals: [] },
      screeningResultsFor(base, { consignor: 'CONFIRMED_MATCH', consignee: 'CONFIRMED_MATCH' }),
      us,
    );
    const weights = result.factors.map((f) => f.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
    expect(result.score).toBe(1);
  });
});

describe('assess (MX rules)', () => {
  it('gives the southbound example, with a registry-verified consignee, LOW / EXPEDITED', () => {
    const manifest = exampleManifest('mx-southbound-ciudad-juarez');
    const result = assess(manifest, screeningResultsFor(manifest), mx);
    expect(result).toMatchObject({ level: 'LOW', lane: 'EXPEDITED' });
  });

  it('raises firearms and ammunition southbound to secondary inspection, even for a trusted importer', () => {
    const base = exampleManifest('mx-southbound-ciudad-juarez');
    const goods = [{ ...base.goods[0]!, hsCode: '930630', description: 'Cartridges' }];
    const plain = assess(base, screeningResultsFor(base), mx);
    const armed = assess({ ...base, goods }, screeningResultsFor(base), mx);
    expect(armed.score).toBeGreaterThan(plain.score);
    expect(codes(armed.factors)).toContain('HS_AMMUNITION_AND_PARTS');
    const untrusted = { ...base.consignee, identifiers: [], trustedTraderMemberships: [] };
    const noTrust = assess(
      { ...base, goods, consignee: untrusted, consignor: untrusted },
      screeningResultsFor(base),
      mx,
    );
    expect(noTrust).toMatchObject({ level: 'HIGH', lane: 'SECONDARY_INSPECTION', action: 'PHYSICAL_INSPECTION' });
  });

  it('weighs firearms southbound more than the US does: the rules are complementary', () => {
    const base = exampleManifest('mx-southbound-ciudad-juarez');
    const goods = [{ ...base.goods[0]!, hsCode: '930200' }];
    const weightIn = (context: AssessContext) =>
      assess({ ...base, goods }, screeningResultsFor(base), context).factors.find((f) => f.code.includes('FIREARMS'))
        ?.weight ?? 0;
    expect(weightIn(mx)).toBeGreaterThan(weightIn(us));
  });
});

describe('port lane: the cargo FAST lane (US rules)', () => {
  const laredo = exampleManifest('us-northbound-laredo');
  const untrusted = { ...laredo.consignor, identifiers: [], trustedTraderMemberships: [] };
  const precursors = [
    { ...laredo.goods[0]!, lineNumber: 1, hsCode: '293399' },
    { ...laredo.goods[0]!, lineNumber: 2, hsCode: '291431' },
  ];
  const onlyCtpat: AssessContext = { ...us, rules: { ...us.rules, fastLane: { programmes: ['CTPAT'] } } };
  const cases: {
    name: string;
    manifest: typeof laredo;
    outcomes?: Parameters<typeof screeningResultsFor>[1];
    drop?: string;
    context?: AssessContext;
    portLane: string;
    factor: string | undefined;
  }[] = [
    {
      name: 'CLEARED, verified OEA, clear, LOW',
      manifest: laredo,
      portLane: 'FAST',
      factor: 'PRE_CLEARED_TRUSTED_SHIPPER',
    },
    {
      name: 'CLEARED with a potential match of the consignee',
      manifest: laredo,
      outcomes: { consignee: 'POTENTIAL_MATCH' },
      portLane: 'SECONDARY_INSPECTION',
      factor: 'PRE_CLEARED_SCREENING_HIT',
    },
    {
      name: 'CLEARED without a verified membership',
      manifest: { ...laredo, consignor: untrusted },
      portLane: 'GENERAL',
      factor: 'PRE_CLEARED_NOT_TRUSTED',
    },
    {
      name: 'CLEARED, verified in a programme the rules do not make FAST-eligible',
      manifest: laredo,
      context: onlyCtpat,
      portLane: 'GENERAL',
      factor: 'PRE_CLEARED_NOT_TRUSTED',
    },
    {
      name: 'CLEARED with the carrier not screened',
      manifest: laredo,
      drop: 'carrier',
      portLane: 'GENERAL',
      factor: 'PRE_CLEARED_SCREENING_INCOMPLETE',
    },
    {
      name: 'CLEARED, trusted and clear, but MEDIUM (precursor chemicals)',
      manifest: { ...laredo, goods: precursors },
      portLane: 'GENERAL',
      factor: 'PRE_CLEARED_RISK_LEVEL',
    },
    {
      name: 'not pre-cleared (PENDING), trusted, clear, LOW',
      manifest: { ...laredo, preClearanceStatus: 'PENDING' },
      portLane: 'GENERAL',
      factor: undefined,
    },
    {
      name: 'not pre-cleared, confirmed match',
      manifest: { ...laredo, preClearanceStatus: 'PENDING' },
      outcomes: { consignor: 'CONFIRMED_MATCH' },
      portLane: 'SECONDARY_INSPECTION',
      factor: undefined,
    },
  ];

  it.each(cases)('$name → $portLane ($factor)', ({ manifest, outcomes, drop, context, portLane, factor }) => {
    const results = screeningResultsFor(manifest, outcomes).filter((r) => !drop || !r.screeningId.endsWith(`/${drop}`));
    const result = assess(manifest, results, context ?? us);
    expect(result.portLane).toBe(portLane);
    const laneFactors = codes(result.factors).filter((c) => c.startsWith('PRE_CLEARED_'));
    expect(laneFactors).toEqual(factor ? [factor] : []);
    expect(result.fastMembership !== undefined).toBe(portLane === 'FAST');
    if (portLane === 'FAST')
      expect(result.fastMembership).toMatchObject({ programme: 'OEA', membershipId: 'OEA-I-2018-1142' });
  });

  it('names the programme a pre-cleared shipment holds when it is not FAST-eligible', () => {
    const result = assess(laredo, screeningResultsFor(laredo), onlyCtpat);
    const factor = result.factors.find((f) => f.code === 'PRE_CLEARED_NOT_TRUSTED');
    expect(factor?.description).toContain('C-TPAT');
    expect(factor?.description).toContain('consignor OEA');
  });

  it('gives the MX consignee with a verified OEA the FAST lane southbound when pre-cleared', () => {
    const juarez = exampleManifest('mx-southbound-ciudad-juarez');
    const pending = assess(juarez, screeningResultsFor(juarez), mx);
    const cleared = assess({ ...juarez, preClearanceStatus: 'CLEARED' }, screeningResultsFor(juarez), mx);
    expect(pending.portLane).not.toBe('FAST');
    expect(cleared.portLane).toBe(pending.level === 'LOW' ? 'FAST' : 'GENERAL');
  });
});

describe('rules and registry files', () => {
  const usText = readFileSync(join(repoRoot, 'deploy/risk/us.yaml'), 'utf8');

  it('requires the fastLane settings, naming the path', () => {
    const without = usText.replace(/^fastLane:\n {2}programmes: .*\n/m, '');
    expect(without).not.toContain('fastLane');
    expect(() => parseRiskRules(without, 'us.yaml')).toThrow(/us\.yaml[\s\S]*fastLane/);
  });

  it('rejects a FAST programme the trusted-shipper settings never verify, naming its index', () => {
    const neec = usText.replace(/programmes: \[CTPAT, OEA\]/, 'programmes: [CTPAT, NEEC]');
    expect(() => parseRiskRules(neec, 'us.yaml')).toThrow(
      /fastLane\.programmes\.1: NEEC is not among trustedShipper\.programmes/,
    );
    const unknown = usText.replace(/programmes: \[CTPAT, OEA\]/, 'programmes: [CTPAT, SENTRI]');
    expect(() => parseRiskRules(unknown, 'us.yaml')).toThrow(/fastLane\.programmes\.1/);
  });

  it('rejects rules with every problem named', () => {
    expect(() =>
      parseRiskRules('country: US\nthresholds: { MEDIUM: 0.9, HIGH: 0.5, CRITICAL: 0.8 }\n', 'bad.yaml'),
    ).toThrow(RiskError);
    try {
      parseRiskRules('country: CA\n', 'bad.yaml');
    } catch (error) {
      expect((error as RiskError).code).toBe('INVALID_RULES');
      expect((error as RiskError).message).toMatch(/bad\.yaml[\s\S]*country[\s\S]*agency/);
    }
  });

  it('rejects a registry entry without a programme', () => {
    expect(() => parseTrustedShippers('country: MX\nmembers:\n  - name: X\n    membershipId: "1"\n')).toThrow(
      /members\.0\.programme/,
    );
  });
});
