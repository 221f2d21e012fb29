import { join } from 'node:path';

import type { ScreeningOutcome, TravellerCrossing, TrustedTravellerStatus } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import { repoRoot } from './testing/fixtures.js';
import {
  crossing,
  crossingScreening,
  mexicanPassport,
  passportCard,
  registryStatus,
  sentri,
  traveller,
} from './testing/traveller-fixtures.js';
import { TrustedTravellerRegistry } from './trusted-traveller-registry.js';
import { assessCrossing, assessLateScreeningHit } from './traveller-lanes.js';
import { loadTravellerRules } from './traveller-rules.js';

const US = loadTravellerRules(join(repoRoot, 'deploy/risk/us-travellers.yaml'));
const MX = loadTravellerRules(join(repoRoot, 'deploy/risk/mx-travellers.yaml'));

function assessed(
  c: TravellerCrossing,
  options: { screening?: ScreeningOutcome | 'none'; statuses?: TrustedTravellerStatus[]; country?: 'US' | 'MX' } = {},
) {
  const country = options.country ?? 'US';
  const registry = new TrustedTravellerRegistry(country);
  for (const s of options.statuses ?? [registryStatus()]) registry.record(s);
  const screening = options.screening === 'none' ? undefined : crossingScreening(c, options.screening ?? 'CLEAR');
  return assessCrossing(c, screening, { rules: country === 'US' ? US : MX, registry });
}
const codes = (a: { factors: readonly { code: string }[] }) => a.factors.map((f) => f.code);
const trustedLane = (overrides: Partial<TravellerCrossing> = {}) =>
  crossing({ laneRequested: 'TRUSTED_TRAVELLER', memberships: [sentri()], ...overrides });

