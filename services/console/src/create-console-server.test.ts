// The console server over real HTTP, with the gateway's calls stood in for (callsFor): how it
// treats oversized bodies on a kept-alive connection, odd paths, a token the gateway stops
// accepting, the Lag page's polling, and a host beyond loopback.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ListTopicsResponse } from '@puente/proto';
import { TopicAccess } from '@puente/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeBuildStamp } from './assets.js';
import { type ConsoleServer, createConsoleServer } from './create-console-server.js';
import { ConsoleError } from './errors.js';
import type { OperatorCalls } from './operator-calls.js';

const revoked = new Set<string>();
let lagCalls = 0;

function fakeCalls(token: string): OperatorCalls {
  const check = () => {
    if (revoked.has(token)) {
      throw new ConsoleError({ code: 'NOT_SIGNED_IN', httpStatus: 401, reason: 'UNAUTHENTICATED', message: 'revoked' });
    }
  };
  return {
    listTopics: async () => {
      check();
      return {
        topics: [{ name: 'us.cargo-manifests.v1', originCountry: 'US', access: TopicAccess.RAW, viewAgreementId: '' }],
      } as unknown as ListTopicsResponse;
    },
    getSubscriptionLag: async () => {
      check();
      lagCalls += 1;
      return { subscriptions: [], consumerGroups: [] };
    },
  } as unknown as OperatorCalls;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request through the given agent (keep-alive: the same socket is reused when possible). */
function send(
  agent: Agent,
  url: string,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunked?: boolean;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${options.path}`,
      { agent, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined && options.chunked) {
      // Written in pieces without a Content-Length: the server learns the size only by reading.
      const body = Buffer.from(options.body);
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      req.end();
    } else req.end(options.body);
  });
}

describe('the console server (gateway calls stood in for)', () => {
  let server: ConsoleServer;
  let buildDir: string;

  beforeAll(async () => {
    buildDir = mkdtempSync(join(tmpdir(), 'puente-console-build-'));
    writeFileSync(join(buildDir, 'index.html'), '<!doctype html><title>stand-in</title>');
    writeBuildStamp(buildDir);
    server = createConsoleServer({ gatewayAddress: '127.0.0.1:1', port: 0, buildDir, callsFor: fakeCalls });
    await server.start();
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(buildDir, { recursive: true, force: true });
  });

  const signIn = async (token: string) => {
    const response = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(response.status).toBe(200);
    return (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  };

  it('refuses an oversized body with 413 and closes that connection, so the next requests are answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const huge = JSON.stringify({ token: 'x'.repeat(700 * 1024) });
      for (const chunked of [false, true]) {
        const refused = await send(agent, server.url, {
          method: 'POST',
          path: '/api/session',
          headers: { 'content-type': 'application/json' },
          body: huge,
          chunked,
        });
        expect(refused.status, `chunked: ${chunked}`).toBe(413);
        expect(refused.headers['connection']).toBe('close');
        expect(JSON.parse(refused.body).error).toMatchObject({
          reason: 'BODY_TOO_LARGE',
          message: 'body: is larger than 512 KiB',
        });
        for (let i = 0; i < 3; i++) expect((await send(agent, server.url, { path: '/api/me' })).status).toBe(401);
      }
    } finally {
      agent.destroy();
    }
  });

  it('decodes a path once: an escaped % is a page path, a malformed escape a 400, neither a 500', async () => {
    const agent = new Agent();
    try {
      expect((await send(agent, server.url, { path: '/%25' })).status).toBe(200);
      expect((await send(agent, server.url, { path: '/assets/%25.js' })).status).toBe(404);
      const malformed = await send(agent, server.url, { path: '/%E0%A4%A' });
      expect(malformed.status).toBe(400);
      expect(JSON.parse(malformed.body).error.message).toBe('url: is malformed');
    } finally {
      agent.destroy();
    }
  });

  it('ends the session when the gateway stops accepting its token', async () => {
    const cookie = await signIn('soon-revoked');
    expect((await fetch(`${server.url}/api/topics`, { headers: { cookie } })).status).toBe(200);
    revoked.add('soon-revoked');
    const refused = await fetch(`${server.url}/api/topics`, { headers: { cookie } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('set-cookie')).toMatch(/^puente_console_session=; Max-Age=0/);
    expect(server.sessions.live().map((s) => s.token)).not.toContain('soon-revoked');
    // Signed out for good: the session is gone, not just this answer.
    revoked.delete('soon-revoked');
    expect((await fetch(`${server.url}/api/topics`, { headers: { cookie } })).status).toBe(401);
  });

  it('answers the Lag page’s polling from the sampler’s fresh sample', async () => {
    const cookie = await signIn('lag-watcher');
    await server.sampler.sample(server.sessions.live().find((s) => s.token === 'lag-watcher')!);
    const before = lagCalls;
    for (let i = 0; i < 3; i++)
      expect((await fetch(`${server.url}/api/lag`, { headers: { cookie } })).status).toBe(200);
    expect(lagCalls).toBe(before);
  });

  it('refuses to listen beyond loopback unless a TLS proxy is declared, and then sets Secure cookies', async () => {
    const exposed = createConsoleServer({
      gatewayAddress: '127.0.0.1:1',
      host: '0.0.0.0',
      port: 0,
      buildDir,
      callsFor: fakeCalls,
    });
    await expect(exposed.start()).rejects.toThrow(/0\.0\.0\.0 is not a loopback address/);
    await exposed.stop();
    const proxied = createConsoleServer({
      gatewayAddress: '127.0.0.1:1',
      host: '127.0.0.1',
      port: 0,
      buildDir,
      callsFor: fakeCalls,
      behindTlsProxy: true,
    });
    await proxied.start();
    try {
      const response = await fetch(`${proxied.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'proxied' }),
      });
      expect(response.headers.get('set-cookie')).toMatch(/; Secure$/);
    } finally {
      await proxied.stop();
    }
  });
});
