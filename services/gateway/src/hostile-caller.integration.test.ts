// A hostile caller cannot hurt the gateway: random bytes and random well-formed but wrong
// messages go to every RPC of both services over a real socket, on a real broker. Every call must
// end with a status the gateway chose (never UNKNOWN, never an INTERNAL of its own), the gateway
// must keep serving, and its heap must come back to where it was once the callers are gone.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  OperatorServiceService,
  PayloadFormat,
  PublishRequest,
  PublishStreamRequest,
  ShareServiceService,
  SubscribeRequest,
  ListFeedsRequest,
  ListTopicsRequest,
  DescribeTopicRequest,
  BrowseRecordsRequest,
  GetSubscriptionLagRequest,
  ExplainPolicyRequest,
  VerifyLedgerRequest,
  WhoReceivedRequest,
  ListDisclosuresRequest,
  ListAgreementsRequest,
} from '@puente/proto';
import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { testKafkaBrokers } from '@puente/bus/testing';
import { devCheckpointPublicKeys } from '@puente/ledger';
import { makeDisclosures, openTestLedger, type TestLedger } from '@puente/ledger/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestGateway, type TestGateway } from './testing/index.js';
import { readDevTokens } from './dev/dev-tokens.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const root = fileURLToPath(new URL('../../../', import.meta.url));
const codec = createCodec();
const tokens = readDevTokens();

/** Every method of both services, as grpc-js describes them: path, and whether each side streams. */
interface Method {
  readonly name: string;
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}
const methods: Method[] = [ShareServiceService, OperatorServiceService].flatMap((service) =>
  Object.entries(service).map(([name, definition]) => ({
    name,
    path: definition.path,
    requestStream: definition.requestStream,
    responseStream: definition.responseStream,
  })),
);

/** grpc-js's own refusal of a message that is not protobuf: the gateway's handlers never see it. */
const DESERIALIZE_FAILURE = /^Error deserializing request/;

const CALL_DEADLINE_MS = 5_000;
/** How long a stream that the gateway keeps open (a valid Subscribe) is held before cancelling. */
const OPEN_STREAM_HOLD_MS = 150;

interface Outcome {
  readonly code: status;
  readonly details: string;
}

const topics = codec.topics();
const feeds = ['us-to-mx/us.cargo-manifests.v1', 'us-to-mx/us.investigations.v1', 'mx-to-us/mx.cargo-manifests.v1'];
const exampleFiles = [
  'cargo-manifests/us-northbound-laredo.json',
  'investigations/us-hsi-case-opened.json',
  'prosecutions/us-extradition-requested.json',
  'screening-results/us-traveller-potential-match.json',
];
const examples = exampleFiles.map((file) => {
  const { topic, value } = JSON.parse(readFileSync(`${root}schemas/examples/${file}`, 'utf8')) as {
    topic: string;
    value: unknown;
  };
  const decoded = codec.fromFriendlyJson(topic, value);
  return { topic, value: decoded, bytes: codec.encode(topic, decoded) };
});

// ---------- arbitraries: well-formed messages with wrong, odd or hostile content ----------

const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '..',
    'us.',
    '*',
    '\u0000',
    'a'.repeat(5_000),
    '../../etc/passwd',
    'dlq.us.cargo-manifests.v1',
  ),
);
const topicName = fc.oneof(
  { arbitrary: fc.constantFrom(...topics, 'audit.disclosures.v1', 'puente.subscription-cursors'), weight: 3 },
  { arbitrary: anyText, weight: 1 },
);
const formatNumber = fc.integer({ min: -1, max: 4 });
const int64Text = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  fc.constantFrom('0', '-1', '9223372036854775807'),
);

/** A valid event's bytes with a few bytes overwritten, cut short, or extended. */
const mutatedAvro = fc
  .tuple(
    fc.constantFrom(...examples),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([example, edits, cut]) => {
    const bytes = Buffer.from(example.bytes);
    for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
    return cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
  });
/** A valid event as JSON with one value replaced by something of another shape. */
const mutatedJson = fc
  .tuple(fc.constantFrom(...examples), fc.jsonValue({ maxDepth: 2 }), fc.nat())
  .map(([example, replacement, pick]) => {
    const value = { ...(example.value as Record<string, unknown>) };
    const keys = Object.keys(value);
    const key = keys[pick % keys.length] ?? 'meta';
    value[key] = replacement;
    return Buffer.from(JSON.stringify(value));
  });
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  mutatedAvro,
  mutatedJson,
  fc.constantFrom(...examples).map((example) => example.bytes),
);

