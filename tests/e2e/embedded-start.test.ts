// `pnpm start` as a new user runs it: within 30 seconds the embedded model port prints where to
// connect, partners receiving policy views, and a summary with events flowing and lanes assigned;
// Ctrl-C (SIGINT) stops it cleanly.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

import { waitFor } from '@puente/runtime/testing';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

const scriptsOf = (path: string) =>
  (JSON.parse(readFileSync(`${root}${path}`, 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('pnpm start', () => {
  it('runs the model port package, whose start script is the main this test runs', () => {
    expect(scriptsOf('package.json')['start']).toBe('pnpm --filter @puente/model-port start');
    expect(scriptsOf('services/model-port/package.json')['start']).toBe('tsx src/main.ts');
  });

  it('shows events flowing and policy views arriving within 30 s, and stops on Ctrl-C', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: `${root}services/model-port`,
      env: {
        PATH: process.env['PATH'],
        PUENTE_GATEWAY_PORT: String(port),
        PUENTE_METRICS_PORT: String(metricsPort),
        PUENTE_DEMO_INTERVAL_MS: '200',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const started = Date.now();
      await waitFor(
        () => /summary: [1-9]\d* published.*lanes: (?!none)/.test(output),
        30_000,
        `a summary with events and lanes:\n${output}`,
      );
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(output).toContain(`gateway    127.0.0.1:${port}`);
      expect(output).toMatch(/MX\/ANAM\s+← us-to-mx\/us\.cargo-manifests\.v1/);
      expect(output).toMatch(/US\/CBP\s+← mx-to-us\//);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/puente_delivered_total\{agreement="us-to-mx"/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(output).toContain('Puente stopped.');
  });
});