describe('assessCrossing', () => {
  it('gives a SENTRI member the registry confirms, screened CLEAR, the trusted-traveller lane', () => {
    const a = assessed(trustedLane());
    expect(a.portLane).toBe('TRUSTED_TRAVELLER');
    expect(a.lane).toBe('EXPEDITED');
    expect(a.action).toBe('RELEASE');
    expect(a.level).toBe('LOW');
    expect(codes(a)).toEqual(['TRUSTED_TRAVELLER_CONFIRMED']);
    expect(a.factors[0]?.description).toContain('SENTRI membership');
    // Shared as free text: the number itself never appears (agreements release it only hashed).
    for (const factor of a.factors) expect(factor.description).not.toContain('981234567');
  });

  it('confirms whichever lane a member queued in', () => {
    expect(assessed(trustedLane({ laneRequested: 'GENERAL' })).portLane).toBe('TRUSTED_TRAVELLER');
  });

  it.each([
    ['POTENTIAL_MATCH', 'WATCHLIST_POTENTIAL_MATCH', 'PHYSICAL_INSPECTION'],
    ['CONFIRMED_MATCH', 'WATCHLIST_CONFIRMED_MATCH', 'REFER_TO_INVESTIGATIONS'],
  ] as const)('sends the same member with a %s to secondary inspection', (outcome, code, action) => {
    const a = assessed(trustedLane(), { screening: outcome });
    expect(a.portLane).toBe('SECONDARY_INSPECTION');
    expect(a.lane).toBe('SECONDARY_INSPECTION');
    expect(a.action).toBe(action);
    expect(a.level).not.toBe('LOW');
    expect(codes(a)).toContain(code);
    // The list and the outcome only: the screening agreement withholds the entry id and (restricted lists) the score.
    const description = a.factors.find((f) => f.code === code)?.description;
    expect(description).toContain('list TSDB');
    expect(description).toContain(outcome);
    expect(description).not.toContain('TS-55021');
    expect(description).not.toMatch(/0\.(82|98)/);
  });

  it.each([
    ['expired by date', registryStatus('981234567', { validUntil: '2026-12-06' }), 'MEMBERSHIP_EXPIRED'],
    ['marked EXPIRED', registryStatus('981234567', { status: 'EXPIRED' }), 'MEMBERSHIP_EXPIRED'],
    ['suspended', registryStatus('981234567', { status: 'SUSPENDED' }), 'MEMBERSHIP_SUSPENDED'],
    ['revoked', registryStatus('981234567', { status: 'REVOKED' }), 'MEMBERSHIP_REVOKED'],
    ['of another programme', registryStatus('981234567', { programme: 'GLOBAL_ENTRY' }), 'MEMBERSHIP_NOT_FOUND'],
    [
      'held by someone else',
      registryStatus('981234567', {
        holder: traveller({ surname: 'Quintanilla', dateOfBirth: '1970-01-01', documents: [passportCard('C99')] }),
      }),
      'MEMBERSHIP_HOLDER_MISMATCH',
    ],
  ])(
    'refuses the trusted lane to a membership %s, and sends the trusted-lane queuer to secondary',
    (_, status, code) => {
      const a = assessed(trustedLane(), { statuses: [status] });
      expect(a.portLane).toBe('SECONDARY_INSPECTION');
      expect(a.action).toBe('DOCUMENT_REVIEW');
      expect(codes(a)).toEqual(expect.arrayContaining([code, 'TRUSTED_LANE_WITHOUT_CONFIRMED_MEMBERSHIP']));
      expect(codes(a)).not.toContain('TRUSTED_TRAVELLER_CONFIRMED');
    },
  );

  it('confirms the holder by surname and birth date when no document matches, accents aside', () => {
    const status = registryStatus('981234567', { holder: traveller({ surname: 'BERMUDEZ', documents: [] }) });
    expect(assessed(trustedLane(), { statuses: [status] }).portLane).toBe('TRUSTED_TRAVELLER');
  });

  it('confirms the holder by an enrolled document number written differently', () => {
    const status = registryStatus('981234567', {
      holder: traveller({ surname: 'Olvera', dateOfBirth: null, documents: [mexicanPassport('g12345678')] }),
    });
    expect(assessed(trustedLane(), { statuses: [status] }).portLane).toBe('TRUSTED_TRAVELLER');
  });

  it('does not honour an unknown (OTHER) programme', () => {
    const a = assessed(trustedLane({ memberships: [sentri('981234567', { programme: 'OTHER' })] }));
    expect(a.portLane).toBe('SECONDARY_INSPECTION');
    expect(codes(a)).toEqual(
      expect.arrayContaining(['PROGRAMME_NOT_HONOURED', 'TRUSTED_LANE_WITHOUT_CONFIRMED_MEMBERSHIP']),
    );
  });

  it("does not honour the other country's programme: a US SENTRI card at a Mexican port", () => {
    const mx = crossing({
      meta: { ...crossing().meta, originCountry: 'MX', originAgency: 'INM' },
      portOfEntry: { code: '400', name: 'Tijuana', country: 'MX' },
      direction: 'SOUTHBOUND',
      laneRequested: 'GENERAL',
      memberships: [sentri()],
    });
    const a = assessed(mx, { country: 'MX', statuses: [] });
    expect(a.portLane).toBe('GENERAL');
    expect(codes(a)).toContain('PROGRAMME_NOT_HONOURED');
    expect(a.factors.find((f) => f.code === 'PROGRAMME_NOT_HONOURED')?.description).toContain(
      'not a programme honoured at MX',
    );
  });

  it('leaves a membership issued by the other country unconfirmed, saying so', () => {
    const a = assessed(trustedLane({ memberships: [sentri('981234567', { issuingCountry: 'MX' })] }));
    expect(a.portLane).toBe('SECONDARY_INSPECTION');
    expect(a.factors.find((f) => f.code === 'PROGRAMME_NOT_HONOURED')?.description).toContain('cross-border');
  });

  it('sends a trusted-lane queuer without any membership to secondary', () => {
    const a = assessed(crossing({ laneRequested: 'TRUSTED_TRAVELLER' }), { statuses: [] });
    expect(a.portLane).toBe('SECONDARY_INSPECTION');
    expect(codes(a)).toEqual(['TRUSTED_LANE_WITHOUT_CONFIRMED_MEMBERSHIP']);
  });

  it('gives the Ready Lane to an RFID document, the general lane without one', () => {
    const rfid = assessed(
      crossing({ laneRequested: 'READY_LANE', travelDocuments: [mexicanPassport(), passportCard()] }),
    );
    expect(rfid.portLane).toBe('READY_LANE');
    expect(rfid.lane).toBe('STANDARD');
    expect(rfid.action).toBe('RELEASE');
    expect(codes(rfid)).toEqual(['READY_LANE_RFID_DOCUMENT']);
    const plain = assessed(crossing({ laneRequested: 'READY_LANE' }));
    expect(plain.portLane).toBe('GENERAL');
    expect(codes(plain)).toEqual(['READY_LANE_WITHOUT_RFID_DOCUMENT']);
  });

  it('never gives the trusted lane without a screening result in time', () => {
    const member = assessed(trustedLane(), { screening: 'none' });
    expect(member.portLane).toBe('SECONDARY_INSPECTION');
    expect(codes(member)).toContain('SCREENING_INCOMPLETE');
    const general = assessed(crossing(), { screening: 'none' });
    expect(general.portLane).toBe('GENERAL');
    expect(general.level).toBe('MEDIUM');
    expect(general.action).toBe('DOCUMENT_REVIEW');
  });

  it('maps the score to its level and orders factors by weight', () => {
    const a = assessed(crossing({ laneRequested: 'READY_LANE' }), { screening: 'CONFIRMED_MATCH' });
    expect(a.level).toBe('CRITICAL');
    expect(codes(a)).toEqual(['WATCHLIST_CONFIRMED_MATCH']);
    expect(a.score).toBeGreaterThanOrEqual(US.thresholds.CRITICAL);
    const weights = a.factors.map((f) => f.weight);
    expect(weights).toEqual([...weights].sort((x, y) => y - x));
  });

  it('names the membership confirmed without its expiry date (SENTRI expires on the birthday)', () => {
    const a = assessed(trustedLane(), { statuses: [registryStatus('981234567', { validUntil: '2029-03-14' })] });
    expect(codes(a)).toEqual(['TRUSTED_TRAVELLER_CONFIRMED']);
    expect(a.factors[0]?.description).not.toContain('2029');
    expect(a.factors[0]?.description).not.toContain('03-14');
  });
});

