// The gateway process (main.ts) with DATABASE_URL: it opens both countries' ledgers in that
// PostgreSQL database (a database of this run's own, dropped afterwards) and the checkpoint keys
// of PUENTE_AUDIT_PUBLIC_KEYS_FILE, and answers operators' ledger queries from them; a database
// it cannot reach stops the start with one clear line.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec } from '@puente/contracts';
import { type OpenedLedger, openLedger, rawPublicKey } from '@puente/ledger';
import { makeDisclosure, openTestLedger, testDatabaseUrl, type TestLedger } from '@puente/ledger/testing';
import {
  OperatorServiceClient,
  type VerifyLedgerRequest,
  type VerifyLedgerResponse,
  type WhoReceivedRequest,
  type WhoReceivedResponse,
} from '@puente/proto';
import { freePort, waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readDevTokens } from './dev/dev-tokens.js';
import { publishCheckpoints, signedCheckpoint, testSigningKey } from './operator/testing/checkpoints.js';
import { GATEWAY_PROCESS_ARGS, GATEWAY_PROCESS_DIR, testGatewayEnv } from './testing/gateway-process.js';

const codec = createCodec();
const tokens = readDevTokens();

interface Running {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<number | null>;
}

function startGateway(port: number, env: Record<string, string>): Running {
  const child = spawn(process.execPath, GATEWAY_PROCESS_ARGS, {
    cwd: GATEWAY_PROCESS_DIR,
    env: {
      PATH: process.env['PATH'],
      ...testGatewayEnv(port, { PUENTE_ENSURE_TOPICS_PARTITIONS: '1', PUENTE_SHUTDOWN_GRACE_MS: '1000', ...env }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

const call = <Req, Res>(
  method: (req: Req, md: Metadata, cb: (error: ServiceError | null, res: Res) => void) => unknown,
  request: Req,
  who: string,
) =>
  new Promise<Res>((resolve, reject) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${tokens.get(who) ?? ''}`);
    method(request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
  });

describe('the gateway process with DATABASE_URL', () => {
  const database = `puente_gateway_${randomBytes(5).toString('hex')}`;
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  const dir = mkdtempSync(join(tmpdir(), 'gateway-ledger-'));
  const key = testSigningKey('us-audit-process-1');
  const running: Running[] = [];
  let admin: TestLedger;
  let writer: OpenedLedger;

  beforeAll(async () => {
    // A connection to the test server, to make and drop this run's database.
    admin = await openTestLedger('postgres', 'US');
    await admin.sql.query(`CREATE DATABASE ${database}`);
    writer = await openLedger({ country: 'US', databaseUrl });
    writeFileSync(
      join(dir, 'keys.json'),
      JSON.stringify({ US: { [key.keyId]: rawPublicKey(key.publicKey).toString('base64') } }),
    );
  });

  afterAll(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await writer?.close();
    await admin?.sql.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the ledger queries from the ledgers at DATABASE_URL, judging checkpoints with the keys file', async () => {
    const eventId = randomUUID();
    const base = makeDisclosure(0, { prefix: 'process' });
    const [event] = base.events;
    await writer.append(
      ['SAT', 'ANAM'].map((agency) => ({
        ...base,
        disclosureId: randomUUID(),
        recipient: { ...base.recipient, agency },
        events: [{ ...event!, eventId }],
      })),
      [],
    );
    const port = await freePort();
    const gateway = startGateway(port, {
      DATABASE_URL: databaseUrl,
      PUENTE_AUDIT_PUBLIC_KEYS_FILE: join(dir, 'keys.json'),
    });
    running.push(gateway);
    await waitFor(
      () => gateway.output.join('').includes('gateway ready') || gateway.child.exitCode !== null,
      90_000,
      'the gateway to start',
    );
    expect(gateway.child.exitCode, gateway.output.join('')).toBeNull();
    expect(gateway.output.join('')).toContain('"ledgers":["US","MX"]');

    // The gateway created the checkpoint topics at start; this run's checkpoint is judged by id.
    const bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'ledger-process-test' });
    await bus.start();
    const head = await writer.head();
    const checkpoint = signedCheckpoint({ country: 'US', entryCount: head.entryCount, headHash: head.headHash!, key });
    try {
      await publishCheckpoints({ bus, codec, country: 'US' }, [checkpoint]);
    } finally {
      await bus.stop();
    }

    const client = new OperatorServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const received = await call<WhoReceivedRequest, WhoReceivedResponse>(
        client.whoReceived.bind(client),
        { eventId },
        'dev-us-cbp-operator',
      );
      expect(received.receipts.map((r) => r.recipientAgency)).toEqual(['SAT', 'ANAM']);
      const verified = await call<VerifyLedgerRequest, VerifyLedgerResponse>(
        client.verifyLedger.bind(client),
        { fromCheckpointId: checkpoint.checkpointId },
        'dev-us-cbp-operator',
      );
      expect(verified).toMatchObject({ country: 'US', entryCount: '2', firstBadEntry: '0' });
      expect(verified.checkpoints.find((c) => c.checkpointId === checkpoint.checkpointId)).toMatchObject({
        valid: true,
        problem: '',
      });
      // MX's ledger in the same database: empty, and never US's entries.
      const mx = await call<VerifyLedgerRequest, VerifyLedgerResponse>(
        client.verifyLedger.bind(client),
        { fromCheckpointId: '' },
        'dev-mx-anam-operator',
      );
      expect(mx).toMatchObject({ country: 'MX', entryCount: '0', firstBadEntry: '0' });
    } finally {
      client.close();
    }
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });

  it('does not start when the ledger database cannot be reached, and says why', async () => {
    const gateway = startGateway(await freePort(), { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    running.push(gateway);
    expect(await gateway.exited).toBe(1);
    expect(gateway.output.join('')).toMatch(
      /gateway failed to start: the US disclosure ledger at DATABASE_URL could not be opened \(.*ECONNREFUSED.*\)/,
    );
  });
});
