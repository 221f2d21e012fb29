// The ledger queries over real gRPC on a real Kafka broker, against the real ledger store on
// PGlite and on PostgreSQL (openTestLedger: an isolated schema, dropped afterwards): WhoReceived
// names exactly the recipients, ListDisclosures pages the filtered entries, VerifyLedger finds the
// chain intact, then names the entry changed in SQL, judges a forged checkpoint and a rewritten
// head. Checkpoints go to a topic of this run's own (VerifyLedger judges every record of its
// checkpoint topic, and other tests on the broker publish their ledgers' checkpoints).
import { randomUUID } from 'node:crypto';

import { credentials, Metadata, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec } from '@puente/contracts';
import type { DisclosureInput } from '@puente/ledger';
import { makeDisclosure, openTestLedger, type TestLedger, type TestLedgerKind } from '@puente/ledger/testing';
import {
  DisclosureKind,
  ErrorReason,
  errorReasonOf,
  fromRpcStatus,
  OperatorServiceClient,
  OperatorServiceService,
  rpcStatusFromError,
  type ListDisclosuresRequest,
  type ListDisclosuresResponse,
  type VerifyLedgerRequest,
  type VerifyLedgerResponse,
  type WhoReceivedRequest,
  type WhoReceivedResponse,
} from '@puente/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { devGatewayParts } from '../dev/dev-wiring.js';
import { readDevTokens } from '../dev/dev-tokens.js';
import { createCursorStore } from '../subscribe/cursor-store.js';
import { startTestGateway, type TestGateway } from '../testing/test-gateway.js';
import { createOperatorService } from './operator-service.js';
import { publishCheckpoints, signedCheckpoint, testSigningKey } from './testing/checkpoints.js';

const codec = createCodec();
const dev = devGatewayParts(codec);
const tokens = readDevTokens();

