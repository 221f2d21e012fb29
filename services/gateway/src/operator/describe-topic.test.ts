// DescribeTopic against a MemoryBus: partitions and offsets, the schema as the operator sees it
// (the view schema for a partner's topic), retention, configuration and the dead-letter topic.
import { ErrorReason, TopicAccess } from '@puente/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { describeTopic } from './describe-topic.js';
import {
  codec,
  MX_OPERATOR,
  manifest,
  operatorFixture,
  refusal,
  US_CARGO,
  US_OPERATOR,
  US_PUBLISHER,
  viewSchemaIdOf,
  type OperatorFixture,
} from './testing/fixture.js';

describe('describeTopic', () => {
  let fx: OperatorFixture;
  beforeEach(async () => {
    fx = await operatorFixture();
  });
  afterEach(() => fx.stop());

  it('describes an own topic raw: partitions, catalog schema, retention and its dead letters', async () => {
    const published = await fx.publish(US_CARGO, manifest('us-northbound-laredo.json'));
    const described = await describeTopic(fx.context, US_OPERATOR, { topic: US_CARGO, viewAgreementId: '' });
    expect(described.topic).toMatchObject({ name: US_CARGO, access: TopicAccess.RAW, approximateRecordCount: '1' });
    expect(described.partitions).toEqual(
      [0, 1, 2].map((partition) => ({
        partition,
        leader: 0,
        replicas: [0],
        inSyncReplicas: [0],
        startOffset: '0',
        endOffset: partition === published.partition ? '1' : '0',
      })),
    );
    const latest = codec.catalog.latest('us.cargo-manifests.v1-value');
    expect(described.schema).toEqual({
      subject: 'us.cargo-manifests.v1-value',
      schemaId: codec.schemaIdOf(US_CARGO),
      version: latest.version,
      schema: codec.catalog.schemaText(latest.id),
    });
    // No retention set on the topic: neither limit is reported.
    expect(described.retention).toEqual({ cleanupPolicy: 'delete' });
    expect(described.config).toEqual({});
    expect(described.deadLetterTopic).toBe('dlq.us.cargo-manifests.v1');
  });

  it('reports retention as a duration and the topic configuration; no dead-letter topic when none exists', async () => {
    await fx.bus.admin.ensureTopics([
      { topic: 'us.screening-results.v1', partitions: 1, retentionMs: 90_061_500, cleanupPolicy: 'compact' },
    ]);
    const described = await describeTopic(fx.context, US_OPERATOR, {
      topic: 'us.screening-results.v1',
      viewAgreementId: '',
    });
    expect(described.retention).toEqual({
      maxAge: { seconds: '90061', nanos: 500_000_000 },
      cleanupPolicy: 'compact',
    });
    expect(described.config).toEqual({ 'retention.ms': '90061500', 'cleanup.policy': 'compact' });
    expect(described.deadLetterTopic).toBe('');
  });

  it('describes a dead-letter topic without a schema and without a dead-letter topic of its own', async () => {
    const described = await describeTopic(fx.context, US_OPERATOR, {
      topic: 'dlq.us.cargo-manifests.v1',
      viewAgreementId: '',
    });
    expect(described.schema).toBeUndefined();
    expect(described.deadLetterTopic).toBe('');
    expect(described.topic).toMatchObject({ valueSubject: '', latestSchemaId: 0, partitionCount: 1 });
  });

  it('describes a partner topic with the view schema of the agreement', async () => {
    const described = await describeTopic(fx.context, MX_OPERATOR, { topic: US_CARGO, viewAgreementId: 'us-to-mx' });
    expect(described.topic).toMatchObject({ access: TopicAccess.VIEW, viewAgreementId: 'us-to-mx' });
    const subject = 'us.cargo-manifests.v1-view-us-to-mx-value';
    expect(described.schema).toMatchObject({
      subject,
      schemaId: viewSchemaIdOf('us-to-mx', US_CARGO),
      version: codec.catalog.latest(subject).version,
    });
    const viewSchema = JSON.parse(described.schema?.schema ?? '{}') as { fields: { name: string; type: any }[] };
    const consignor = viewSchema.fields.find((f) => f.name === 'consignor')?.type as { fields: { name: string }[] };
    expect(consignor.fields.map((f) => f.name)).toEqual([
      'name',
      'tradeName',
      'countryCode',
      'identifiers',
      'trustedTraderMemberships',
    ]);
    // An own topic can be previewed as the agreement's recipient sees it.
    const preview = await describeTopic(fx.context, US_OPERATOR, { topic: US_CARGO, viewAgreementId: 'us-to-mx' });
    expect(preview.schema?.subject).toBe(subject);
  });

  it('answers an unknown topic with TOPIC_NOT_FOUND', async () => {
    const error = await refusal(
      describeTopic(fx.context, US_OPERATOR, { topic: 'us.nothing.v1', viewAgreementId: '' }),
    );
    expect(error).toMatchObject({
      code: 'NOT_FOUND',
      reason: ErrorReason.TOPIC_NOT_FOUND,
      message: "topic 'us.nothing.v1' does not exist",
      metadata: { topic: 'us.nothing.v1' },
    });
  });

  it('sees a partner topic through the one agreement sharing it when the request names none', async () => {
    const named = await describeTopic(fx.context, MX_OPERATOR, { topic: US_CARGO, viewAgreementId: 'us-to-mx' });
    const unnamed = await describeTopic(fx.context, MX_OPERATOR, { topic: US_CARGO, viewAgreementId: '' });
    expect(unnamed.topic).toMatchObject({ access: TopicAccess.VIEW, viewAgreementId: 'us-to-mx' });
    expect(unnamed).toEqual(named);
  });

  it('refuses a wrong or unknown view, partner dead letters and internal topics', async () => {
    const wrong = await refusal(
      describeTopic(fx.context, MX_OPERATOR, { topic: US_CARGO, viewAgreementId: 'mx-to-us' }),
    );
    expect(wrong).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.NO_AGREEMENT });
    const unknown = await refusal(describeTopic(fx.context, MX_OPERATOR, { topic: US_CARGO, viewAgreementId: 'nope' }));
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', reason: ErrorReason.AGREEMENT_NOT_FOUND });
    const deadLetters = await refusal(
      describeTopic(fx.context, MX_OPERATOR, { topic: 'dlq.us.cargo-manifests.v1', viewAgreementId: '' }),
    );
    expect(deadLetters).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.TOPIC_NOT_ALLOWED });
    const internal = await refusal(
      describeTopic(fx.context, US_OPERATOR, { topic: 'puente.subscription-cursors', viewAgreementId: '' }),
    );
    expect(internal).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.TOPIC_NOT_ALLOWED });
  });

  it('refuses a caller without the operator role before looking at the topic', async () => {
    const error = await refusal(
      describeTopic(fx.context, US_PUBLISHER, { topic: 'us.nothing.v1', viewAgreementId: '' }),
    );
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.ROLE_NOT_ALLOWED });
  });
});
