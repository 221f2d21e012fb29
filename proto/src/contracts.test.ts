// The generated contracts over a real grpc-js server on loopback: fields survive the wire,
// the Subscribe start/deliver/ack/commit exchange works, error details reach the client,
// and health checking and reflection answer.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  Client,
  credentials,
  Server,
  ServerCredentials,
  status,
  type ClientDuplexStream,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { loadSync, type MethodDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addHealthAndReflection,
  BadRequest,
  callFailureOf,
  Delivery,
  ErrorReason,
  errorInfo,
  errorReasonOf,
  fromRpcStatus,
  isServiceError,
  PayloadFormat,
  rpcStatusFromError,
  SHARE_SERVICE_NAME,
  ShareServiceClient,
  ShareServiceService,
  StartPosition,
  toRpcStatus,
  toServiceErrorObject,
  type PublishRequest,
  type PublishResponse,
  type ShareServiceServer,
  type SubscribeRequest,
  type SubscribeResponse,
} from './index.js';

const framed = Buffer.from([0, 0, 0, 0, 7, 0x02, 0x48, 0x49]);
const received: PublishRequest[] = [];

function publishResult(request: PublishRequest, offset: string): PublishResponse {
  return {
    eventId: 'e-1',
    topic: request.topic,
    partition: 2,
    offset,
    schemaId: 7,
    timestamp: new Date('2025-01-02T03:04:05.678Z'),
    duplicate: false,
  };
}

function delivery(offset: number): Delivery {
  return Delivery.fromPartial({
    cursor: `c-${offset}`,
    feed: 'us-to-mx/us.investigations.v1',
    topic: 'us.investigations.v1',
    partition: 0,
    offset: String(offset),
    key: 'case-1',
    eventId: `e-${offset}`,
    schemaId: 9,
    payloadFormat: PayloadFormat.AVRO_CONFLUENT,
    payload: framed,
    agreementVersion: '3',
  });
}

// A tiny in-test ShareService: enough behaviour to exercise every message shape.
const share: ShareServiceServer = {
  publish(call, callback) {
    received.push(call.request);
    if (call.request.topic === 'us.nowhere.v1') {
      callback(
        toServiceErrorObject(status.NOT_FOUND, 'topic us.nowhere.v1 does not exist', {
          errorInfo: errorInfo(ErrorReason.TOPIC_NOT_FOUND, { topic: call.request.topic }),
          resourceInfo: { resourceType: 'topic', resourceName: call.request.topic, owner: '', description: '' },
        }),
      );
      return;
    }
    callback(null, publishResult(call.request, '9007199254740993'));
  },
  publishStream(call) {
    call.on('data', (request: { sequence: string; events: PublishRequest[] }) => {
      call.write({
        sequence: request.sequence,
        outcomes: request.events.map((event, i) =>
          event.payload.length === 0
            ? {
                outcome: {
                  $case: 'rejected',
                  value: toRpcStatus(status.INVALID_ARGUMENT, 'payload is empty', {
                    errorInfo: errorInfo(ErrorReason.PAYLOAD_UNDECODABLE),
                  }),
                },
              }
            : { outcome: { $case: 'accepted', value: publishResult(event, String(i)) } },
        ),
      });
    });
    call.on('end', () => call.end());
  },
  subscribe(call) {
    let started = false;
    call.on('data', (request: SubscribeRequest) => {
      const kind = request.kind;
      if (kind?.$case === 'start' && !started) {
        started = true;
        call.write({
          kind: {
            $case: 'started',
            value: {
              subscription: kind.value.subscription,
              streamId: 's-1',
              maxUnacked: Math.min(kind.value.maxUnacked, 100),
              maxBatchSize: 50,
              payloadFormat: kind.value.payloadFormat,
              feeds: [],
            },
          },
        });
        call.write({
          kind: { $case: 'deliveries', value: { deliveries: [delivery(10), delivery(11), delivery(12)] } },
        });
      } else if (kind?.$case === 'ack' && started) {
        call.write({ kind: { $case: 'committed', value: { cursors: kind.value.cursors } } });
        call.write({ kind: { $case: 'caughtUp', value: { asOf: new Date('2025-01-02T00:00:00Z') } } });
      } else {
        // grpc-js: a streaming handler fails the call by emitting 'error' (not destroy()).
        call.emit(
          'error',
          toServiceErrorObject(status.FAILED_PRECONDITION, 'a Subscribe stream begins with one start', {
            errorInfo: errorInfo(ErrorReason.PROTOCOL_VIOLATION),
          }),
        );
      }
    });
    call.on('end', () => call.end());
  },
  listFeeds(_call, callback) {
    callback({ code: status.UNIMPLEMENTED, details: 'not in this test' });
  },
};

let server: Server;
let client: ShareServiceClient;
let address: string;

