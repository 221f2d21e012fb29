// The gRPC adapter of the OperatorService, without a server: each handler authenticates the
// call, runs its RPC and answers through the callback — errors as a gRPC status with details.
import { Metadata, status, type sendUnaryData, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorReasonOf,
  fromRpcStatus,
  PayloadFormat,
  rpcStatusFromError,
  type OperatorServiceServer,
} from '@puente/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { readDevTokens } from '../dev/dev-tokens.js';
import { createOperatorService } from './operator-service.js';
import { fakeLedger } from './testing/fake-ledger.js';
import { codec, dev, manifest, operatorFixture, US_CARGO, type OperatorFixture } from './testing/fixture.js';

const tokens = readDevTokens();

type Outcome<Res> = { error: ServiceError; response?: undefined } | { error: null; response: Res };

/** Calls a unary handler as grpc-js would, with a bearer token (or none), and waits for its callback. */
function invoke<Req, Res>(
  handler: (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void,
  request: Req,
  tokenName?: string,
): Promise<Outcome<Res>> {
  const metadata = new Metadata();
  if (tokenName !== undefined) metadata.set('authorization', `Bearer ${tokens.get(tokenName) ?? ''}`);
  const call = { request, metadata, getAuthContext: () => null } as unknown as ServerUnaryCall<Req, Res>;
  return new Promise((resolve) => {
    handler(call, (error, response) =>
      resolve(error ? { error: error as ServiceError } : { error: null, response: response as Res }),
    );
  });
}

const detailsOf = (error: ServiceError) => {
  const rpc = rpcStatusFromError(error);
  return rpc ? fromRpcStatus(rpc) : {};
};

describe('createOperatorService', () => {
  let fx: OperatorFixture;
  let service: OperatorServiceServer;
  beforeEach(async () => {
    fx = await operatorFixture();
    service = createOperatorService({
      authenticator: dev.authenticator,
      bus: fx.bus,
      codec,
      policies: () => dev.policies,
      cursors: fx.cursors,
      viewSchemaId: (policy) => codec.catalog.latest(policy.viewSubject).id,
    });
  });
  afterEach(() => fx.stop());

  it('wires each RPC to its handler for an authenticated operator', async () => {
    const listed = await invoke(service.listTopics, { prefix: 'us.' }, 'dev-us-cbp-operator');
    expect(listed.response?.topics.map((t) => t.name)).toEqual([US_CARGO]);
    const described = await invoke(
      service.describeTopic,
      { topic: US_CARGO, viewAgreementId: '' },
      'dev-us-cbp-operator',
    );
    expect(described.response?.partitions).toHaveLength(3);
    const value = manifest('us-northbound-laredo.json', { manifestId: 'M-GRPC' });
    await fx.publish(US_CARGO, value);
    const browsed = await invoke(
      service.browseRecords,
      {
        topic: US_CARGO,
        selector: { $case: 'key', value: 'M-GRPC' },
        limit: 0,
        payloadFormat: PayloadFormat.AVRO_JSON,
        viewAgreementId: '',
        pageToken: '',
      },
      'dev-us-cbp-operator',
    );
    expect(browsed.response?.records.map((r) => r.eventId)).toEqual([value['meta'].eventId]);
    await fx.cursors.commit('mx.anam.grpc', US_CARGO, new Map([[0, 0]]));
    const lag = await invoke(
      service.getSubscriptionLag,
      { subscription: 'grpc', topic: '', consumerGroup: '' },
      'dev-us-cbp-operator',
    );
    expect(lag.response?.subscriptions.map((s) => s.subscription)).toEqual(['grpc']);
    const explained = await invoke(
      service.explainPolicy,
      {
        topic: US_CARGO,
        event: { $case: 'eventId', value: value['meta'].eventId },
        target: { $case: 'agreementId', value: 'us-to-mx' },
        viewFormat: PayloadFormat.AVRO_JSON,
        purposes: [],
      },
      'dev-us-cbp-operator',
    );
    expect(explained.response?.explanations.map((e) => e.agreementId)).toEqual(['us-to-mx']);
  });

  it('refuses an unauthenticated call and a caller without the operator role', async () => {
    const anonymous = await invoke(service.listTopics, { prefix: '' });
    expect(anonymous.error?.code).toBe(status.UNAUTHENTICATED);
    const publisher = await invoke(service.listTopics, { prefix: '' }, 'dev-us-cbp-publisher');
    expect(publisher.error).toMatchObject({
      code: status.PERMISSION_DENIED,
      details: 'dev-us-cbp-publisher (US/CBP) lacks the operator role',
    });
    expect(errorReasonOf(detailsOf(publisher.error!))).toBe(ErrorReason.ROLE_NOT_ALLOWED);
  });

  it('answers errors as a status with machine-readable details', async () => {
    const missing = await invoke(
      service.describeTopic,
      { topic: 'us.nothing.v1', viewAgreementId: '' },
      'dev-us-cbp-operator',
    );
    expect(missing.error).toMatchObject({ code: status.NOT_FOUND, details: "topic 'us.nothing.v1' does not exist" });
    const details = detailsOf(missing.error!);
    expect(errorReasonOf(details)).toBe(ErrorReason.TOPIC_NOT_FOUND);
    expect(details.errorInfo?.metadata).toEqual({ topic: 'us.nothing.v1' });
    expect(details.resourceInfo).toMatchObject({ resourceType: 'kafka.topic', resourceName: 'us.nothing.v1' });

    const forged = await invoke(
      service.browseRecords,
      {
        topic: US_CARGO,
        selector: { $case: 'key', value: 'M-1' },
        limit: 0,
        payloadFormat: PayloadFormat.AVRO_JSON,
        viewAgreementId: '',
        pageToken: 'forged',
      },
      'dev-us-cbp-operator',
    );
    expect(forged.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(detailsOf(forged.error!).badRequest?.fieldViolations.map((v) => v.field)).toEqual(['page_token']);
  });

  it('answers the ledger queries from the caller country ledger, and FAILED_PRECONDITION without one', async () => {
    const us = fakeLedger('US');
    const [entry] = us.add({});
    const withLedger = createOperatorService({
      authenticator: dev.authenticator,
      bus: fx.bus,
      codec,
      policies: () => dev.policies,
      cursors: fx.cursors,
      viewSchemaId: (policy) => codec.catalog.latest(policy.viewSubject).id,
      ledgers: { US: us },
    });
    const received = await invoke(withLedger.whoReceived, { eventId: entry!.eventId }, 'dev-us-cbp-operator');
    expect(received.response?.receipts.map((r) => r.disclosureId)).toEqual([entry!.disclosureId]);
    const listed = await invoke(
      withLedger.listDisclosures,
      { agreementId: '', recipientCountry: '', recipientAgency: '', limit: 0, pageToken: '' },
      'dev-us-cbp-operator',
    );
    expect(listed.response?.receipts.map((r) => r.entry)).toEqual(['1']);
    const verified = await invoke(withLedger.verifyLedger, { fromCheckpointId: '' }, 'dev-us-cbp-operator');
    expect(verified.response).toMatchObject({ country: 'US', intact: true, entryCount: '1' });

    const mx = await invoke(withLedger.verifyLedger, { fromCheckpointId: '' }, 'dev-mx-anam-operator');
    expect(mx.error?.code).toBe(status.FAILED_PRECONDITION);
    const details = detailsOf(mx.error!);
    expect(errorReasonOf(details)).toBe(ErrorReason.LEDGER_UNAVAILABLE);
    expect(details.errorInfo?.metadata).toEqual({ country: 'MX' });
    const none = await invoke(service.whoReceived, { eventId: entry!.eventId }, 'dev-us-cbp-operator');
    expect(none.error?.code).toBe(status.FAILED_PRECONDITION);
  });
});
