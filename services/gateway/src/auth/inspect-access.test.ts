// authorizeInspect's choice of view for another country's topic when the caller names none: the
// one agreement sharing it with the caller's country; refused, naming them, when none or several do.
import { createCodec } from '@puente/contracts';
import { compilePolicySet, readAgreementSources, type PolicySet } from '@puente/policy';
import { ErrorReason } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import { DEV_POLICIES_DIR, readDevKeys } from '../dev/dev-wiring.js';
import { GatewayError } from '../grpc/errors.js';
import { authorizeInspect } from './authorization.js';
import { MX_OPERATOR, US_CARGO } from '../operator/testing/fixture.js';

const codec = createCodec();

/** The development agreements, plus copies of us-to-mx under the given ids. */
function withCopies(...ids: string[]): PolicySet {
  const keys = readDevKeys();
  const sources = readAgreementSources(DEV_POLICIES_DIR);
  const usToMx = sources.find((s) => s.file.endsWith('us-to-mx.yaml'));
  if (!usToMx) throw new Error('deploy/policies has no us-to-mx.yaml');
  const copies = ids.map((id) => ({ file: `${id}.yaml`, text: usToMx.text.replace(/^id: us-to-mx$/m, `id: ${id}`) }));
  return compilePolicySet([...sources, ...copies], {
    schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
    secret: (name) => keys.get(name),
  });
}

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('authorizeInspect without a view named', () => {
  it("uses the one agreement sharing another country's topic with the caller's country", () => {
    const access = authorizeInspect(MX_OPERATOR, US_CARGO, { viewAgreementId: '', policies: withCopies() });
    expect(access).toMatchObject({ access: 'view', partner: { country: 'MX', agency: 'ANAM' } });
    expect(access.access === 'view' && access.feed.agreement.id).toBe('us-to-mx');
  });

  it('refuses when several agreements share the topic, naming them, and accepts each named', () => {
    const policies = withCopies('us-to-mx-pilot');
    const error = refusal(() => authorizeInspect(MX_OPERATOR, US_CARGO, { viewAgreementId: '', policies }));
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.NO_AGREEMENT });
    expect(error.message).toContain('set view_agreement_id (us-to-mx, us-to-mx-pilot)');
    const pilot = authorizeInspect(MX_OPERATOR, US_CARGO, { viewAgreementId: 'us-to-mx-pilot', policies });
    expect(pilot.access === 'view' && pilot.feed.agreement.id).toBe('us-to-mx-pilot');
  });

  it('refuses when no agreement shares the topic with the caller', () => {
    const policies = withCopies();
    const none = { ...policies, agreements: policies.agreements.filter((a) => a.id !== 'us-to-mx') } as PolicySet;
    const error = refusal(() => authorizeInspect(MX_OPERATOR, US_CARGO, { viewAgreementId: '', policies: none }));
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.NO_AGREEMENT });
    expect(error.message).toContain('no agreement shares it with MX');
  });
});
