import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { IdentityDocument, TrustedTravellerProgramme, TrustedTravellerStatus } from '@puente/contracts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { repoRoot } from './testing/fixtures.js';
import {
  crossing,
  mexicanPassport,
  passportCard,
  registryStatus,
  sentri,
  traveller,
} from './testing/traveller-fixtures.js';
import { TrustedTravellerRegistry } from './trusted-traveller-registry.js';

interface RegistryFile {
  readonly issuingAgency: string;
  readonly members: readonly {
    readonly programme: TrustedTravellerProgramme;
    readonly membershipId: string;
    readonly status: TrustedTravellerStatus['status'];
    readonly validUntil?: string;
    readonly holder: {
      readonly givenNames: string;
      readonly surname: string;
      readonly dateOfBirth?: string;
      readonly documents: readonly Omit<IdentityDocument, 'issuingAuthority' | 'expiresOn'>[];
    };
  }[];
}

/** The CBP registry the simulators publish (deploy/trusted-travellers/us.yaml), as statuses. */
function deployRegistry(): TrustedTravellerStatus[] {
  // YAML dates as strings: the file's dates are plain YYYY-MM-DD.
  const file = parse(readFileSync(join(repoRoot, 'deploy/trusted-travellers/us.yaml'), 'utf8'), {
    schema: 'core',
  }) as RegistryFile;
  return file.members.map((m) =>
    registryStatus(m.membershipId, {
      programme: m.programme,
      status: m.status,
      validUntil: m.validUntil ?? null,
      issuingAgency: file.issuingAgency,
      holder: traveller({
        givenNames: m.holder.givenNames,
        surname: m.holder.surname,
        secondSurname: null,
        dateOfBirth: m.holder.dateOfBirth ?? null,
        documents: m.holder.documents.map((d) => ({ ...d, issuingAuthority: null, expiresOn: null })),
      }),
    }),
  );
}

const ON = '2026-12-07';

describe('TrustedTravellerRegistry', () => {
  it('keeps the latest status per membership: ACTIVE, then SUSPENDED, then ACTIVE again', () => {
    const registry = new TrustedTravellerRegistry('US');
    const at = crossing({ memberships: [sentri()] });
    expect(registry.confirm(sentri(), at, ON).kind).toBe('not-found');
    registry.record(registryStatus());
    expect(registry.confirm(sentri(), at, ON).kind).toBe('confirmed');
    registry.record(registryStatus('981234567', { status: 'SUSPENDED' }));
    expect(registry.confirm(sentri(), at, ON).kind).toBe('suspended');
    expect(registry.size).toBe(1);
    registry.record(registryStatus(' 981234567 ', { status: 'ACTIVE' }));
    expect(registry.confirm(sentri(), at, ON).kind).toBe('confirmed');
    expect(registry.size).toBe(1);
  });

  it('judges expiry by the registry date, not the card', () => {
    const registry = new TrustedTravellerRegistry('US');
    registry.record(registryStatus('981234567', { validUntil: ON }));
    const at = crossing();
    expect(registry.confirm(sentri('981234567', { validUntil: '2035-01-01' }), at, ON).kind).toBe('confirmed');
    expect(registry.confirm(sentri(), at, '2026-12-08').kind).toBe('expired');
  });

  it('cannot confirm a membership issued by the other country, nor a status it does not know', () => {
    const registry = new TrustedTravellerRegistry('US');
    registry.record(registryStatus('981234567', { status: 'OTHER' }));
    expect(registry.confirm(sentri('981234567', { issuingCountry: 'MX' }), crossing(), ON).kind).toBe(
      'not-issued-here',
    );
    expect(registry.confirm(sentri(), crossing(), ON).kind).toBe('unknown-status');
  });

  it('does not take two blank document numbers for a match', () => {
    const registry = new TrustedTravellerRegistry('US');
    registry.record(
      registryStatus('981234567', {
        holder: {
          ...registryStatus().holder,
          surname: 'Otro',
          documents: [{ ...registryStatus().holder.documents[0]!, documentNumber: ' ' }],
        },
      }),
    );
    const at = crossing({ travelDocuments: [{ ...crossing().travelDocuments[0]!, documentNumber: '-' }] });
    expect(registry.confirm(sentri(), at, ON).kind).toBe('holder-mismatch');
  });

  it('forgets a membership the registry deleted, and finds it under any spelling of its number', () => {
    const registry = new TrustedTravellerRegistry('US');
    registry.record(registryStatus('98-123 4567'));
    expect(registry.statusOf('981234567')?.status).toBe('ACTIVE');
    expect(registry.confirm(sentri('981 234 567'), crossing(), ON).kind).toBe('confirmed');
    registry.forget('981-234-567');
    expect(registry.size).toBe(0);
    expect(registry.confirm(sentri(), crossing(), ON).kind).toBe('not-found');
  });
});

