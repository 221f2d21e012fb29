// The programme registries: deploy/trusted-travellers loads; bad input is refused with every
// problem named by file and path; each member becomes a valid TrustedTravellerStatus of its office.
import { createCodec } from '@puente/contracts';
import { matchName } from '@puente/screening';
import { describe, expect, it } from 'vitest';

import { SimulatorError } from '../errors.js';
import {
  createRng,
  defaultReferenceData,
  fullName,
  inGoodStanding,
  loadTrustedTravellerRegistry,
  parseTrustedTravellerRegistry,
  trustedTravellerFileOf,
  trustedTravellerStatusEvents,
} from './index.js';

const codec = createCodec();
const TODAY = '2026-11-27';

const GOOD = `version: 1
country: US
issuingAgency: CBP Trusted Traveler Programs
members:
  - programme: SENTRI
    membershipId: '981204577'
    status: ACTIVE
    validUntil: 2030-03-31
    holder:
      givenNames: María Fernanda
      surname: Villarreal
      secondSurname: Cantú
      dateOfBirth: 1986-07-14
      nationalities: [MX]
      documents:
        - { documentType: SENTRI_CARD, documentNumber: '981204577', issuingCountry: US }
`;

/** The message of what parsing `text` threw (fails the test when nothing was thrown). */
function refusal(text: string): string {
  try {
    parseTrustedTravellerRegistry(text, 'deploy/trusted-travellers/us.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(SimulatorError);
    expect((error as SimulatorError).code).toBe('INVALID_REGISTRY');
    return (error as Error).message;
  }
  throw new Error('the registry was accepted');
}

describe('trusted-traveller registries', () => {
  it('loads the repository files: SENTRI and Global Entry in the US, Viajero Confiable in MX, one expired and one suspended each', () => {
    for (const country of ['US', 'MX'] as const) {
      const registry = loadTrustedTravellerRegistry(trustedTravellerFileOf(country));
      expect(registry.country).toBe(country);
      const programmes = new Set(registry.members.map((m) => m.programme));
      expect([...programmes].sort()).toEqual(country === 'US' ? ['GLOBAL_ENTRY', 'SENTRI'] : ['VIAJERO_CONFIABLE']);
      expect(registry.members.filter((m) => m.status === 'EXPIRED')).toHaveLength(1);
      expect(registry.members.filter((m) => m.status === 'SUSPENDED')).toHaveLength(1);
      expect(registry.members.filter((m) => inGoodStanding(m, TODAY)).length).toBeGreaterThanOrEqual(4);
      // An expired membership is also past its date; the suspended one is not.
      const expired = registry.members.find((m) => m.status === 'EXPIRED')!;
      expect(expired.validUntil! < TODAY).toBe(true);
      expect(registry.members.find((m) => m.status === 'SUSPENDED')!.validUntil! > TODAY).toBe(true);
    }
  });

  it('holds no member whose name resembles anyone on either watchlist', () => {
    const reference = defaultReferenceData();
    const persons = [...reference.US.watchlistEntries, ...reference.MX.watchlistEntries].filter(
      (e) => e.type === 'person',
    );
    const near = (['US', 'MX'] as const).flatMap((c) =>
      reference[c].trustedTravellers.members.flatMap((m) =>
        persons
          .filter((e) => matchName(fullName(m.holder), e).score >= 0.85)
          .map((e) => `${fullName(m.holder)} ~ ${e.name}`),
      ),
    );
    expect(near).toEqual([]);
  });

  it('fills the issuing authority a document leaves out', () => {
    const registry = parseTrustedTravellerRegistry(GOOD, 'us.yaml');
    expect(registry.members[0]?.holder.documents[0]).toEqual({
      documentType: 'SENTRI_CARD',
      documentNumber: '981204577',
      issuingCountry: 'US',
      issuingAuthority: 'U.S. Customs and Border Protection',
      expiresOn: null,
    });
  });

  it.each([
    [
      'an unknown programme',
      GOOD.replace('programme: SENTRI', 'programme: SENTRY'),
      'members[0].programme: unknown programme "SENTRY"',
    ],
    [
      'a programme of the other country',
      GOOD.replace('programme: SENTRI', 'programme: VIAJERO_CONFIABLE'),
      'members[0].programme: VIAJERO_CONFIABLE is issued by MX, not US',
    ],
    ['a bad status', GOOD.replace('status: ACTIVE', 'status: LAPSED'), 'members[0].status: bad status "LAPSED"'],
    [
      'a date that does not exist',
      GOOD.replace('validUntil: 2030-03-31', 'validUntil: 2030-02-30'),
      'members[0].validUntil: must be a date YYYY-MM-DD, got "2030-02-30"',
    ],
    [
      'a date in another format',
      GOOD.replace('dateOfBirth: 1986-07-14', 'dateOfBirth: 14/07/1986'),
      'members[0].holder.dateOfBirth: must be a date YYYY-MM-DD',
    ],
    [
      'an unquoted PASSID',
      GOOD.replace("membershipId: '981204577'", 'membershipId: 981204577'),
      'members[0].membershipId: must be a string (quote numbers)',
    ],
    [
      'a PASSID of the wrong length',
      GOOD.replace("membershipId: '981204577'", "membershipId: '98120457'"),
      'members[0].membershipId: SENTRI numbers are a 9-digit PASSID',
    ],
    [
      'an unknown document type',
      GOOD.replace('documentType: SENTRI_CARD', 'documentType: GLOBAL_ENTRY_CARD'),
      'members[0].holder.documents[0].documentType: unknown document type "GLOBAL_ENTRY_CARD"',
    ],
    ['a misspelt key', GOOD.replace('validUntil:', 'validUntill:'), 'members[0].validUntill: unknown key'],
    ['no holder', GOOD.replace(/ {4}holder:[\s\S]*$/, ''), 'members[0].holder: is required'],
    ['an unknown country', GOOD.replace('country: US', 'country: CA'), 'country: must be US or MX, got "CA"'],
  ])('refuses %s, naming the file and the path', (_, text, expected) => {
    const message = refusal(text);
    expect(message).toContain('deploy/trusted-travellers/us.yaml');
    expect(message).toContain(expected);
  });

  it('lists every problem at once, including a duplicated membership', () => {
    const member = GOOD.slice(GOOD.indexOf('  - programme'));
    const message = refusal(`${GOOD}${member.replace('status: ACTIVE', 'status: GONE')}`);
    expect(message).toContain('members[1].membershipId: "981204577" is already members[0]');
    expect(message).toContain('members[1].status: bad status "GONE"');
  });

  it('refuses text that is not YAML and a file that cannot be read', () => {
    expect(refusal('members: [unclosed')).toMatch(/us\.yaml: not YAML/);
    expect(() => loadTrustedTravellerRegistry('/nonexistent/us.yaml')).toThrow(/\/nonexistent\/us\.yaml: cannot read/);
  });

  it('publishes each member as a valid TrustedTravellerStatus of its programme office', () => {
    const now = () => Date.parse('2026-11-27T15:00:00Z');
    for (const [country, office, agency] of [
      ['US', 'CBP Trusted Traveler Programs', 'CBP'],
      ['MX', 'INM Viajero Confiable', 'INM'],
    ] as const) {
      const registry = loadTrustedTravellerRegistry(trustedTravellerFileOf(country));
      const events = trustedTravellerStatusEvents(createRng(1), registry, { now });
      expect(events.map((e) => e.key)).toEqual(registry.members.map((m) => m.membershipId));
      for (const [i, event] of events.entries()) {
        const member = registry.members[i]!;
        expect(event.topic).toBe(`${country.toLowerCase()}.trusted-travellers.v1`);
        expect(event.publisher).toBe(`${country}/${agency}`);
        const decoded = codec.fromFriendlyJson(event.topic as 'us.trusted-travellers.v1', event.value);
        expect(decoded).toMatchObject({
          membershipId: member.membershipId,
          programme: member.programme,
          status: member.status,
          issuingAgency: office,
          holder: { givenNames: member.holder.givenNames, surname: member.holder.surname },
          meta: { originCountry: country, originAgency: agency, releasableTo: ['US', 'MX'] },
        });
        expect(decoded.holder.documents.map((d) => d.documentNumber)).toEqual(
          member.holder.documents.map((d) => d.documentNumber),
        );
      }
    }
  });
});
