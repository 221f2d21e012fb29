// ListDisclosures against a fake ledger: filters handed to the ledger, pages of 100 by default
// and at most 1,000, page tokens bound to their query, and bad filters named.
import { ErrorReason } from '@puente/proto';
import type { ListDisclosuresRequest } from '@puente/proto';
import { beforeEach, describe, expect, it } from 'vitest';

import { listDisclosures } from './list-disclosures.js';
import { fakeLedger, type FakeLedger } from './testing/fake-ledger.js';
import { MX_OPERATOR, refusal, US_OPERATOR, US_PUBLISHER } from './testing/fixture.js';

const request = (overrides: Partial<ListDisclosuresRequest> = {}): ListDisclosuresRequest => ({
  agreementId: '',
  recipientCountry: '',
  recipientAgency: '',
  limit: 0,
  pageToken: '',
  ...overrides,
});

describe('listDisclosures', () => {
  let us: FakeLedger;
  beforeEach(() => {
    us = fakeLedger('US');
  });

  it('pages through every disclosure, 100 by default, each entry once, oldest first', async () => {
    us.add(...Array.from({ length: 250 }, () => ({})));
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let pageToken = '';
    do {
      const page = await listDisclosures({ ledgers: { US: us } }, US_OPERATOR, request({ pageToken }));
      seen.push(...page.receipts.map((r) => r.entry));
      pageSizes.push(page.receipts.length);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(pageSizes).toEqual([100, 100, 50]);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => String(i + 1)));
    // One more than the page asks whether another follows.
    expect(us.calls.map((c) => c.args[0])).toEqual([
      { afterEntry: 0, limit: 101 },
      { afterEntry: 100, limit: 101 },
      { afterEntry: 200, limit: 101 },
    ]);
  });

  it('ends without a token when the last page is exactly full', async () => {
    us.add(...Array.from({ length: 100 }, () => ({})));
    const page = await listDisclosures({ ledgers: { US: us } }, US_OPERATOR, request());
    expect(page.receipts).toHaveLength(100);
    expect(page.nextPageToken).toBe('');
  });

  it('caps a page at 1,000', async () => {
    us.add(...Array.from({ length: 1_200 }, () => ({})));
    const page = await listDisclosures({ ledgers: { US: us } }, US_OPERATOR, request({ limit: 5_000 }));
    expect(page.receipts).toHaveLength(1_000);
    expect(page.nextPageToken).not.toBe('');
    expect(us.calls[0]?.args[0]).toEqual({ afterEntry: 0, limit: 1_001 });
    const small = await listDisclosures({ ledgers: { US: us } }, US_OPERATOR, request({ limit: 3 }));
    expect(small.receipts.map((r) => r.entry)).toEqual(['1', '2', '3']);
  });

  it('filters by agreement, recipient and time range, and keeps the filters across pages', async () => {
    const at = (minute: number) => new Date(Date.UTC(2025, 10, 1, 0, minute));
    us.add(
      { agreementId: 'us-to-mx', recipient: { country: 'MX', agency: 'ANAM' }, deliveredAt: at(1) },
      { agreementId: 'us-to-mx', recipient: { country: 'MX', agency: 'ANAM' }, deliveredAt: at(2) },
      { agreementId: 'us-to-mx-fgr', recipient: { country: 'MX', agency: 'FGR' }, deliveredAt: at(3) },
      { agreementId: 'us-to-mx', recipient: { country: 'MX', agency: 'ANAM' }, deliveredAt: at(4) },
      { agreementId: 'us-to-mx', recipient: { country: 'MX', agency: 'ANAM' }, deliveredAt: at(5) },
      { agreementId: 'us-to-mx', recipient: { country: 'MX', agency: 'ANAM' }, deliveredAt: at(9) },
    );
    const query = request({
      agreementId: 'us-to-mx',
      recipientCountry: 'MX',
      recipientAgency: 'ANAM',
      times: { startTime: at(2), endTime: at(9) },
      limit: 2,
    });
    const first = await listDisclosures({ ledgers: { US: us } }, US_OPERATOR, query);
    expect(first.receipts.map((r) => r.entry)).toEqual(['2', '4']);
    const second = await listDisclosures({ ledgers: { US: us } }, US_OPERATOR, {
      ...query,
      pageToken: first.nextPageToken,
    });
    expect(second.receipts.map((r) => r.entry)).toEqual(['5']);
    expect(second.nextPageToken).toBe('');
    expect(us.calls[1]?.args[0]).toEqual({
      agreementId: 'us-to-mx',
      recipientCountry: 'MX',
      recipientAgency: 'ANAM',
      from: at(2),
      to: at(9),
      afterEntry: 4,
      limit: 3,
    });
  });

  it('refuses a page token of another query, or not a token at all, naming page_token', async () => {
    us.add(...Array.from({ length: 5 }, () => ({})));
    const first = await listDisclosures({ ledgers: { US: us } }, US_OPERATOR, request({ limit: 2 }));
    for (const changed of [
      request({ agreementId: 'us-to-mx', pageToken: first.nextPageToken }),
      request({ recipientAgency: 'ANAM', pageToken: first.nextPageToken }),
      request({ times: { startTime: new Date(0) }, pageToken: first.nextPageToken }),
      request({ pageToken: 'not-a-token' }),
      request({ pageToken: Buffer.from(JSON.stringify({ q: 'x', p: { after: -1 } })).toString('base64url') }),
    ]) {
      const error = await refusal(listDisclosures({ ledgers: { US: us } }, US_OPERATOR, changed));
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', reason: ErrorReason.REQUEST_INVALID });
      expect(error.fieldViolations[0]).toMatchObject({ field: 'page_token' });
      expect(error.message).toMatch(/agreement_id, recipient_country, recipient_agency and times must be the same/);
    }
    // The limit may change between pages.
    const next = await listDisclosures(
      { ledgers: { US: us } },
      US_OPERATOR,
      request({ limit: 10, pageToken: first.nextPageToken }),
    );
    expect(next.receipts.map((r) => r.entry)).toEqual(['3', '4', '5']);
  });

  it('refuses a recipient country that is not one, and an empty time range, naming the field', async () => {
    const country = await refusal(
      listDisclosures({ ledgers: { US: us } }, US_OPERATOR, request({ recipientCountry: 'CA' })),
    );
    expect(country.fieldViolations).toEqual([
      { field: 'recipient_country', description: "'CA' is not a country (US or MX)", reason: 'REQUEST_INVALID' },
    ]);
    const when = new Date(Date.UTC(2025, 0, 1));
    const times = await refusal(
      listDisclosures({ ledgers: { US: us } }, US_OPERATOR, request({ times: { startTime: when, endTime: when } })),
    );
    expect(times).toMatchObject({ code: 'INVALID_ARGUMENT', reason: ErrorReason.REQUEST_INVALID });
    expect(times.fieldViolations[0]).toMatchObject({ field: 'times' });
    expect(us.calls).toEqual([]);
  });

  it('answers only operators, from their own country ledger', async () => {
    us.add({});
    const publisher = await refusal(listDisclosures({ ledgers: { US: us } }, US_PUBLISHER, request()));
    expect(publisher).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.ROLE_NOT_ALLOWED });
    const mx = await refusal(listDisclosures({ ledgers: { US: us } }, MX_OPERATOR, request()));
    expect(mx).toMatchObject({ code: 'FAILED_PRECONDITION', reason: ErrorReason.LEDGER_UNAVAILABLE });
    expect(us.calls).toEqual([]);
  });
});
