// The console beside `pnpm start`: a busy default port gives way to a free one, a busy port the
// user chose stops the start naming the variable to change.
import { createServer, type Server } from 'node:net';

import { silentLogger } from '@puente/runtime';
import { freePort } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { consoleLine, startOperatorConsole } from './operator-console.js';

describe('startOperatorConsole', () => {
  let blocker: Server;
  let busy: number;

  beforeAll(async () => {
    busy = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(busy, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  const options = (portIsDefault: boolean) => ({
    gatewayAddress: '127.0.0.1:1',
    port: busy,
    portIsDefault,
    logger: silentLogger(),
  });

  it('takes a free port when the default one is taken', async () => {
    const server = await startOperatorConsole(options(true));
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.url).not.toBe(`http://127.0.0.1:${busy}`);
      expect((await fetch(server.url)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('refuses a chosen port that is taken, naming the variable', async () => {
    await expect(startOperatorConsole(options(false))).rejects.toThrow(
      `the console cannot listen on 127.0.0.1:${busy} (in use): set PUENTE_CONSOLE_PORT to a free port`,
    );
  });

  it('prints where the console is and which development token signs in', () => {
    const line = consoleLine('http://127.0.0.1:8080', new Map([['dev-us-cbp-operator', 'dev.us-cbp-operator.x']]));
    expect(line).toBe(
      '  console    http://127.0.0.1:8080 — operators sign in with a token from deploy/dev-tokens.yaml: dev-us-cbp-operator (US, dev.us-cbp-operator.x) or dev-mx-anam-operator (MX)',
    );
  });
});
