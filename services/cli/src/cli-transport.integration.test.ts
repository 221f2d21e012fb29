// How `puente` reaches the gateway, on real Kafka: mutual TLS with the identity's files named by
// flags, environment or a config context (kubectl style), and the real bin as a child process —
// exit codes scripts rely on, and no colour when stdout is not a terminal.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec } from '@puente/contracts';
import { createServerCredentials } from '@puente/gateway';
import { createDevCertificates, readDevTokens } from '@puente/gateway/dev';
import { startTestGateway, type TestGateway } from '@puente/gateway/testing';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ExitCode } from './exit-codes.js';
import { runPuente } from './testing/index.js';

const BIN = fileURLToPath(new URL('../bin/puente.js', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const codec = createCodec();
const tokens = readDevTokens();
const token = (name: string) => tokens.get(name) ?? '';
const dir = mkdtempSync(join(tmpdir(), 'puente-cli-transport-'));

describe('puente over TLS and as the real bin (real Kafka, real gRPC)', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'cli-transport-it', heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({ bus, codec });
  });

  afterAll(async () => {
    await gateway?.stop(1_000);
    await bus?.stop();
  });

  describe('over mutual TLS, with the identity from flags, environment or the config file', () => {
    let tls: TestGateway;
    let certs: Awaited<ReturnType<typeof createDevCertificates>>;

    beforeAll(async () => {
      certs = await createDevCertificates(join(dir, 'certs'));
      tls = await startTestGateway({
        bus,
        codec,
        credentials: createServerCredentials({
          caFile: certs.caFile,
          certFile: certs.server.certFile,
          keyFile: certs.server.keyFile,
          requireClientCert: true,
        }),
      });
    });
    afterAll(async () => tls?.stop(1_000));

    it('answers as the certificate says, whichever layer names the files', async () => {
      const operator = certs.client('us-cbp-operator');
      const flags = await runPuente(
        [
          'topics',
          '--address',
          tls.address,
          '--ca',
          certs.caFile,
          '--cert',
          operator.certFile,
          '--key',
          operator.keyFile,
        ],
        { env: {} },
      );
      expect(flags.code).toBe(ExitCode.OK);
      expect(flags.stdout).toContain(TOPIC);
      const env = await runPuente(['topics', '--json'], {
        env: {
          PUENTE_ADDRESS: tls.address,
          PUENTE_CA_FILE: certs.caFile,
          PUENTE_CERT_FILE: operator.certFile,
          PUENTE_KEY_FILE: operator.keyFile,
        },
      });
      expect(env.code).toBe(ExitCode.OK);
      // A context of the config file, paths relative to it; the flag --context picks it.
      writeFileSync(
        join(dir, 'config.yaml'),
        [
          'current-context: plain',
          'contexts:',
          `  plain: { address: ${gateway.address} }`,
          `  tls: { address: '${tls.address}', ca: certs/ca.crt, cert: certs/us-cbp-operator.crt, key: certs/us-cbp-operator.key }`,
          `  publisher: { address: '${tls.address}', ca: certs/ca.crt, cert: certs/us-cbp-publisher.crt, key: certs/us-cbp-publisher.key }`,
        ].join('\n'),
      );
      const config = { env: { PUENTE_CONFIG: join(dir, 'config.yaml') } };
      expect((await runPuente(['topics', '--context', 'tls'], config)).code).toBe(ExitCode.OK);
      expect((await runPuente(['--context', 'tls', 'topics'], config)).code).toBe(ExitCode.OK);
      // The current context (the plaintext gateway) has no credential; a publisher's certificate may not inspect.
      const none = await runPuente(['topics'], config);
      expect(none.code).toBe(ExitCode.DENIED);
      expect(none.stderr).toContain('CREDENTIALS_MISSING');
      const publisher = await runPuente(['topics', '--context', 'publisher'], config);
      expect(publisher.code).toBe(ExitCode.DENIED);
      expect(publisher.stderr).toContain('ROLE_NOT_ALLOWED');
      // The real bin over TLS to an IP address: nothing on stderr. grpc-js sends the IP as the TLS
      // server name and Node warns (DEP0123) about that; the bin silences deprecation warnings.
      const child = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [BIN, 'topics', '--json', '--ca', certs.caFile, '--cert', operator.certFile, '--key', operator.keyFile],
          { env: { ...process.env, PUENTE_ADDRESS: tls.address } },
          (error, stdout, stderr) => resolve({ error, stdout, stderr }),
        ),
      );
      expect(tls.address).toMatch(/^127\.0\.0\.1:/);
      expect(child.error).toBeNull();
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toContainEqual(expect.objectContaining({ name: TOPIC }));
      // A server certificate that the CA named did not sign is refused (no TLS without verification).
      const otherCa = await createDevCertificates(join(dir, 'other-certs'));
      const untrusted = await runPuente(
        [
          'topics',
          '--address',
          tls.address,
          '--ca',
          otherCa.caFile,
          '--cert',
          operator.certFile,
          '--key',
          operator.keyFile,
        ],
        { env: {} },
      );
      expect(untrusted.code).toBe(ExitCode.UNAVAILABLE);
      // Plaintext to a TLS port is no answer at all: unreachable.
      expect((await runPuente(['topics', '--address', tls.address], { env: {} })).code).toBe(ExitCode.UNAVAILABLE);
    });
  });

  describe('the real bin as a child process', () => {
    function bin(
      args: string[],
      env: Record<string, string> = {},
    ): Promise<{ code: number; stdout: string; stderr: string }> {
      const childEnv: Record<string, string | undefined> = { ...process.env, LANG: 'C', ...env };
      delete childEnv['FORCE_COLOR'];
      delete childEnv['NO_COLOR'];
      return new Promise((resolve) =>
        execFile(process.execPath, [BIN, ...args], { env: childEnv }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
        ),
      );
    }
    const env = () => ({ PUENTE_ADDRESS: gateway.address, PUENTE_TOKEN: token('dev-us-cbp-operator') });

    it('exits 0 with plain text (no colour) when stdout is not a terminal', async () => {
      const run = await bin(['topics'], env());
      expect(run.code).toBe(ExitCode.OK);
      expect(run.stdout).toContain(TOPIC);
      expect(run.stdout).not.toContain('\u001b[');
    });

    /** Starts the bin, waits until `ready` holds of its stdout, then sends Ctrl-C: its exit code. */
    async function interrupted(args: string[], ready: (stdout: string) => boolean): Promise<number | null> {
      const childEnv: Record<string, string | undefined> = { ...process.env, LANG: 'C', ...env() };
      const child = spawn(process.execPath, [BIN, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await waitFor(() => ready(stdout), 30_000, `puente ${args.join(' ')} ready for Ctrl-C`);
      child.kill('SIGINT');
      return exited;
    }

    it('ends lag --watch with exit 0 on Ctrl-C, however the flag is spelled', async () => {
      // `-w1` is --watch 1 to commander: the parsed options decide, not how argv spells them.
      expect(await interrupted(['lag', '-w1'], (out) => out.includes('Consumer groups'))).toBe(ExitCode.OK);
    });

    it('interrupts (exit 130) a command that does not follow, even with an option value spelled -w', async () => {
      // A gateway that accepts connections and never answers: the call is in flight at Ctrl-C.
      let connected = false;
      const silent = createServer(() => (connected = true));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      try {
        const code = await interrupted(['lag', '--group', '-w', '--address', `127.0.0.1:${port}`], () => connected);
        expect(code).toBe(130);
      } finally {
        silent.close();
      }
    });

    it('exits 4 on a wrong token, 5 on an unknown topic, 2 on bad usage, 3 when unreachable', async () => {
      expect((await bin(['topics'], { ...env(), PUENTE_TOKEN: 'wrong-token-wrong-token-wrong-token' })).code).toBe(
        ExitCode.DENIED,
      );
      const notFound = await bin(['topic', 'describe', 'us.no-such-topic.v1'], env());
      expect(notFound.code).toBe(ExitCode.NOT_FOUND);
      expect(notFound.stderr).not.toMatch(/\n\s+at /);
      expect((await bin(['tail', TOPIC, '--from', 'soon'], env())).code).toBe(ExitCode.USAGE);
      expect((await bin(['topics'], { ...env(), PUENTE_ADDRESS: '127.0.0.1:9' })).code).toBe(ExitCode.UNAVAILABLE);
    });
  });
});