const publishRequest = fc.record({
  topic: topicName,
  key: anyText,
  payloadFormat: formatNumber,
  payload,
  schemaId: fc.integer(),
});

const subscribeMessages = fc.array(
  fc.oneof(
    fc
      .record({
        subscription: fc.oneof(fc.constant(`fuzz-${randomUUID().slice(0, 8)}`), anyText),
        feeds: fc.array(fc.oneof(fc.constantFrom(...feeds), anyText), { maxLength: 4 }),
        payloadFormat: formatNumber,
        startPosition: fc.integer({ min: -1, max: 3 }),
        maxUnacked: fc.oneof(fc.constant(0), fc.nat(), fc.constant(4_294_967_295)),
        maxBatchSize: fc.oneof(fc.constant(0), fc.nat(), fc.constant(4_294_967_295)),
        purposes: fc.array(fc.oneof(fc.constantFrom('CUSTOMS', 'BORDER_SECURITY'), anyText), { maxLength: 3 }),
      })
      .map((value) => SubscribeRequest.encode({ kind: { $case: 'start', value } }).finish()),
    fc
      .array(anyText, { maxLength: 5 })
      .map((cursors) => SubscribeRequest.encode({ kind: { $case: 'ack', value: { cursors } } }).finish()),
  ),
  { minLength: 1, maxLength: 4 },
);

const party = fc.record({ country: fc.oneof(fc.constantFrom('US', 'MX', 'CA'), anyText), agency: anyText });
const timestamp = fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true });

/** For each method, messages that parse as its request type but ask for wrong or odd things. */
const wellFormed: Record<string, fc.Arbitrary<Uint8Array[]>> = {
  publish: publishRequest.map((request) => [PublishRequest.encode(request).finish()]),
  publishStream: fc
    .array(
      fc.record({
        sequence: int64Text.map((s) => s.replace('-', '')),
        events: fc.array(publishRequest, { maxLength: 6 }),
      }),
      { minLength: 1, maxLength: 3 },
    )
    .map((requests) => requests.map((request) => PublishStreamRequest.encode(request).finish())),
  subscribe: subscribeMessages,
  listFeeds: topicName.map((topic) => [ListFeedsRequest.encode({ topic }).finish()]),
  listTopics: anyText.map((prefix) => [ListTopicsRequest.encode({ prefix }).finish()]),
  describeTopic: fc
    .record({ topic: topicName, viewAgreementId: fc.oneof(fc.constantFrom('', 'us-to-mx', 'mx-to-us'), anyText) })
    .map((request) => [DescribeTopicRequest.encode(request).finish()]),
  browseRecords: fc
    .record({
      topic: topicName,
      selector: fc.option(
        fc.oneof(
          fc.record({
            $case: fc.constant('offsets' as const),
            value: fc.record({
              partition: fc.integer(),
              startOffset: fc.option(int64Text, { nil: undefined }),
              endOffset: fc.option(int64Text, { nil: undefined }),
            }),
          }),
          fc.record({
            $case: fc.constant('times' as const),
            value: fc.record({ startTime: timestamp, endTime: timestamp }),
          }),
          fc.record({ $case: fc.constant('key' as const), value: anyText }),
          fc.record({ $case: fc.constant('eventId' as const), value: anyText }),
        ),
        { nil: undefined },
      ),
      limit: fc.oneof(fc.nat(), fc.constant(4_294_967_295)),
      payloadFormat: formatNumber,
      viewAgreementId: fc.oneof(fc.constantFrom('', 'us-to-mx', 'mx-to-us'), anyText),
      pageToken: fc.oneof(anyText, fc.base64String({ maxLength: 80 })),
    })
    .map((request) => [BrowseRecordsRequest.encode(request).finish()]),
  getSubscriptionLag: fc
    .record({
      subscriber: fc.option(party, { nil: undefined }),
      subscription: anyText,
      topic: topicName,
      consumerGroup: fc.oneof(fc.constant(''), anyText),
    })
    .map((request) => [GetSubscriptionLagRequest.encode(request).finish()]),
  explainPolicy: fc
    .record({
      topic: topicName,
      event: fc.option(
        fc.oneof(
          fc.record({
            $case: fc.constant('inline' as const),
            value: fc.record({ payloadFormat: formatNumber, payload, schemaId: fc.integer() }),
          }),
          fc.record({ $case: fc.constant('eventId' as const), value: anyText }),
        ),
        { nil: undefined },
      ),
      target: fc.option(
        fc.oneof(
          fc.record({ $case: fc.constant('agreementId' as const), value: anyText }),
          fc.record({ $case: fc.constant('partner' as const), value: party }),
        ),
        { nil: undefined },
      ),
      viewFormat: formatNumber,
      purposes: fc.array(fc.oneof(fc.constantFrom('CUSTOMS', 'PROSECUTION'), anyText), { maxLength: 3 }),
    })
    .map((request) => [ExplainPolicyRequest.encode(request).finish()]),
  verifyLedger: fc
    .record({ fromCheckpointId: fc.oneof(anyText, fc.uuid()) })
    .map((request) => [VerifyLedgerRequest.encode(request).finish()]),
  whoReceived: fc
    .record({ eventId: fc.oneof(anyText, fc.uuid()) })
    .map((request) => [WhoReceivedRequest.encode(request).finish()]),
  listDisclosures: fc
    .record({
      agreementId: fc.oneof(fc.constantFrom('', 'us-to-mx'), anyText),
      recipientCountry: fc.oneof(fc.constantFrom('', 'US', 'MX'), anyText),
      recipientAgency: fc.oneof(fc.constantFrom('', 'ANAM'), anyText),
      times: fc.option(fc.record({ startTime: timestamp, endTime: timestamp }), { nil: undefined }),
      limit: fc.oneof(fc.nat(), fc.constant(4_294_967_295)),
      pageToken: fc.oneof(anyText, fc.base64String({ maxLength: 80 })),
    })
    .map((request) => [ListDisclosuresRequest.encode(request).finish()]),
  listAgreements: fc
    .record({
      topic: fc.oneof(fc.constant(''), topicName),
      recipientCountry: fc.oneof(fc.constantFrom('', 'US', 'MX', 'us', 'CA'), anyText),
    })
    .map((request) => [ListAgreementsRequest.encode(request).finish()]),
};

