// `puente schemas check` on its negative answers: a stale lock in a scratch copy of schemas/, and
// a gateway whose topics name schema ids the local catalog does not have (a canned ListTopics
// answer; the live comparison is in cli.integration.test.ts).
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createCodec } from '@puente/contracts';
import { type ListTopicsResponse, TopicAccess, TopicKind } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import { ExitCode } from '../exit-codes.js';
import type { GatewayClients } from '../gateway/clients.js';
import { runPuente } from '../testing/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const codec = createCodec();

function gatewayAnswering(response: ListTopicsResponse): () => GatewayClients {
  const operator = {
    listTopics: (
      _request: unknown,
      _metadata: unknown,
      _options: unknown,
      callback: (e: null, r: ListTopicsResponse) => void,
    ) => callback(null, response),
  };
  return () => ({ operator, share: {}, close: () => undefined }) as unknown as GatewayClients;
}

const topic = (latestSchemaId: number, valueSubject = `${TOPIC}-value`) => ({
  name: TOPIC,
  kind: TopicKind.EVENTS,
  originCountry: 'US',
  domain: 'cargo-manifests',
  access: TopicAccess.RAW,
  viewAgreementId: '',
  partitionCount: 3,
  approximateRecordCount: '0',
  valueSubject,
  latestSchemaId,
});

describe('schemas check', () => {
  it('fails (exit 1) on a lock that is not current, saying what to run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'puente-schemas-'));
    cpSync(`${root}schemas`, dir, { recursive: true });
    const lockFile = join(dir, 'catalog.lock.json');
    const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
    delete lock.subjects[`${TOPIC}-value`];
    writeFileSync(lockFile, JSON.stringify(lock));
    const run = await runPuente(['schemas', 'check', '--schemas', dir, '--json']);
    expect(run.code).toBe(ExitCode.NEGATIVE);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ok: false, lock: { ok: false }, gateway: null });
    expect(report.lock.errors.join('\n')).toContain('pnpm schemas:generate');
  });

  it("compares a configured gateway's subjects and ids with the local catalog", async () => {
    const env = { PUENTE_ADDRESS: 'gateway.test:50051' };
    const same = await runPuente(['schemas', 'check'], {
      env,
      connect: gatewayAnswering({ topics: [topic(codec.schemaIdOf(TOPIC))] }),
    });
    expect(same.code).toBe(ExitCode.OK);
    expect(same.stdout).toContain('gateway gateway.test:50051: 1 topic(s) match the local catalog');

    const other = await runPuente(['schemas', 'check', '--json'], {
      env,
      connect: gatewayAnswering({ topics: [topic(9999), topic(7, 'us.unknown-subject-value')] }),
    });
    expect(other.code).toBe(ExitCode.NEGATIVE);
    expect(JSON.parse(other.stdout).gateway.mismatches).toEqual([
      { topic: TOPIC, subject: `${TOPIC}-value`, gateway: 9999, local: codec.schemaIdOf(TOPIC) },
      { topic: TOPIC, subject: 'us.unknown-subject-value', gateway: 7, local: null },
    ]);
    const table = await runPuente(['schemas', 'check', '--lang', 'es'], {
      env,
      connect: gatewayAnswering({ topics: [topic(9999)] }),
    });
    expect(table.stderr).toContain(`${TOPIC}: id de esquema 9999 en la pasarela`);
  });

  it('names a folder that does not exist as a usage error (exit 2), not a raw ENOENT', async () => {
    const missing = join(tmpdir(), 'puente-no-such-schemas');
    const run = await runPuente(['schemas', 'check', '--schemas', missing]);
    expect(run.code).toBe(ExitCode.USAGE);
    expect(run.stderr).toBe(`error: USAGE: cannot read folder ${missing} (--schemas): no such file\n`);
    const policies = await runPuente(['schemas', 'check', '--policies', `${root}README.md`, '--lang', 'es']);
    expect(policies.code).toBe(ExitCode.USAGE);
    expect(policies.stderr).toContain('(--policies): no es una carpeta');
  });

  it('compares the gateway with the lock of the folder checked, not the catalog built into the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'puente-schemas-'));
    cpSync(`${root}schemas`, dir, { recursive: true });
    const lockFile = join(dir, 'catalog.lock.json');
    const lock = JSON.parse(readFileSync(lockFile, 'utf8'));
    lock.subjects[`${TOPIC}-value`].versions.at(-1).id = 4242;
    writeFileSync(lockFile, JSON.stringify(lock));
    const run = await runPuente(['schemas', 'check', '--schemas', dir, '--json'], {
      env: { PUENTE_ADDRESS: 'gateway.test:50051' },
      connect: gatewayAnswering({ topics: [topic(4242)] }),
    });
    expect(JSON.parse(run.stdout).gateway).toEqual({ address: 'gateway.test:50051', topics: 1, mismatches: [] });
  });
});