describe('holder check against the deploy registry (us.yaml)', () => {
  const registry = new TrustedTravellerRegistry('US');
  for (const status of deployRegistry()) registry.record(status);
  const stranger = traveller({
    givenNames: 'Ramiro',
    surname: 'Espinoza',
    secondSurname: 'Treviño',
    dateOfBirth: '1991-02-08',
  });
  const members = deployRegistry().filter((s) => s.status === 'ACTIVE');
  const withCard = members.filter((s) => s.holder.documents.some((d) => d.documentType === 'SENTRI_CARD'));

  it('has SENTRI members whose enrolled card carries the PASSID', () => {
    expect(withCard.length).toBeGreaterThan(0);
    for (const s of withCard) {
      expect(s.holder.documents.find((d) => d.documentType === 'SENTRI_CARD')?.documentNumber).toBe(s.membershipId);
    }
  });

  it('does not take the SENTRI card alone, presented by a stranger, for its holder', () => {
    for (const s of withCard) {
      const card = s.holder.documents.find((d) => d.documentType === 'SENTRI_CARD')!;
      const at = crossing({ traveller: stranger, travelDocuments: [card, mexicanPassport('G99999999')] });
      const claim = sentri(s.membershipId);
      expect(registry.confirm(claim, at, ON), s.membershipId).toMatchObject({ kind: 'holder-mismatch' });
    }
  });

  it('does not take any document numbered as the membership (a card typed otherwise) for its holder', () => {
    for (const s of withCard) {
      const typedAsPassport = { ...passportCard(s.membershipId), documentType: 'OTHER' as const };
      const at = crossing({ traveller: stranger, travelDocuments: [typedAsPassport] });
      expect(registry.confirm(sentri(s.membershipId), at, ON).kind, s.membershipId).toBe('holder-mismatch');
    }
  });

  it('confirms each active member presenting an enrolled identity document, whoever the booth took them for', () => {
    for (const s of members) {
      const identity = s.holder.documents.find((d) => d.documentType !== 'SENTRI_CARD')!;
      // A name typed differently at the booth: the document decides.
      const at = crossing({ traveller: { ...stranger, givenNames: s.holder.givenNames }, travelDocuments: [identity] });
      const claim = sentri(s.membershipId, { programme: s.programme });
      expect(registry.confirm(claim, at, ON).kind, s.membershipId).toBe('confirmed');
    }
  });

  it('confirms a member showing only the card by surname and birth date', () => {
    for (const s of withCard) {
      const card = s.holder.documents.find((d) => d.documentType === 'SENTRI_CARD')!;
      const at = crossing({ traveller: s.holder, travelDocuments: [card] });
      expect(registry.confirm(sentri(s.membershipId), at, ON).kind, s.membershipId).toBe('confirmed');
    }
  });

  it('wants the same type and issuing country of an enrolled document, not just its number', () => {
    const s = members.find((m) => m.holder.documents.some((d) => d.documentType === 'PASSPORT'))!;
    const passport = s.holder.documents.find((d) => d.documentType === 'PASSPORT')!;
    const claim = sentri(s.membershipId, { programme: s.programme });
    const other = passport.issuingCountry === 'US' ? 'MX' : 'US';
    for (const forged of [
      { ...passport, issuingCountry: other },
      { ...passport, documentType: 'DRIVER_LICENSE' as const },
    ]) {
      expect(registry.confirm(claim, crossing({ traveller: stranger, travelDocuments: [forged] }), ON).kind).toBe(
        'holder-mismatch',
      );
    }
  });
});