const randomBytes = fc.array(
  fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
  { minLength: 1, maxLength: 3 },
);
/** Who calls: nobody, a forged or malformed credential, or a development token of any role. */
const anyCaller = fc.constantFrom(
  null,
  'forged.token.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'Basic dXNlcjpwYXNz',
  ...[...tokens.values()],
);
const tokensOfRole = (role: string) => [...tokens].filter(([name]) => name.endsWith(`-${role}`)).map(([, t]) => t);
const roleOf: Record<string, string> = {
  publish: 'publisher',
  publishStream: 'publisher',
  subscribe: 'subscriber',
  listFeeds: 'subscriber',
};
/** Mostly a caller of the method's own role, so that most calls get past authentication. */
const callerFor = (method: Method): fc.Arbitrary<string | null> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...tokensOfRole(roleOf[method.name] ?? 'operator')), weight: 4 },
    { arbitrary: anyCaller, weight: 1 },
  );

// ---------- calling any method with raw bytes ----------

const identity = (value: Buffer): Buffer => value;

/** Sends raw request messages to a method and resolves with the status the call ended with. */
function call(client: Client, method: Method, messages: readonly Uint8Array[], token: string | null): Promise<Outcome> {
  const metadata = new Metadata();
  if (token) metadata.set('authorization', token.startsWith('Basic ') ? token : `Bearer ${token}`);
  const deadline = Date.now() + CALL_DEADLINE_MS;
  const first = Buffer.from(messages[0] ?? new Uint8Array());
  return new Promise<Outcome>((resolve) => {
    const done = (error: ServiceError | null) =>
      resolve(error ? { code: error.code, details: error.details } : { code: status.OK, details: '' });
    if (!method.requestStream && !method.responseStream) {
      client.makeUnaryRequest(method.path, identity, identity, first, metadata, { deadline }, (error) => done(error));
      return;
    }
    const stream = client.makeBidiStreamRequest(method.path, identity, identity, metadata, { deadline });
    let hold: NodeJS.Timeout | undefined;
    stream.on('data', () => {
      // A stream the gateway keeps open (a valid subscription) is held briefly, then cancelled.
      hold ??= setTimeout(() => stream.cancel(), OPEN_STREAM_HOLD_MS);
    });
    stream.on('error', () => undefined);
    stream.on('status', (end: { code: status; details: string }) => {
      clearTimeout(hold);
      resolve({ code: end.code, details: end.details });
    });
    for (const message of messages) stream.write(Buffer.from(message));
    if (method.name === 'subscribe') hold ??= setTimeout(() => stream.cancel(), OPEN_STREAM_HOLD_MS * 4);
    else stream.end();
  });
}

