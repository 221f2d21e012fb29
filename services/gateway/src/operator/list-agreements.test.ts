// ListAgreements against the development agreements (and variants of them): what each operator
// sees, the fields as operator.proto describes them (never keys or conditions), whether an
// agreement is in force now, the filters, and the refusals.
import { ErrorReason, type ListAgreementsRequest } from '@puente/proto';
import { compilePolicySet, readAgreementSources, type PolicySet } from '@puente/policy';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { DEV_POLICIES_DIR, readDevKeys } from '../dev/dev-wiring.js';
import { listAgreements, type ListAgreementsDeps } from './list-agreements.js';
import {
  codec,
  dev,
  MX_OPERATOR,
  MX_SUBSCRIBER,
  refusal,
  US_OPERATOR,
  US_PUBLISHER,
  viewSchemaIdOf,
} from './testing/fixture.js';

const all: ListAgreementsRequest = { topic: '', recipientCountry: '' };
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const deps: ListAgreementsDeps = {
  policies: () => dev.policies,
  viewSchemaId: (policy) => codec.catalog.latest(policy.viewSubject).id,
};

/** The development agreements, the US → MX one's text edited by `edit`. */
function editedUsToMx(edit: (text: string) => string): PolicySet {
  const keys = readDevKeys();
  const sources = readAgreementSources(DEV_POLICIES_DIR).map((source) =>
    source.file.endsWith('us-to-mx.yaml') ? { ...source, text: edit(source.text) } : source,
  );
  const set = compilePolicySet(sources, {
    schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
    secret: (name) => keys.get(name),
  });
  expect(set.agreements.map((a) => a.id).sort()).toEqual(['mx-to-us', 'us-to-mx']);
  return set;
}

