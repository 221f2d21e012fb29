// WhoReceived against a fake ledger: operators of the ledger's own country only, a UUID event id,
// and one receipt per ledger entry of the event with every recorded field.
import { randomUUID } from 'node:crypto';

import { DisclosureKind, ErrorReason } from '@puente/proto';
import { beforeEach, describe, expect, it } from 'vitest';

import { fakeLedger, type FakeLedger } from './testing/fake-ledger.js';
import { MX_OPERATOR, refusal, US_OPERATOR, US_PUBLISHER } from './testing/fixture.js';
import { whoReceived } from './who-received.js';

describe('whoReceived', () => {
  let us: FakeLedger;
  beforeEach(() => {
    us = fakeLedger('US');
  });

  it('names every recipient of the event, oldest first, with what each received', async () => {
    const eventId = randomUUID();
    us.add({ eventId: randomUUID() });
    const [anam] = us.add({ eventId, recipient: { country: 'MX', agency: 'ANAM' } });
    us.add({ eventId: randomUUID() });
    us.add(
      { eventId, recipient: { country: 'MX', agency: 'FGR' }, agreementId: 'us-to-mx-fgr' },
      { eventId, recipient: { country: 'MX', agency: 'ANAM' }, kind: 'RETRACTION' },
    );
    const { receipts } = await whoReceived({ ledgers: { US: us } }, US_OPERATOR, { eventId });
    expect(receipts.map((r) => [r.entry, r.recipientCountry, r.recipientAgency, r.agreementId, r.kind])).toEqual([
      ['2', 'MX', 'ANAM', 'us-to-mx', DisclosureKind.DELIVERY],
      ['4', 'MX', 'FGR', 'us-to-mx-fgr', DisclosureKind.DELIVERY],
      ['5', 'MX', 'ANAM', 'us-to-mx', DisclosureKind.RETRACTION],
    ]);
    expect(receipts[0]).toEqual({
      entry: '2',
      disclosureId: anam!.disclosureId,
      kind: DisclosureKind.DELIVERY,
      eventId,
      entityId: 'M-2',
      topic: 'us.cargo-manifests.v1',
      partition: 1,
      offset: '101',
      supersedes: '',
      digest: anam!.digest,
      recipientCountry: 'MX',
      recipientAgency: 'ANAM',
      subscription: 'cargo-feed',
      principal: 'dev-anam',
      agreementId: 'us-to-mx',
      agreementVersion: '3',
      ruleId: 'northbound',
      declaredPurposes: ['CUSTOMS'],
      fieldsReleased: ['manifestId', 'carrier.name'],
      fieldsTransformed: [
        {
          path: 'driver.licenseNumber',
          action: 'HASH',
          method: 'hmac-sha256',
          normalization: 'document-number',
          keyIds: ['k2', 'k1'],
        },
        { path: 'driver.name', action: 'MASK', method: 'initials', normalization: '', keyIds: [] },
      ],
      fieldsRemoved: ['driver.phone'],
      deliveredAt: anam!.deliveredAt,
    });
  });

  it('answers an event nobody received with no receipts', async () => {
    us.add({});
    expect(await whoReceived({ ledgers: { US: us } }, US_OPERATOR, { eventId: randomUUID() })).toEqual({
      receipts: [],
    });
  });

  it('refuses an event id that is not a UUID, naming event_id', async () => {
    for (const [eventId, description] of [
      ['', 'is required (a UUID)'],
      ['M-1', "'M-1' is not a UUID"],
    ]) {
      const error = await refusal(whoReceived({ ledgers: { US: us } }, US_OPERATOR, { eventId: eventId! }));
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', reason: ErrorReason.REQUEST_INVALID });
      expect(error.fieldViolations).toEqual([{ field: 'event_id', description, reason: 'REQUEST_INVALID' }]);
    }
    expect(us.calls).toEqual([]);
  });

  it('answers only operators, from their own country ledger', async () => {
    const eventId = randomUUID();
    us.add({ eventId });
    const publisher = await refusal(whoReceived({ ledgers: { US: us } }, US_PUBLISHER, { eventId }));
    expect(publisher).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.ROLE_NOT_ALLOWED });
    // An MX operator is never answered from the US ledger, even when MX has none.
    const mx = await refusal(whoReceived({ ledgers: { US: us } }, MX_OPERATOR, { eventId }));
    expect(mx).toMatchObject({
      code: 'FAILED_PRECONDITION',
      reason: ErrorReason.LEDGER_UNAVAILABLE,
      metadata: { country: 'MX' },
    });
    expect(us.calls).toEqual([]);
    const mxLedger = fakeLedger('MX');
    const answered = await whoReceived({ ledgers: { US: us, MX: mxLedger } }, MX_OPERATOR, { eventId });
    expect(answered.receipts).toEqual([]);
    expect(mxLedger.calls).toEqual([{ method: 'recipientsOf', args: [eventId] }]);
    expect(us.calls).toEqual([]);
  });

  it('refuses every query when the gateway has no ledgers at all', async () => {
    const error = await refusal(whoReceived({}, US_OPERATOR, { eventId: randomUUID() }));
    expect(error).toMatchObject({ code: 'FAILED_PRECONDITION', reason: ErrorReason.LEDGER_UNAVAILABLE });
    expect(error.message).toMatch(/no disclosure ledger for US/);
  });
});