describe('factor descriptions over the whole lanes table', () => {
  // Every case that yields a factor, each factor code at least once. Descriptions are free text the
  // agreements share as they are, so none may carry a membership or document number, a date, a
  // watchlist entry id or a score.
  const status = (overrides: Partial<TrustedTravellerStatus>) => [registryStatus('981234567', overrides)];
  const mismatch = status({
    holder: traveller({ surname: 'Quintanilla', dateOfBirth: '1970-01-01', documents: [passportCard('C99')] }),
  });
  const unscreened = assessed(trustedLane(), { screening: 'none' });
  const cases = [
    assessed(trustedLane()),
    assessed(trustedLane(), { screening: 'POTENTIAL_MATCH' }),
    assessed(trustedLane(), { screening: 'CONFIRMED_MATCH' }),
    unscreened,
    assessed(crossing(), { screening: 'none' }),
    assessed(trustedLane(), { statuses: status({ validUntil: '2026-12-06' }) }),
    assessed(trustedLane(), { statuses: status({ status: 'SUSPENDED' }) }),
    assessed(trustedLane(), { statuses: status({ status: 'REVOKED' }) }),
    assessed(trustedLane(), { statuses: status({ status: 'OTHER' }) }),
    assessed(trustedLane(), { statuses: mismatch }),
    assessed(trustedLane(), { statuses: [] }),
    assessed(trustedLane({ memberships: [sentri('981234567', { programme: 'OTHER' })] })),
    assessed(trustedLane({ memberships: [sentri('981234567', { issuingCountry: 'MX' })] })),
    assessed(crossing({ laneRequested: 'READY_LANE', travelDocuments: [mexicanPassport(), passportCard()] })),
    assessed(crossing({ laneRequested: 'READY_LANE' })),
    assessLateScreeningHit(unscreened, crossingScreening(trustedLane(), 'CONFIRMED_MATCH'), US),
  ];
  const factors = cases.flatMap((a) => a.factors);
  const secrets = [
    '981234567', // membership
    'G 1234-5678',
    'G12345678',
    '12345678',
    'C03005988',
    'C99', // documents
    'TS-55021', // watchlist entry
    '2026-12-06',
    '2029-06-30',
    '1988-03-14',
    '2031-04-30',
    '2030-01-15', // dates
    '0.82',
    '0.98',
    '0.1', // scores
  ];

  it('covers every factor code', () => {
    expect(new Set(factors.map((f) => f.code))).toEqual(
      new Set([
        'TRUSTED_TRAVELLER_CONFIRMED',
        'WATCHLIST_POTENTIAL_MATCH',
        'WATCHLIST_CONFIRMED_MATCH',
        'SCREENING_INCOMPLETE',
        'MEMBERSHIP_EXPIRED',
        'MEMBERSHIP_SUSPENDED',
        'MEMBERSHIP_REVOKED',
        'MEMBERSHIP_STATUS_UNKNOWN',
        'MEMBERSHIP_HOLDER_MISMATCH',
        'MEMBERSHIP_NOT_FOUND',
        'PROGRAMME_NOT_HONOURED',
        'TRUSTED_LANE_WITHOUT_CONFIRMED_MEMBERSHIP',
        'READY_LANE_RFID_DOCUMENT',
        'READY_LANE_WITHOUT_RFID_DOCUMENT',
      ]),
    );
  });

  it.each(factors.map((f) => [f.code, f.description] as const))('%s: %s', (_, description) => {
    for (const secret of secrets) expect(description).not.toContain(secret);
    // No number of any kind: numbers, dates, entry ids and scores all have digits (no fixture id or name here has one).
    expect(description).not.toMatch(/[0-9]/);
  });
});

describe('assessLateScreeningHit', () => {
  it.each([
    ['a member queued in the trusted lane', () => trustedLane()],
    ['a member in the general lane', () => trustedLane({ laneRequested: 'GENERAL' })],
    ['a Ready Lane traveller', () => crossing({ laneRequested: 'READY_LANE', travelDocuments: [passportCard()] })],
    ['a suspended member', () => trustedLane()],
  ] as const)('gives %s what a hit in time would have: secondary inspection with the same factors', (name, make) => {
    const c = make();
    const statuses = name === 'a suspended member' ? [registryStatus('981234567', { status: 'SUSPENDED' })] : undefined;
    const earlier = assessed(c, { screening: 'none', ...(statuses ? { statuses } : {}) });
    expect(codes(earlier)).toContain('SCREENING_INCOMPLETE');
    for (const outcome of ['POTENTIAL_MATCH', 'CONFIRMED_MATCH'] as const) {
      const late = assessLateScreeningHit(earlier, crossingScreening(c, outcome), US);
      const inTime = assessed(c, { screening: outcome, ...(statuses ? { statuses } : {}) });
      expect(late.portLane).toBe('SECONDARY_INSPECTION');
      expect(late.lane).toBe('SECONDARY_INSPECTION');
      expect(late).toEqual(inTime);
    }
  });
});
