// OperatorService on a real Kafka broker and real gRPC sockets: the operator role, raw access to
// the own country's topics, partner topics only as an agreement's view, policy explanations,
// subscription lag from the cursor store, consumer groups' lag and the agreements loaded.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorReasonOf,
  FieldAction,
  fromRpcStatus,
  OperatorServiceClient,
  OperatorServiceService,
  PayloadFormat,
  PolicyDecision,
  WithholdingGate,
  rpcStatusFromError,
  ShareServiceClient,
  TopicAccess,
  TopicKind,
  type BrowseRecordsRequest,
  type BrowseRecordsResponse,
  type DescribeTopicRequest,
  type DescribeTopicResponse,
  type ExplainPolicyRequest,
  type ExplainPolicyResponse,
  type GetSubscriptionLagRequest,
  type GetSubscriptionLagResponse,
  type ListAgreementsRequest,
  type ListAgreementsResponse,
  type ListTopicsResponse,
  type PublishRequest,
  type PublishResponse,
} from '@puente/proto';
import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { compilePolicySet, readAgreementSources } from '@puente/policy';
import { testKafkaBrokers } from '@puente/bus/testing';
import { friendlyToAvroJson } from '@puente/contracts/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SINGLE_BROKER_AUDIT_TOPIC } from './audit/audit-topic.js';
import { readDevKeys } from './dev/dev-wiring.js';
import { loadPublishPermissions } from './auth/authorization.js';
import { createGateway, type Gateway } from './create-gateway.js';
import { readDevTokens, DEV_TOKENS_FILE } from './dev/dev-tokens.js';
import { createAuthenticator, loadTokenStore } from './auth/identity.js';
import { createOperatorService } from './operator/index.js';
import { createCursorStore, type CursorStore } from './subscribe/cursor-store.js';
import type { DeliveredRecord } from './subscribe/record-evaluation.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tokens = readDevTokens();
const DEV_KEY = readDevKeys().get('PUENTE_HASH_KEY_US_MX') ?? ''; // development fixture
const codec = createCodec();
const policies = compilePolicySet(readAgreementSources(`${root}deploy/policies`), {
  schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
  secret: (name) => (name === 'PUENTE_HASH_KEY_US_MX' ? DEV_KEY : undefined),
});

const example = (file: string) =>
  (JSON.parse(readFileSync(`${root}schemas/examples/${file}`, 'utf8')) as { value: Record<string, any> }).value;

function manifest(file: string, classification = 'SENSITIVE', manifestId = `TEST-${randomUUID().slice(0, 8)}`) {
  const value = structuredClone(example(`cargo-manifests/${file}`));
  value['meta'].eventId = randomUUID();
  value['meta'].classification = classification;
  value['manifestId'] = manifestId;
  return value;
}

const auth = (name: string) => {
  const token = tokens.get(name);
  if (!token) throw new Error(`no dev token ${name}`);
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
};

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

const call = <Req, Res>(method: Unary<Req, Res>, request: Req, who: string) =>
  new Promise<Res>((resolve, reject) => {
    method(request, auth(who), (error, response) => (error ? reject(error) : resolve(response)));
  });

async function refusal(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as ServiceError | undefined;
  if (!error) throw new Error('expected the call to be refused');
  const rpc = rpcStatusFromError(error);
  const details = rpc ? fromRpcStatus(rpc) : {};
  return { code: error.code, message: error.details, reason: errorReasonOf(details), details };
}