const auth = (name: string) => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get(name) ?? ''}`);
  return metadata;
};

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

const call = <Req, Res>(method: Unary<Req, Res>, request: Req, who = 'dev-us-cbp-operator') =>
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
  return { code: error.code, message: error.details, reason: errorReasonOf(rpc ? fromRpcStatus(rpc) : {}) };
}

/** A disclosure of these events (UUIDs, as meta.eventId is) to one MX agency. */
function disclosure(
  n: number,
  eventIds: readonly string[],
  overrides: Partial<Pick<DisclosureInput, 'kind' | 'agreementId'>> & { agency?: string } = {},
): DisclosureInput {
  const base = makeDisclosure(n, { prefix: `q${n}`, events: eventIds.length, agencies: [overrides.agency ?? 'ANAM'] });
  return {
    ...base,
    disclosureId: randomUUID(),
    ...(overrides.kind ? { kind: overrides.kind } : {}),
    ...(overrides.agreementId ? { agreementId: overrides.agreementId } : {}),
    events: base.events.map((event, i) => ({ ...event, eventId: eventIds[i] ?? randomUUID() })),
  };
}

describe.each(['pglite', 'postgres'] as const)('ledger queries over gRPC, ledger on %s', (kind: TestLedgerKind) => {
  const key = testSigningKey('us-audit-test-1');
  const forger = testSigningKey('us-audit-test-1');
  const checkpointTopic = `test.us-checkpoints.${randomUUID().slice(0, 8)}`;
  const [eventA, eventB, eventC] = [randomUUID(), randomUUID(), randomUUID()];
  let bus: KafkaBus;
  let ledger: TestLedger;
  let server: Server;
  let operator: OperatorServiceClient;
  let gateway: TestGateway;
  let total: number;

  const verify = (request: VerifyLedgerRequest) =>
    call<VerifyLedgerRequest, VerifyLedgerResponse>(operator.verifyLedger.bind(operator), request);
  const whoReceived = (eventId: string, client = operator) =>
    call<WhoReceivedRequest, WhoReceivedResponse>(client.whoReceived.bind(client), { eventId });
  const list = (request: Partial<ListDisclosuresRequest>) =>
    call<ListDisclosuresRequest, ListDisclosuresResponse>(operator.listDisclosures.bind(operator), {
      agreementId: '',
      recipientCountry: '',
      recipientAgency: '',
      limit: 0,
      pageToken: '',
      ...request,
    });

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: `ledger-queries-${kind}` });
    await bus.start();
    await bus.admin.ensureTopics([{ topic: checkpointTopic, partitions: 1 }]);
    ledger = await openTestLedger(kind, 'US');
    const fillers = Array.from({ length: 12 }, (_, i) =>
      disclosure(10 + i, [randomUUID(), randomUUID(), randomUUID()], { agency: i % 2 === 0 ? 'ANAM' : 'SAT' }),
    );
    const appended = await ledger.append(
      [
        disclosure(1, [eventA, eventB], { agency: 'SAT' }),
        ...fillers.slice(0, 6),
        disclosure(2, [eventC, eventA], { agency: 'ANAM', agreementId: 'us-to-mx-fgr' }),
        ...fillers.slice(6),
        disclosure(3, [eventA], { agency: 'ANAM', kind: 'RETRACTION' }),
      ],
      [],
    );
    total = appended.entryCount;

    server = new Server();
    server.addService(
      OperatorServiceService,
      createOperatorService({
        authenticator: dev.authenticator,
        bus,
        codec,
        policies: () => dev.policies,
        cursors: createCursorStore(bus),
        viewSchemaId: (policy) => codec.catalog.latest(policy.viewSubject).id,
        ledgers: { US: ledger },
        checkpointKeys: { US: new Map([[key.keyId, key.publicKey]]) },
        checkpointTopic: () => checkpointTopic,
      }),
    );
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    operator = new OperatorServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    // The whole gateway, as createGateway wires the ledgers into its OperatorService.
    gateway = await startTestGateway({ bus, codec, partitions: 1, ledgers: { US: ledger } });
  });

  afterAll(async () => {
    operator?.close();
    await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
    await gateway?.stop();
    await bus?.admin.deleteTopics([checkpointTopic]).catch(() => undefined);
    await bus?.stop();
    await ledger?.close();
  });

  it('names exactly the recipients of an event, with what each received', async () => {
    const a = await whoReceived(eventA);
    expect(a.receipts.map((r) => [r.recipientCountry, r.recipientAgency, r.agreementId, r.kind])).toEqual([
      ['MX', 'SAT', 'us-mx-cargo', DisclosureKind.DELIVERY],
      ['MX', 'ANAM', 'us-to-mx-fgr', DisclosureKind.DELIVERY],
      ['MX', 'ANAM', 'us-mx-cargo', DisclosureKind.RETRACTION],
    ]);
    expect(a.receipts.every((r) => r.eventId === eventA && r.fieldsReleased.length === 40)).toBe(true);
    expect(a.receipts[0]?.fieldsTransformed.map((t) => [t.path, t.action])).toEqual([
      ['shipper.name', 'HASH'],
      ['consignee.name', 'MASK'],
    ]);
    expect(a.receipts[0]?.digest).toHaveLength(32);
    expect((await whoReceived(eventB)).receipts.map((r) => r.recipientAgency)).toEqual(['SAT']);
    expect((await whoReceived(randomUUID())).receipts).toEqual([]);
    // The same answer through the whole gateway.
    const client = new OperatorServiceClient(gateway.address, credentials.createInsecure());
    try {
      expect((await whoReceived(eventC, client)).receipts.map((r) => r.recipientAgency)).toEqual(['ANAM']);
      const mx = await refusal(
        call<WhoReceivedRequest, WhoReceivedResponse>(
          client.whoReceived.bind(client),
          { eventId: eventC },
          'dev-mx-anam-operator',
        ),
      );
      expect(mx).toMatchObject({ code: status.FAILED_PRECONDITION, reason: ErrorReason.LEDGER_UNAVAILABLE });
    } finally {
      client.close();
    }
  });

  it('pages through the disclosures a filter selects, each entry once', async () => {
    const everything = await list({ limit: 1_000 });
    expect(everything.receipts.map((r) => r.entry)).toEqual(Array.from({ length: total }, (_, i) => String(i + 1)));
    const anam = everything.receipts.filter((r) => r.recipientAgency === 'ANAM' && r.agreementId === 'us-mx-cargo');
    const paged: string[] = [];
    let pageToken = '';
    do {
      const page = await list({
        agreementId: 'us-mx-cargo',
        recipientCountry: 'MX',
        recipientAgency: 'ANAM',
        limit: 4,
        pageToken,
      });
      expect(page.receipts.length).toBeLessThanOrEqual(4);
      paged.push(...page.receipts.map((r) => r.entry));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    expect(paged).toEqual(anam.map((r) => r.entry));
    const stolen = await refusal(
      list({ agreementId: 'us-to-mx-fgr', pageToken: (await list({ limit: 2 })).nextPageToken }),
    );
    expect(stolen).toMatchObject({ code: status.INVALID_ARGUMENT, reason: ErrorReason.REQUEST_INVALID });
  });

  it('verifies the chain and every checkpoint, naming a changed entry, a forged signature and a rewritten head', async () => {
    const headOf = async (n: number) => (await ledger.entry(n))!.hash;
    const good = signedCheckpoint({ country: 'US', entryCount: total, headHash: await headOf(total), key });
    const early = signedCheckpoint({ country: 'US', entryCount: 5, headHash: await headOf(5), key });
    await publishCheckpoints({ bus, codec, country: 'US', topic: checkpointTopic }, [early, good]);

    const intact = await verify({ fromCheckpointId: '' });
    expect(intact).toMatchObject({
      country: 'US',
      intact: true,
      entryCount: String(total),
      entriesChecked: String(total),
      firstBadEntry: '0',
      problem: '',
    });
    expect(intact.headHash.equals(await headOf(total))).toBe(true);
    expect(intact.checkpoints.map((c) => [c.checkpointId, c.valid])).toEqual([
      [early.checkpointId, true],
      [good.checkpointId, true],
    ]);
    const fromEarly = await verify({ fromCheckpointId: early.checkpointId });
    expect(fromEarly).toMatchObject({ intact: true, entriesChecked: String(total - 5) });
    const missing = await refusal(verify({ fromCheckpointId: randomUUID() }));
    expect(missing).toMatchObject({ code: status.NOT_FOUND, reason: ErrorReason.CHECKPOINT_NOT_FOUND });

    // A checkpoint of the same head signed by another key under the ledger's key id.
    const forged = signedCheckpoint({
      country: 'US',
      entryCount: total,
      headHash: await headOf(total),
      key,
      signWith: forger,
    });
    await publishCheckpoints({ bus, codec, country: 'US', topic: checkpointTopic }, [forged]);
    const withForgery = await verify({ fromCheckpointId: '' });
    expect(withForgery).toMatchObject({ intact: false, firstBadEntry: '0' });
    expect(withForgery.checkpoints.map((c) => [c.checkpointId, c.valid, c.problem])).toEqual([
      [early.checkpointId, true, ''],
      [good.checkpointId, true, ''],
      [forged.checkpointId, false, 'signature does not verify with key us-audit-test-1'],
    ]);

    // One entry changed in the database: verify names exactly it.
    const tampered = 9;
    await ledger.sql.query(`UPDATE ${ledger.schema}.entries SET entity_id = 'manifest-rewritten' WHERE entry_no = $1`, [
      tampered,
    ]);
    const broken = await verify({ fromCheckpointId: '' });
    expect(broken).toMatchObject({ intact: false, firstBadEntry: String(tampered) });
    expect(broken.problem).toMatch(new RegExp(`^entry ${tampered}: `));

    // The early checkpoint's head entry rewritten: the checkpoint no longer holds, and verifying
    // from it fails at that entry.
    await ledger.sql.query(`UPDATE ${ledger.schema}.entries SET hash = $1 WHERE entry_no = 5`, [Buffer.alloc(32, 7)]);
    const rewritten = await verify({ fromCheckpointId: early.checkpointId });
    expect(rewritten).toMatchObject({ intact: false, firstBadEntry: '5' });
    expect(rewritten.checkpoints[0]).toMatchObject({
      checkpointId: early.checkpointId,
      valid: false,
      problem: 'head differs from entry 5',
    });
  });
});