beforeAll(async () => {
  server = new Server();
  server.addService(ShareServiceService, share);
  addHealthAndReflection(server, { serviceNames: [SHARE_SERVICE_NAME] });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, boundPort) =>
      err ? reject(err) : resolve(boundPort),
    );
  });
  address = `127.0.0.1:${port}`;
  client = new ShareServiceClient(address, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

function publish(request: PublishRequest): Promise<PublishResponse> {
  return new Promise((resolve, reject) => {
    client.publish(request, (err, response) => (err ? reject(err) : resolve(response)));
  });
}

/** Collects a duplex stream's messages until it finishes, with its final status. */
function collect<Req, Res>(
  call: ClientDuplexStream<Req, Res>,
  onMessage: (message: Res) => void,
): Promise<{ messages: Res[]; status: StatusObject }> {
  const messages: Res[] = [];
  let finalStatus: StatusObject | undefined;
  return new Promise((resolve) => {
    const finish = (): void => {
      if (finalStatus) resolve({ messages, status: finalStatus });
    };
    call.on('data', (message: Res) => {
      messages.push(message);
      onMessage(message);
    });
    call.on('error', () => undefined); // the status event carries the outcome
    call.on('status', (s: StatusObject) => {
      finalStatus = s;
      finish();
    });
  });
}

describe('ShareService contracts', () => {
  it('carries every Publish field across the wire', async () => {
    const request: PublishRequest = {
      topic: 'us.investigations.v1',
      key: 'case-1',
      payloadFormat: PayloadFormat.AVRO_CONFLUENT,
      payload: framed,
      schemaId: 7,
    };
    const response = await publish(request);
    expect(received.at(-1)).toEqual(request);
    expect(Buffer.isBuffer(received.at(-1)?.payload)).toBe(true);
    // int64 beyond 2^53 survives as a decimal string; Timestamp arrives as a Date.
    expect(response).toEqual({
      eventId: 'e-1',
      topic: 'us.investigations.v1',
      partition: 2,
      offset: '9007199254740993',
      schemaId: 7,
      timestamp: new Date('2025-01-02T03:04:05.678Z'),
      duplicate: false,
    });
  });

  it('delivers a status error with its details to the client', async () => {
    const error = await publish({
      topic: 'us.nowhere.v1',
      key: 'k',
      payloadFormat: PayloadFormat.AVRO_JSON,
      payload: Buffer.from('{}'),
      schemaId: 0,
    }).then(
      () => undefined,
      (err: unknown) => err as ServiceError,
    );
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(error?.details).toBe('topic us.nowhere.v1 does not exist');
    const rpcStatus = error && rpcStatusFromError(error);
    expect(rpcStatus?.code).toBe(status.NOT_FOUND);
    const details = fromRpcStatus(rpcStatus ?? { code: 0, message: '', details: [] });
    expect(details.errorInfo).toEqual({
      reason: 'TOPIC_NOT_FOUND',
      domain: 'puente',
      metadata: { topic: 'us.nowhere.v1' },
    });
    expect(details.resourceInfo?.resourceName).toBe('us.nowhere.v1');
    expect(errorReasonOf(details)).toBe(ErrorReason.TOPIC_NOT_FOUND);
    // What clients (the CLI, the console) show of it.
    expect(isServiceError(error)).toBe(true);
    expect(isServiceError(new Error('not a call'))).toBe(false);
    expect(error && callFailureOf(error)).toEqual({
      code: status.NOT_FOUND,
      reason: 'TOPIC_NOT_FOUND',
      message: 'topic us.nowhere.v1 does not exist',
      violations: [],
    });
  });

  it('answers a PublishStream batch with one outcome per event, rejections inline', async () => {
    const call = client.publishStream();
    const done = collect(call, () => call.end());
    const event = {
      topic: 'us.cargo-manifests.v1',
      key: 'm-1',
      payloadFormat: PayloadFormat.AVRO_CONFLUENT,
      schemaId: 0,
    };
    call.write({
      sequence: '5',
      events: [
        { ...event, payload: framed },
        { ...event, payload: Buffer.alloc(0) },
      ],
    });
    const { messages, status: final } = await done;
    expect(final.code).toBe(status.OK);
    expect(messages).toHaveLength(1);
    const [accepted, rejected] = messages[0]?.outcomes ?? [];
    expect(messages[0]?.sequence).toBe('5');
    expect(accepted?.outcome?.$case).toBe('accepted');
    expect(rejected?.outcome?.$case).toBe('rejected');
    if (rejected?.outcome?.$case !== 'rejected') return;
    expect(rejected.outcome.value.code).toBe(status.INVALID_ARGUMENT);
    expect(errorReasonOf(fromRpcStatus(rejected.outcome.value))).toBe(ErrorReason.PAYLOAD_UNDECODABLE);
  });

  it('runs the Subscribe exchange: start, started, deliveries, ack, committed, clean end', async () => {
    const call = client.subscribe();
    const done = collect<SubscribeRequest, SubscribeResponse>(call, (message) => {
      const kind = message.kind;
      if (kind?.$case === 'deliveries') {
        const last = kind.value.deliveries.at(-1);
        if (last) call.write({ kind: { $case: 'ack', value: { cursors: [last.cursor] } } });
      } else if (kind?.$case === 'caughtUp') {
        call.end(); // half-close: the gateway commits and finishes with OK
      }
    });
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: 'mx-fgr-main',
          feeds: ['us-to-mx/us.investigations.v1'],
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition: StartPosition.UNSPECIFIED,
          maxUnacked: 500,
          maxBatchSize: 0,
          purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
        },
      },
    });
    const { messages, status: final } = await done;
    expect(final.code).toBe(status.OK);
    expect(messages.map((m) => m.kind?.$case)).toEqual(['started', 'deliveries', 'committed', 'caughtUp']);
    const [started, deliveries, committed] = messages.map((m) => m.kind);
    expect(started?.$case === 'started' && started.value).toMatchObject({
      subscription: 'mx-fgr-main',
      maxUnacked: 100,
    });
    expect(deliveries?.$case === 'deliveries' && deliveries.value.deliveries[1]).toEqual(delivery(11));
    expect(committed?.$case === 'committed' && committed.value.cursors).toEqual(['c-12']);
  });

  it('ends a Subscribe stream that does not begin with start, with decodable details', async () => {
    const call = client.subscribe();
    const done = collect(call, () => undefined);
    call.write({ kind: { $case: 'ack', value: { cursors: ['c-1'] } } });
    const { status: final } = await done;
    expect(final.code).toBe(status.FAILED_PRECONDITION);
    const rpcStatus = rpcStatusFromError(final);
    expect(rpcStatus && errorReasonOf(fromRpcStatus(rpcStatus))).toBe(ErrorReason.PROTOCOL_VIOLATION);
  });

  it('keeps BadRequest field violations intact', () => {
    const rpcStatus = toRpcStatus(status.INVALID_ARGUMENT, 'payload does not match the schema', {
      errorInfo: errorInfo(ErrorReason.SCHEMA_REJECTED),
      badRequest: {
        fieldViolations: [{ field: 'parties[0].birthDate', description: 'expected timestamp-millis', reason: 'TYPE' }],
      },
    });
    expect(rpcStatus.details.map((d) => d.typeUrl)).toEqual([
      'type.googleapis.com/google.rpc.ErrorInfo',
      'type.googleapis.com/google.rpc.BadRequest',
    ]);
    const decoded = BadRequest.decode(rpcStatus.details[1]?.value ?? Buffer.alloc(0));
    expect(decoded.fieldViolations).toEqual([
      { field: 'parties[0].birthDate', description: 'expected timestamp-millis', reason: 'TYPE' },
    ]);
    expect(fromRpcStatus(rpcStatus).badRequest).toEqual(decoded);
    const failure = callFailureOf(
      toServiceErrorObject(status.INVALID_ARGUMENT, 'payload does not match the schema', fromRpcStatus(rpcStatus)),
    );
    expect(failure).toMatchObject({
      reason: 'SCHEMA_REJECTED',
      violations: ['parties[0].birthDate: expected timestamp-millis'],
    });
  });
});