/** Whether a status is one the gateway chose for the call, not a failure of its own. */
function acceptable(outcome: Outcome): boolean {
  if (outcome.code === status.UNKNOWN) return false;
  if (outcome.code === status.INTERNAL) return DESERIALIZE_FAILURE.test(outcome.details);
  return true;
}

describe('a hostile caller', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  let ledger: TestLedger;
  let address: string;
  const seen = new Map<string, number>();
  const unacceptable: string[] = [];
  let calls = 0;

  const fuzz = async (client: Client, messages: (method: Method) => fc.Arbitrary<Uint8Array[]>, runs: number) => {
    for (const method of methods) {
      await fc.assert(
        fc.asyncProperty(messages(method), callerFor(method), async (batch, token) => {
          const outcome = await call(client, method, batch, token);
          calls += 1;
          const label = `${method.name} ${status[outcome.code]}`;
          seen.set(label, (seen.get(label) ?? 0) + 1);
          if (!acceptable(outcome)) unacceptable.push(`${label}: ${outcome.details}`);
          return acceptable(outcome);
        }),
        { numRuns: runs, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false },
      );
    }
  };

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'gateway-fuzz', heartbeatIntervalMs: 500 });
    await bus.start();
    // The ledger queries answer from a real ledger (PGlite) holding a few disclosures.
    ledger = await openTestLedger('pglite', 'US');
    await ledger.append(makeDisclosures(3, { events: 4, country: 'US' }), []);
    gateway = await startTestGateway({
      bus,
      codec,
      limits: { maxPayloadBytes: 64 * 1024 },
      ledgers: { US: ledger },
      checkpointKeys: devCheckpointPublicKeys(),
    });
    address = gateway.address;
  });

  afterAll(async () => {
    await gateway?.stop(1_000);
    await ledger?.close();
    await bus?.stop();
  });

  it('gets a status for every call, leaves the gateway serving and its heap where it was', async () => {
    // Every RPC of both services has well-formed requests to be fuzzed with, and nothing else does.
    expect(Object.keys(wellFormed).sort()).toEqual(methods.map((m) => m.name).sort());
    // Warm up once with each kind of input, so caches, compiled code and connections that a
    // gateway keeps for good are there before the heap is measured.
    const warmUp = new Client(address, credentials.createInsecure());
    await fuzz(warmUp, () => randomBytes, 5);
    await fuzz(warmUp, (method) => wellFormed[method.name]!, 5);
    warmUp.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    gc();
    gc();
    const before = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };

    const client = new Client(address, credentials.createInsecure());
    await fuzz(client, () => randomBytes, 80);
    await fuzz(client, (method) => wellFormed[method.name]!, 250);
    client.close();

    // Streams the gateway held are released once their calls end; give it a moment, then collect.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    gc();
    gc();
    const after = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      `[fuzz] ${calls} calls to ${methods.length} RPCs; statuses: ${[...seen]
        .sort()
        .map(([label, n]) => `${label}=${n}`)
        .join(
          ', ',
        )}; heap ${mib(before.heap)} → ${mib(after.heap)} MiB, rss ${mib(before.rss)} → ${mib(after.rss)} MiB`,
    );

    expect(unacceptable).toEqual([]);
    // Every method was reached by the handlers, not only refused by grpc-js's parser.
    for (const method of methods) {
      const handled = [...seen].some(([label]) => label.startsWith(`${method.name} `) && !label.endsWith(' INTERNAL'));
      expect(handled, method.name).toBe(true);
    }
    // The heap the fuzzing grew is given back: what stays is bounded, not proportional to the calls.
    expect(after.heap - before.heap).toBeLessThan(16 * 1024 * 1024);

    // The gateway still does its job: a valid event is published and acknowledged.
    const example = examples[0]!;
    const event = example.value as { meta: Record<string, unknown> };
    const value = { ...event, meta: { ...event.meta, eventId: randomUUID() } };
    const check = new Client(address, credentials.createInsecure());
    const publish = methods.find((m) => m.name === 'publish')!;
    const ok = await call(
      check,
      publish,
      [
        PublishRequest.encode({
          topic: example.topic,
          key: '',
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          payload: codec.encode(example.topic, value),
          schemaId: 0,
        }).finish(),
      ],
      tokens.get('dev-us-cbp-publisher') ?? null,
    );
    check.close();
    expect(ok).toEqual({ code: status.OK, details: '' });
  });
});
