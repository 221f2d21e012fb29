import { describe, expect, it } from 'vitest';

import { crossing, registryStatus, sentri } from './testing/traveller-fixtures.js';
import { TrustedTravellerRegistry } from './trusted-traveller-registry.js';

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
});