describe('OperatorService on real Kafka and gRPC', () => {
  let bus: KafkaBus;
  let gateway: Gateway;
  let share: ShareServiceClient;
  let server: Server;
  let operator: OperatorServiceClient;
  let cursors: CursorStore;
  const audited: DeliveredRecord[] = [];

  const browse = (request: Partial<BrowseRecordsRequest>, who: string) =>
    call<BrowseRecordsRequest, BrowseRecordsResponse>(
      operator.browseRecords.bind(operator),
      {
        topic: '',
        limit: 0,
        payloadFormat: PayloadFormat.AVRO_JSON,
        viewAgreementId: '',
        pageToken: '',
        ...request,
      },
      who,
    );
  const listTopics = (who: string, prefix = '') =>
    call<{ prefix: string }, ListTopicsResponse>(operator.listTopics.bind(operator), { prefix }, who);
  const explain = (request: ExplainPolicyRequest, who: string) =>
    call<ExplainPolicyRequest, ExplainPolicyResponse>(operator.explainPolicy.bind(operator), request, who);
  const lag = (request: GetSubscriptionLagRequest, who: string) =>
    call<GetSubscriptionLagRequest, GetSubscriptionLagResponse>(
      operator.getSubscriptionLag.bind(operator),
      request,
      who,
    );
  const agreements = (request: Partial<ListAgreementsRequest>, who: string) =>
    call<ListAgreementsRequest, ListAgreementsResponse>(
      operator.listAgreements.bind(operator),
      { topic: '', recipientCountry: '', ...request },
      who,
    );
  const publishUs = (value: unknown) =>
    call<PublishRequest, PublishResponse>(
      share.publish.bind(share),
      {
        topic: 'us.cargo-manifests.v1',
        key: '',
        payloadFormat: PayloadFormat.AVRO_JSON,
        payload: Buffer.from(JSON.stringify(friendlyToAvroJson(codec, 'us.cargo-manifests.v1', value))),
        schemaId: 0,
      },
      'dev-us-cbp-publisher',
    );

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'operator-test', heartbeatIntervalMs: 500 });
    await bus.start();
    const authenticator = createAuthenticator({ tokens: loadTokenStore(DEV_TOKENS_FILE), allowTokens: true });
    gateway = createGateway({
      bus,
      codec,
      policies: () => policies,
      authenticator,
      permissions: loadPublishPermissions(`${root}deploy/gateway/publishers.yaml`),
      ensureTopics: { partitions: 3 },
      auditTopic: SINGLE_BROKER_AUDIT_TOPIC,
    });
    await gateway.start();
    share = new ShareServiceClient(`127.0.0.1:${gateway.port}`, credentials.createInsecure());

    cursors = createCursorStore(bus);
    await cursors.start();
    server = new Server();
    server.addService(
      OperatorServiceService,
      createOperatorService({
        authenticator,
        bus,
        codec,
        policies: () => policies,
        cursors,
        audit: async (delivered) => {
          audited.push(...delivered);
        },
        // The catalog lock lists both agreements' view schemas.
        viewSchemaId: (policy) => codec.catalog.latest(policy.viewSubject).id,
      }),
    );
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    operator = new OperatorServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    operator?.close();
    share?.close();
    await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
    await cursors?.stop();
    await gateway?.stop(1_000);
    await bus?.stop();
  });

  it('refuses callers without the operator role', async () => {
    const publisher = await refusal(listTopics('dev-us-cbp-publisher'));
    expect(publisher).toMatchObject({ code: status.PERMISSION_DENIED, reason: ErrorReason.ROLE_NOT_ALLOWED });
    const subscriber = await refusal(browse({ topic: 'us.cargo-manifests.v1' }, 'dev-mx-anam-subscriber'));
    expect(subscriber).toMatchObject({ code: status.PERMISSION_DENIED, reason: ErrorReason.ROLE_NOT_ALLOWED });
  });

  it('lists own topics raw and partner topics as the view of the agreement that shares them', async () => {
    const { topics } = await listTopics('dev-us-cbp-operator');
    const names = topics.map((t) => t.name);
    expect(names.some((name) => name.startsWith('puente.') || name.startsWith('__'))).toBe(false);

    const own = topics.find((t) => t.name === 'us.cargo-manifests.v1');
    expect(own).toMatchObject({
      kind: TopicKind.EVENTS,
      originCountry: 'US',
      domain: 'cargo-manifests',
      access: TopicAccess.RAW,
      viewAgreementId: '',
      partitionCount: 3,
      valueSubject: 'us.cargo-manifests.v1-value',
      latestSchemaId: codec.schemaIdOf('us.cargo-manifests.v1'),
    });
    const partner = topics.find((t) => t.name === 'mx.cargo-manifests.v1');
    expect(partner).toMatchObject({
      kind: TopicKind.EVENTS,
      originCountry: 'MX',
      access: TopicAccess.VIEW,
      viewAgreementId: 'mx-to-us',
      valueSubject: 'mx.cargo-manifests.v1-view-mx-to-us-value',
      latestSchemaId: codec.catalog.latest('mx.cargo-manifests.v1-view-mx-to-us-value').id,
    });
    // Dead letters: own country's only, raw; the disclosure log: raw for both countries.
    expect(topics.find((t) => t.name === 'dlq.us.cargo-manifests.v1')).toMatchObject({
      kind: TopicKind.DEAD_LETTER,
      access: TopicAccess.RAW,
      latestSchemaId: 0,
    });
    expect(names).not.toContain('dlq.mx.cargo-manifests.v1');
    expect(topics.find((t) => t.name === 'audit.disclosures.v1')).toMatchObject({
      kind: TopicKind.AUDIT,
      access: TopicAccess.RAW,
      originCountry: '',
    });

    const mxOnly = await listTopics('dev-mx-anam-operator', 'mx.');
    expect(mxOnly.topics.every((t) => t.name.startsWith('mx.') && t.access === TopicAccess.RAW)).toBe(true);
  });

  it('browses an own topic raw by event id, as JSON and as the stored Avro bytes', async () => {
    const value = manifest('us-northbound-laredo.json');
    const published = await publishUs(value);
    const eventId = value['meta'].eventId as string;

    const json = await browse(
      { topic: 'us.cargo-manifests.v1', selector: { $case: 'eventId', value: eventId } },
      'dev-us-cbp-operator',
    );
    expect(json.records).toHaveLength(1);
    const record = json.records[0]!;
    expect(record).toMatchObject({
      topic: 'us.cargo-manifests.v1',
      partition: published.partition,
      offset: published.offset,
      key: value['manifestId'],
      eventId,
      schemaId: codec.schemaIdOf('us.cargo-manifests.v1'),
      payloadFormat: PayloadFormat.AVRO_JSON,
      decodeError: '',
    });
    expect(record.headers['ce_id']).toBe(eventId);
    // Avro JSON: the nullable driver's value wrapped in its type's full name, the timestamp a number.
    const decoded = JSON.parse(record.payload.toString('utf8')) as Record<string, any>;
    expect(decoded['manifestId']).toBe(value['manifestId']);
    expect(decoded['driver']['org.puente.v1.Person'].documents[0].documentNumber).toBe('41928375'); // raw: own country
    expect(decoded['estimatedArrival']).toBe(Date.parse(value['estimatedArrival']));

    const avro = await browse(
      {
        topic: 'us.cargo-manifests.v1',
        selector: { $case: 'offsets', value: { partition: published.partition, startOffset: published.offset } },
        limit: 1,
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
      },
      'dev-us-cbp-operator',
    );
    expect(avro.records).toHaveLength(1);
    const bytes = avro.records[0]!.payload;
    expect((codec.decode(bytes).value as Record<string, any>)['manifestId']).toBe(value['manifestId']);
  });

  it('shows a partner topic only as the agreement view, withholding what the agreement withholds', async () => {
    const manifestId = `TEST-${randomUUID().slice(0, 8)}`;
    const restricted = manifest('us-northbound-laredo.json', 'RESTRICTED', manifestId);
    const shared = manifest('us-northbound-laredo.json', 'SENSITIVE', manifestId);
    await publishUs(restricted);
    await publishUs(shared);

    // No view named: the one agreement sharing the topic with MX, never the raw records.
    const unnamed = await browse(
      { topic: 'us.cargo-manifests.v1', selector: { $case: 'key', value: manifestId } },
      'dev-mx-anam-operator',
    );
    expect(unnamed.records.map((r) => r.eventId)).toEqual([shared['meta'].eventId]);
    expect(unnamed.records[0]?.schemaId).toBe(codec.catalog.latest('us.cargo-manifests.v1-view-us-to-mx-value').id);
    expect(unnamed.records[0]?.payload.toString('utf8')).not.toContain('41928375');

    const wrongAgreement = await refusal(
      browse({ topic: 'us.cargo-manifests.v1', viewAgreementId: 'mx-to-us' }, 'dev-mx-anam-operator'),
    );
    expect(wrongAgreement).toMatchObject({ code: status.PERMISSION_DENIED, reason: ErrorReason.NO_AGREEMENT });
    const unknownAgreement = await refusal(
      browse({ topic: 'us.cargo-manifests.v1', viewAgreementId: 'nope' }, 'dev-mx-anam-operator'),
    );
    expect(unknownAgreement).toMatchObject({ code: status.NOT_FOUND, reason: ErrorReason.AGREEMENT_NOT_FOUND });
    const partnerDeadLetters = await refusal(browse({ topic: 'dlq.us.cargo-manifests.v1' }, 'dev-mx-anam-operator'));
    expect(partnerDeadLetters).toMatchObject({ code: status.PERMISSION_DENIED, reason: ErrorReason.TOPIC_NOT_ALLOWED });

    const viewed = await browse(
      {
        topic: 'us.cargo-manifests.v1',
        selector: { $case: 'key', value: manifestId },
        viewAgreementId: 'us-to-mx',
      },
      'dev-mx-anam-operator',
    );
    // The RESTRICTED manifest on the same key is withheld: only the shared one comes back.
    expect(viewed.records.map((r) => r.eventId)).toEqual([shared['meta'].eventId]);
    const record = viewed.records[0]!;
    const viewSchemaId = codec.catalog.latest('us.cargo-manifests.v1-view-us-to-mx-value').id;
    expect(record).toMatchObject({ key: manifestId, schemaId: viewSchemaId, headers: {}, decodeError: '' });
    const view = JSON.parse(record.payload.toString('utf8')) as Record<string, any>;
    expect(view['consignor'].name).toBe(shared['consignor'].name);
    expect(view['consignor'].address).toBeUndefined();
    expect(view['driver']['org.puente.v1.view.us_to_mx.CargoManifest_driver'].documents[0].documentNumber).toMatch(
      /^usmx-dev-1:[A-Za-z0-9_-]{43}$/,
    );
    expect(record.payload.toString('utf8')).not.toContain('41928375');
    // A view shown to the partner country's operator is a disclosure: audited before it is returned.
    expect(audited.some((d) => d.record.offset === record.offset && d.subscriptionId === 'operator-browse')).toBe(true);

    const avro = await browse(
      {
        topic: 'us.cargo-manifests.v1',
        selector: { $case: 'eventId', value: shared['meta'].eventId as string },
        viewAgreementId: 'us-to-mx',
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
      },
      'dev-mx-anam-operator',
    );
    expect(avro.records[0]?.payload.readInt32BE(1)).toBe(viewSchemaId);
    expect(avro.records[0]?.payload.toString('latin1')).not.toContain('G39281745');
  });

  it('describes a partner topic with its view schema', async () => {
    const described = await call<DescribeTopicRequest, DescribeTopicResponse>(
      operator.describeTopic.bind(operator),
      { topic: 'us.cargo-manifests.v1', viewAgreementId: 'us-to-mx' },
      'dev-mx-anam-operator',
    );
    expect(described.topic).toMatchObject({ access: TopicAccess.VIEW, viewAgreementId: 'us-to-mx' });
    expect(described.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(described.schema?.subject).toBe('us.cargo-manifests.v1-view-us-to-mx-value');
    const viewSchema = JSON.parse(described.schema?.schema ?? '{}') as { fields: { name: string; type: any }[] };
    const consignor = viewSchema.fields.find((f) => f.name === 'consignor')?.type as { fields: { name: string }[] };
    expect(consignor.fields.map((f) => f.name)).not.toContain('address');
    expect(described.deadLetterTopic).toBe('dlq.us.cargo-manifests.v1');
    const missing = await refusal(
      call(
        operator.describeTopic.bind(operator),
        { topic: 'us.nothing.v1', viewAgreementId: '' },
        'dev-us-cbp-operator',
      ),
    );
    expect(missing).toMatchObject({ code: status.NOT_FOUND, reason: ErrorReason.TOPIC_NOT_FOUND });
  });

  it('explains why a RESTRICTED manifest is withheld and what a shared one releases', async () => {
    const restricted = manifest('us-northbound-laredo.json', 'RESTRICTED');
    const withheld = await explain(
      {
        topic: 'us.cargo-manifests.v1',
        event: {
          $case: 'inline',
          value: {
            payloadFormat: PayloadFormat.AVRO_JSON,
            payload: Buffer.from(JSON.stringify(friendlyToAvroJson(codec, 'us.cargo-manifests.v1', restricted))),
            schemaId: 0,
          },
        },
        target: { $case: 'agreementId', value: 'us-to-mx' },
        viewFormat: PayloadFormat.UNSPECIFIED,
        purposes: [],
      },
      'dev-us-cbp-operator',
    );
    expect(withheld.explanations).toHaveLength(1);
    const explanation = withheld.explanations[0]!;
    expect(explanation).toMatchObject({
      agreementId: 'us-to-mx',
      agreementVersion: '1',
      decision: PolicyDecision.WITHHOLD,
      decidingRule: '',
      fields: [],
      viewSchemaId: 0,
    });
    // The topic's classification ceiling withholds it before any rule is evaluated.
    expect(explanation.gate).toBe(WithholdingGate.CEILING);
    expect(explanation.summary).toMatch(
      /^withheld: withheld by the classification ceiling of topic us.cargo-manifests.v1/,
    );
    expect(explanation.rules).toEqual([]);

    // A stored event by id, for every agreement sharing the topic with MX.
    const shared = manifest('us-northbound-laredo.json');
    await publishUs(shared);
    const released = await explain(
      {
        topic: 'us.cargo-manifests.v1',
        event: { $case: 'eventId', value: shared['meta'].eventId as string },
        target: { $case: 'partner', value: { country: 'MX', agency: 'ANAM' } },
        viewFormat: PayloadFormat.AVRO_JSON,
        purposes: [],
      },
      'dev-us-cbp-operator',
    );
    const release = released.explanations[0]!;
    expect(release).toMatchObject({ decision: PolicyDecision.RELEASE, decidingRule: 'cargo-for-customs' });
    expect(release.fields).toContainEqual({
      path: 'driver.documents[*].documentNumber',
      action: FieldAction.HASH,
      transform: '',
      rule: 'cargo-for-customs',
      byDefault: false,
      domesticOnly: false,
      normalization: 'document-number',
      keyIds: ['usmx-dev-1'],
    });
    expect(release.fields.find((f) => f.path === 'consignor.address.street')).toMatchObject({
      action: FieldAction.DROP,
      byDefault: true,
    });
    expect(JSON.parse(release.viewPayload.toString('utf8'))['manifestId']).toBe(shared['manifestId']);

    // A partner's stored event would be read raw: refused.
    const partnerStored = await refusal(
      explain(
        {
          topic: 'us.cargo-manifests.v1',
          event: { $case: 'eventId', value: shared['meta'].eventId as string },
          target: { $case: 'agreementId', value: 'us-to-mx' },
          viewFormat: PayloadFormat.AVRO_JSON,
          purposes: [],
        },
        'dev-mx-anam-operator',
      ),
    );
    expect(partnerStored).toMatchObject({ code: status.PERMISSION_DENIED });
  });

  it('answers an event_id no record carries with EVENT_NOT_FOUND, not TOPIC_NOT_FOUND', async () => {
    await publishUs(manifest('us-northbound-laredo.json', 'SENSITIVE'));
    const eventId = randomUUID();
    const missing = await refusal(
      explain(
        {
          topic: 'us.cargo-manifests.v1',
          event: { $case: 'eventId', value: eventId },
          target: { $case: 'agreementId', value: 'us-to-mx' },
          viewFormat: PayloadFormat.AVRO_JSON,
          purposes: [],
        },
        'dev-us-cbp-operator',
      ),
    );
    expect(missing).toMatchObject({ code: status.NOT_FOUND, reason: ErrorReason.EVENT_NOT_FOUND });
    expect(missing.details.resourceInfo).toMatchObject({ resourceType: 'puente.v1.Event', resourceName: eventId });
    expect(missing.details.errorInfo?.metadata).toMatchObject({
      topic: 'us.cargo-manifests.v1',
      eventId,
      complete: 'true',
    });
    expect(Number(missing.details.errorInfo?.metadata['scanned'])).toBeGreaterThan(0);
  });

  it('reports subscription lag from committed cursors', async () => {
    const manifestId = `TEST-${randomUUID().slice(0, 8)}`;
    const first = await publishUs(manifest('us-northbound-laredo.json', 'SENSITIVE', manifestId));
    await publishUs(manifest('us-northbound-laredo.json', 'SENSITIVE', manifestId));
    const last = await publishUs(manifest('us-northbound-laredo.json', 'SENSITIVE', manifestId));
    expect(last.partition).toBe(first.partition);
    const name = `lag-${randomUUID().slice(0, 8)}`;
    // The partner acknowledged the first of the three records.
    await cursors.commit(
      `mx.anam.${name}`,
      'us.cargo-manifests.v1',
      new Map([[first.partition, Number(first.offset) + 1]]),
    );

    const { subscriptions } = await lag({ subscription: name, topic: '', consumerGroup: '' }, 'dev-us-cbp-operator');
    expect(subscriptions).toHaveLength(1);
    const subscription = subscriptions[0]!;
    expect(subscription).toMatchObject({
      subscriber: { country: 'MX', agency: 'ANAM' },
      subscription: name,
      feeds: ['us-to-mx/us.cargo-manifests.v1'],
      connected: false,
    });
    const partition = subscription.partitions.find((p) => p.partition === first.partition);
    expect(partition).toMatchObject({
      topic: 'us.cargo-manifests.v1',
      committedOffset: String(Number(first.offset) + 1),
      endOffset: String(Number(last.offset) + 1),
      lag: '2',
    });
    // Partitions without a cursor count from their start.
    expect(subscription.partitions.filter((p) => p.partition !== first.partition)).toHaveLength(2);
    expect(
      subscription.partitions.every((p) => p.partition === first.partition || p.committedOffset === undefined),
    ).toBe(true);

    // The MX operator sees its own country's subscriber too; another country's filter finds nothing.
    const mx = await lag({ subscription: name, topic: '', consumerGroup: '' }, 'dev-mx-anam-operator');
    expect(mx.subscriptions).toHaveLength(1);
    const none = await lag(
      { subscription: name, topic: '', consumerGroup: '', subscriber: { country: 'US', agency: '' } },
      'dev-us-cbp-operator',
    );
    expect(none.subscriptions).toHaveLength(0);
    // A name no subscription has is a filter matching nothing, as operator.proto says.
    const unknown = await lag(
      { subscription: `no-such-${randomUUID().slice(0, 8)}`, topic: '', consumerGroup: '' },
      'dev-us-cbp-operator',
    );
    expect(unknown.subscriptions).toEqual([]);
  });
  it("reports a consumer group's lag only on the caller's country's topics", async () => {
    const US = 'us.cargo-manifests.v1';
    const MX = 'mx.cargo-manifests.v1';
    const manifestId = `TEST-${randomUUID().slice(0, 8)}`;
    const first = await publishUs(manifest('us-northbound-laredo.json', 'SENSITIVE', manifestId));
    const last = await publishUs(manifest('us-northbound-laredo.json', 'SENSITIVE', manifestId));
    expect(last.partition).toBe(first.partition);
    // A service's consumer group reading both countries' manifests, committing on one partition of each.
    const groupId = `operator-test.lag.${randomUUID()}`;
    const member = await bus.subscribe({ groupId, topics: [US, MX], handler: async () => undefined });
    try {
      const owns = (topic: string, partition: number) =>
        member.assignments().some((tp) => tp.topic === topic && tp.partition === partition);
      await waitFor(() => owns(US, first.partition) && owns(MX, 0), 30_000, 'the group to own both partitions');
      const committed = String(Number(first.offset) + 1);
      await member.commit([
        { topic: US, partition: first.partition, offset: committed },
        { topic: MX, partition: 0, offset: '0' },
      ]);

      const us = await lag({ subscription: '', topic: '', consumerGroup: groupId }, 'dev-us-cbp-operator');
      // A named group: no subscription is listed.
      expect(us.subscriptions).toEqual([]);
      expect(us.consumerGroups).toHaveLength(1);
      const group = us.consumerGroups[0]!;
      expect(group).toMatchObject({ groupId, state: 'Stable', members: 1 });
      // Only the US partition: where the group stands on MX's topic is MX's business.
      expect(group.partitions.map((p) => [p.topic, p.partition, p.committedOffset])).toEqual([
        [US, first.partition, committed],
      ]);
      const [partition] = group.partitions;
      // Other tests may publish to the topic meanwhile: the end is at least the last record's.
      expect(BigInt(partition!.endOffset)).toBeGreaterThanOrEqual(BigInt(last.offset) + 1n);
      expect(partition!.lag).toBe(String(BigInt(partition!.endOffset) - BigInt(committed)));
      expect(group.totalLag).toBe(partition!.lag);

      const mx = await lag({ subscription: '', topic: '', consumerGroup: groupId }, 'dev-mx-anam-operator');
      expect(mx.consumerGroups.map((g) => g.partitions.map((p) => [p.topic, p.partition, p.committedOffset]))).toEqual([
        [[MX, 0, '0']],
      ]);

      // Unfiltered, the group is among all others (never a gateway reader); filters leave it out.
      const everything = await lag({ subscription: '', topic: '', consumerGroup: '' }, 'dev-us-cbp-operator');
      expect(everything.consumerGroups.map((g) => g.groupId)).toContain(groupId);
      expect(everything.consumerGroups.some((g) => g.groupId.startsWith('puente.reader.'))).toBe(false);
      const ids = everything.consumerGroups.map((g) => g.groupId);
      expect(ids).toEqual([...ids].sort());
      const otherTopic = await lag({ subscription: '', topic: MX, consumerGroup: groupId }, 'dev-us-cbp-operator');
      expect(otherTopic.consumerGroups).toEqual([]);
      const bySubscription = await lag(
        { subscription: `no-such-${randomUUID().slice(0, 8)}`, topic: '', consumerGroup: '' },
        'dev-us-cbp-operator',
      );
      expect(bySubscription.consumerGroups).toEqual([]);
    } finally {
      await member.stop();
    }
    const left = await lag({ subscription: '', topic: '', consumerGroup: groupId }, 'dev-us-cbp-operator');
    expect(left.consumerGroups[0]).toMatchObject({ groupId, state: 'Empty', members: 0 });
  });

  it('lists the agreements involving the caller, with their topics, rules and view schemas', async () => {
    for (const who of ['dev-us-cbp-operator', 'dev-mx-anam-operator']) {
      const { agreements: listed } = await agreements({}, who);
      expect(listed.map((a) => a.agreementId)).toEqual(['mx-to-us', 'us-to-mx']);
    }
    const { agreements: toMx } = await agreements({ recipientCountry: 'MX' }, 'dev-mx-anam-operator');
    expect(toMx).toHaveLength(1);
    const usToMx = toMx[0]!;
    expect(usToMx).toMatchObject({
      agreementId: 'us-to-mx',
      version: '1',
      ownerCountry: 'US',
      recipientCountry: 'MX',
      recipientAgencies: ['ANAM', 'FGR', 'INM', 'SSPC'],
      validFrom: new Date('2026-01-01T00:00:00Z'),
      validUntil: new Date('2030-01-01T00:00:00Z'),
      classificationCeiling: 'RESTRICTED',
    });
    expect(usToMx.topics.find((t) => t.topic === 'us.cargo-manifests.v1')).toEqual({
      topic: 'us.cargo-manifests.v1',
      rules: ['cargo-for-customs'],
      viewSubject: 'us.cargo-manifests.v1-view-us-to-mx-value',
      viewSchemaId: codec.catalog.latest('us.cargo-manifests.v1-view-us-to-mx-value').id,
      classificationCeiling: 'LAW_ENFORCEMENT_SENSITIVE',
    });
    const byTopic = await agreements({ topic: 'mx.cargo-manifests.v1' }, 'dev-us-cbp-operator');
    expect(byTopic.agreements.map((a) => a.agreementId)).toEqual(['mx-to-us']);

    const bad = await refusal(agreements({ recipientCountry: 'CA' }, 'dev-us-cbp-operator'));
    expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, reason: ErrorReason.REQUEST_INVALID });
    expect(bad.details.badRequest?.fieldViolations[0]).toMatchObject({ field: 'recipient_country' });
    const subscriber = await refusal(agreements({}, 'dev-mx-anam-subscriber'));
    expect(subscriber).toMatchObject({ code: status.PERMISSION_DENIED, reason: ErrorReason.ROLE_NOT_ALLOWED });
  });
});
