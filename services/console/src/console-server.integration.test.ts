// The console server without a gateway behind it: what it refuses before any call is made, and
// how an unreachable gateway is reported (with its reason, never a stack trace).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeBuildStamp } from './assets.js';
import { type ConsoleServer, createConsoleServer } from './create-console-server.js';

describe('the console server on its own', () => {
  let server: ConsoleServer;
  let buildDir: string;

  beforeAll(async () => {
    // A stand-in build, newer than the sources, so no Vite build runs here.
    buildDir = mkdtempSync(join(tmpdir(), 'puente-console-build-'));
    writeFileSync(join(buildDir, 'index.html'), '<!doctype html><title>stand-in</title>');
    writeBuildStamp(buildDir);
    // Port 1 on loopback: nothing listens there, so every gateway call fails as UNAVAILABLE.
    server = createConsoleServer({ gatewayAddress: '127.0.0.1:1', port: 0, buildDir });
    await server.start();
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(buildDir, { recursive: true, force: true });
  });

  const call = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${server.url}${path}`, init);
    return { status: response.status, headers: response.headers, body: await response.text() };
  };

  it('serves the page for any page path, with a strict content security policy', async () => {
    const page = await call('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('stand-in');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await call('/assets/missing.js')).status).toBe(404);
    expect((await call('/..%2f..%2fetc%2fpasswd')).status).toBe(404);
    expect(server.build).toEqual({ built: false, ms: 0 });
  });

  it('answers the API only after sign-in', async () => {
    const answer = await call('/api/topics');
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toEqual({
      error: {
        code: 'NOT_SIGNED_IN',
        reason: 'NOT_SIGNED_IN',
        message: 'sign in first (or again: the session expired)',
        violations: [],
      },
    });
    const forged = await call('/api/topics', { headers: { cookie: 'puente_console_session=forged' } });
    expect(forged.status).toBe(401);
    expect((await call('/api/nothing-here')).status).toBe(404);
  });

  it('refuses malformed sign-ins naming what is wrong', async () => {
    const post = (body: string, type = 'application/json') =>
      call('/api/session', { method: 'POST', headers: { 'content-type': type }, body });
    expect(JSON.parse((await post('{}')).body).error.message).toBe('token: is required');
    expect(JSON.parse((await post('{"token":')).body).error.message).toBe('body: is not valid JSON');
    const form = await post('token=x', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(400);
    expect(JSON.parse(form.body).error.message).toBe('content-type: must be application/json');
    const huge = await post(JSON.stringify({ token: 'x'.repeat(600 * 1024) }));
    expect(huge.status).toBe(413);
  });

  it('reports an unreachable gateway as such', async () => {
    const answer = await call('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'dev.us-cbp-operator.fJGEqaxPxqJZ3dgh5cVLsv7Q8TcJ5h3m' }),
    });
    expect(answer.status).toBe(503);
    const { error } = JSON.parse(answer.body);
    expect(error.code).toBe('GATEWAY_UNAVAILABLE');
    expect(error.reason).toBe('UNAVAILABLE');
    expect(answer.body).not.toContain('at ');
    expect(answer.headers.get('set-cookie')).toBeNull();
  });
});