describe('listAgreements', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const ids = async (request: Partial<ListAgreementsRequest>, principal = US_OPERATOR) =>
    (await listAgreements(deps, principal, { ...all, ...request })).agreements.map((a) => a.agreementId);

  it('shows the US and the MX operator both development agreements, ordered by id', async () => {
    expect(await ids({}, US_OPERATOR)).toEqual(['mx-to-us', 'us-to-mx']);
    expect(await ids({}, MX_OPERATOR)).toEqual(['mx-to-us', 'us-to-mx']);
  });

  it('summarizes an agreement as loaded: parties, purposes, validity, ceilings, topics with rules and view schemas', async () => {
    const { agreements } = await listAgreements(deps, MX_OPERATOR, all);
    const usToMx = agreements.find((a) => a.agreementId === 'us-to-mx');
    expect(usToMx).toMatchObject({
      agreementId: 'us-to-mx',
      version: '1',
      ownerCountry: 'US',
      recipientCountry: 'MX',
      recipientAgencies: ['ANAM', 'FGR', 'INM', 'SSPC'],
      purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
      validFrom: new Date('2026-01-01T00:00:00Z'),
      validUntil: new Date('2030-01-01T00:00:00Z'),
      inForce: true,
      classificationCeiling: 'RESTRICTED',
    });
    const topics = usToMx?.topics ?? [];
    expect(topics.map((t) => t.topic)).toEqual([
      'us.audit-checkpoints.v1',
      'us.cargo-manifests.v1',
      'us.investigations.v1',
      'us.pre-clearance-decisions.v1',
      'us.prosecutions.v1',
      'us.risk-assessments.v1',
      'us.screening-results.v1',
      'us.traveller-crossings.v1',
      'us.trusted-travellers.v1',
    ]);
    expect(topics.find((t) => t.topic === 'us.cargo-manifests.v1')).toEqual({
      topic: 'us.cargo-manifests.v1',
      rules: ['cargo-for-customs'],
      viewSubject: 'us.cargo-manifests.v1-view-us-to-mx-value',
      viewSchemaId: viewSchemaIdOf('us-to-mx', 'us.cargo-manifests.v1'),
      classificationCeiling: 'LAW_ENFORCEMENT_SENSITIVE',
    });
    // Rules in agreement order; no ceiling of its own: the agreement's applies, sent as empty.
    expect(topics.find((t) => t.topic === 'us.screening-results.v1')).toMatchObject({
      rules: ['screening-restricted', 'screening'],
      viewSchemaId: viewSchemaIdOf('us-to-mx', 'us.screening-results.v1'),
      classificationCeiling: '',
    });
    for (const topic of topics) expect(topic.viewSchemaId).toBeGreaterThan(0);
    // Never the keys, nor the conditions or field actions.
    const text = JSON.stringify(agreements);
    for (const secret of ['usmx-dev-1', 'PUENTE_HASH_KEY', readDevKeys().get('PUENTE_HASH_KEY_US_MX')!]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('meta.classification');
    expect(text).not.toContain('keep');
  });

  it('filters by topic and recipient country, combined; none matching is an empty list', async () => {
    expect(await ids({ topic: 'us.cargo-manifests.v1' })).toEqual(['us-to-mx']);
    expect(await ids({ topic: 'mx.investigations.v1' }, MX_OPERATOR)).toEqual(['mx-to-us']);
    expect(await ids({ recipientCountry: 'MX' })).toEqual(['us-to-mx']);
    expect(await ids({ recipientCountry: 'US' }, MX_OPERATOR)).toEqual(['mx-to-us']);
    expect(await ids({ topic: 'us.cargo-manifests.v1', recipientCountry: 'US' })).toEqual([]);
    expect(await ids({ topic: 'us.nothing.v1' })).toEqual([]);
    // A dead-letter topic is shared by no agreement.
    expect(await ids({ topic: 'dlq.us.cargo-manifests.v1' })).toEqual([]);
  });

  it('says whether an agreement is in force now: from validFrom, until validUntil exclusive', async () => {
    const inForce = async () =>
      (await listAgreements(deps, US_OPERATOR, { ...all, recipientCountry: 'MX' })).agreements[0]?.inForce;
    vi.setSystemTime(Date.UTC(2025, 11, 31, 23, 59, 59, 999));
    expect(await inForce()).toBe(false);
    vi.setSystemTime(Date.UTC(2026, 0, 1));
    expect(await inForce()).toBe(true);
    vi.setSystemTime(Date.UTC(2029, 11, 31, 23, 59, 59, 999));
    expect(await inForce()).toBe(true);
    vi.setSystemTime(Date.UTC(2030, 0, 1));
    expect(await inForce()).toBe(false);
  });

  it('reports an open-ended agreement without validUntil, one naming no agency with none, and its version', async () => {
    const policies = editedUsToMx((text) =>
      text
        .replace(/^version: 1$/m, 'version: 7')
        .replace(/^validUntil: .*\n/m, '')
        .replace(/^ {2}agencies: \[.*\]\n/m, ''),
    );
    const { agreements } = await listAgreements({ ...deps, policies: () => policies }, US_OPERATOR, {
      ...all,
      recipientCountry: 'MX',
    });
    expect(agreements).toHaveLength(1);
    const [summary] = agreements;
    expect(summary).toMatchObject({ version: '7', recipientAgencies: [], inForce: true });
    expect(summary?.validUntil).toBeUndefined();
  });

  it('answers with the agreements loaded now: a reloaded set applies from the next call', async () => {
    let current = dev.policies;
    const reloading: ListAgreementsDeps = { ...deps, policies: () => current };
    expect((await listAgreements(reloading, US_OPERATOR, all)).agreements).toHaveLength(2);
    current = editedUsToMx((text) => text.replace(/^version: 1$/m, 'version: 2'));
    const { agreements } = await listAgreements(reloading, US_OPERATOR, { ...all, recipientCountry: 'MX' });
    expect(agreements[0]?.version).toBe('2');
  });

  it('refuses a recipient_country that is not a country, naming the field', async () => {
    for (const bad of ['CA', 'mx', 'USA', 'X'.repeat(10_000)]) {
      const error = await refusal(listAgreements(deps, US_OPERATOR, { ...all, recipientCountry: bad }));
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', reason: ErrorReason.REQUEST_INVALID });
      expect(error.fieldViolations).toEqual([
        {
          field: 'recipient_country',
          description: `'${bad.slice(0, 16)}' is not a country (US or MX)`,
          reason: 'REQUEST_INVALID',
        },
      ]);
    }
  });

  it('refuses a caller without the operator role', async () => {
    for (const caller of [US_PUBLISHER, MX_SUBSCRIBER]) {
      const error = await refusal(listAgreements(deps, caller, all));
      expect(error).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.ROLE_NOT_ALLOWED });
    }
  });
});
