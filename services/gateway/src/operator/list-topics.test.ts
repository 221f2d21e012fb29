// ListTopics against a MemoryBus: own topics raw, partner topics once per sharing agreement as
// its view, own dead letters only, the disclosure log for both countries, internal topics never.
import { ErrorReason, TopicAccess, TopicKind } from '@puente/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { listTopics } from './list-topics.js';
import {
  codec,
  MX_CARGO,
  MX_OPERATOR,
  MX_SUBSCRIBER,
  manifest,
  operatorFixture,
  refusal,
  US_CARGO,
  US_OPERATOR,
  US_PUBLISHER,
  viewSchemaIdOf,
  type OperatorFixture,
} from './testing/fixture.js';

describe('listTopics', () => {
  let fx: OperatorFixture;
  beforeEach(async () => {
    fx = await operatorFixture();
  });
  afterEach(() => fx.stop());

  it('lists own topics raw, partner topics as the sharing agreement view, ordered by name', async () => {
    const { topics } = await listTopics(fx.context, US_OPERATOR, { prefix: '' });
    expect(topics.map((t) => [t.name, t.access, t.viewAgreementId])).toEqual([
      ['audit.disclosures.v1', TopicAccess.RAW, ''],
      ['dlq.us.cargo-manifests.v1', TopicAccess.RAW, ''],
      [MX_CARGO, TopicAccess.VIEW, 'mx-to-us'],
      [US_CARGO, TopicAccess.RAW, ''],
    ]);
    const mx = await listTopics(fx.context, MX_OPERATOR, { prefix: '' });
    expect(mx.topics.map((t) => [t.name, t.access, t.viewAgreementId])).toEqual([
      ['audit.disclosures.v1', TopicAccess.RAW, ''],
      ['dlq.mx.cargo-manifests.v1', TopicAccess.RAW, ''],
      [MX_CARGO, TopicAccess.RAW, ''],
      [US_CARGO, TopicAccess.VIEW, 'us-to-mx'],
    ]);
  });

  it('summarizes an own topic with its record count and the catalog schema', async () => {
    await fx.publish(US_CARGO, manifest('us-northbound-laredo.json', { manifestId: 'M-1' }));
    await fx.publish(US_CARGO, manifest('us-northbound-laredo.json', { manifestId: 'M-2' }));
    await fx.publish(US_CARGO, manifest('us-northbound-laredo.json', { manifestId: 'M-1' }));
    const { topics } = await listTopics(fx.context, US_OPERATOR, { prefix: 'us.' });
    expect(topics).toEqual([
      {
        name: US_CARGO,
        kind: TopicKind.EVENTS,
        originCountry: 'US',
        domain: 'cargo-manifests',
        access: TopicAccess.RAW,
        viewAgreementId: '',
        partitionCount: 3,
        approximateRecordCount: '3',
        valueSubject: 'us.cargo-manifests.v1-value',
        latestSchemaId: codec.schemaIdOf(US_CARGO),
      },
    ]);
  });

  it('summarizes a partner topic with the view schema, dead letters without one, the audit log without origin', async () => {
    const { topics } = await listTopics(fx.context, US_OPERATOR, { prefix: '' });
    const byName = new Map(topics.map((t) => [t.name, t]));
    expect(byName.get(MX_CARGO)).toMatchObject({
      kind: TopicKind.EVENTS,
      originCountry: 'MX',
      domain: 'cargo-manifests',
      partitionCount: 2,
      approximateRecordCount: '0',
      valueSubject: 'mx.cargo-manifests.v1-view-mx-to-us-value',
      latestSchemaId: viewSchemaIdOf('mx-to-us', MX_CARGO),
    });
    expect(viewSchemaIdOf('mx-to-us', MX_CARGO)).not.toBe(codec.schemaIdOf(MX_CARGO));
    expect(byName.get('dlq.us.cargo-manifests.v1')).toMatchObject({
      kind: TopicKind.DEAD_LETTER,
      originCountry: 'US',
      domain: 'cargo-manifests',
      valueSubject: '',
      latestSchemaId: 0,
    });
    expect(byName.get('audit.disclosures.v1')).toMatchObject({
      kind: TopicKind.AUDIT,
      originCountry: '',
      domain: '',
      valueSubject: 'audit.disclosures.v1-value',
      latestSchemaId: codec.schemaIdOf('audit.disclosures.v1'),
    });
  });

  it('filters by name prefix and never lists internal topics', async () => {
    expect((await listTopics(fx.context, MX_OPERATOR, { prefix: 'dlq.' })).topics.map((t) => t.name)).toEqual([
      'dlq.mx.cargo-manifests.v1',
    ]);
    expect((await listTopics(fx.context, US_OPERATOR, { prefix: 'puente.' })).topics).toEqual([]);
    expect((await listTopics(fx.context, US_OPERATOR, { prefix: 'ca.' })).topics).toEqual([]);
    // The cursor store's topic exists on the bus but is not the operators' to see.
    expect((await fx.bus.admin.listTopics()).map((t) => t.topic)).toContain('puente.subscription-cursors');
  });

  it('refuses a caller without the operator role', async () => {
    for (const caller of [US_PUBLISHER, MX_SUBSCRIBER]) {
      const error = await refusal(listTopics(fx.context, caller, { prefix: '' }));
      expect(error).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.ROLE_NOT_ALLOWED });
      expect(error.message).toBe(`${caller.name} (${caller.country}/${caller.agency}) lacks the operator role`);
    }
  });
});