/** One call of a proto-loader service definition through a plain grpc-js Client. */
function method(definition: ServiceDefinition, name: string): MethodDefinition<object, object> {
  const found = definition[name];
  if (!found) throw new Error(`no method ${name}`);
  return found;
}

describe('health and reflection', () => {
  it('answers grpc.health.v1.Health/Check for a listed service', async () => {
    const check = method(healthService, 'Check');
    const plain = new Client(address, credentials.createInsecure());
    const response = await new Promise<object | undefined>((resolve, reject) => {
      plain.makeUnaryRequest(
        check.path,
        check.requestSerialize,
        check.responseDeserialize,
        { service: SHARE_SERVICE_NAME },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
    });
    plain.close();
    expect(response).toEqual({ status: 'SERVING' });
  });

  it('lists the services and serves share.proto with its comments', async () => {
    const reflectionRoot = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '../proto');
    const definition = loadSync('grpc/reflection/v1/reflection.proto', {
      includeDirs: [reflectionRoot],
      keepCase: true,
    });
    const info = method(definition['grpc.reflection.v1.ServerReflection'] as ServiceDefinition, 'ServerReflectionInfo');
    const plain = new Client(address, credentials.createInsecure());
    const call = plain.makeBidiStreamRequest(info.path, info.requestSerialize, info.responseDeserialize);
    const responses: object[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (response: object) => {
        responses.push(response);
        if (responses.length === 2) call.end();
      });
      call.on('error', reject);
      call.on('end', resolve);
    });
    call.write({ list_services: '*' });
    call.write({ file_containing_symbol: SHARE_SERVICE_NAME });
    await done;
    plain.close();

    const [list, file] = responses as [
      { list_services_response?: { service: { name: string }[] } },
      { file_descriptor_response?: { file_descriptor_proto: Buffer[] } },
    ];
    expect(list.list_services_response?.service.map((s) => s.name).sort()).toEqual([
      'grpc.health.v1.Health',
      SHARE_SERVICE_NAME,
    ]);
    const files = Buffer.concat(file.file_descriptor_response?.file_descriptor_proto ?? []);
    expect(files.includes('puente/v1/share.proto')).toBe(true);
    expect(files.includes('Acknowledgement is cumulative')).toBe(true); // source info kept
  });
});
