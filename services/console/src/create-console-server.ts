// The console's HTTP server: the built front end, sign-in and sign-out, and the JSON API, every
// call of which goes to the gateway's OperatorService with the signed-in operator's token (kept
// in a server-side session; the browser holds only the session cookie).
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { credentials } from '@grpc/grpc-js';
import { OperatorServiceClient } from '@puente/proto';
import { type Logger, silentLogger } from '@puente/runtime';

import { apiRoutes, identify } from './api-routes.js';
import { assetFor, type BuildOutcome, ensureWebBuild, WEB_BUILD_DIR } from './assets.js';
import type { ConsoleTlsFiles } from './config.js';
import { badInput, ConsoleError, toConsoleError } from './errors.js';
import { createLagSampler, type LagSampler } from './lag-sampler.js';
import { operatorCalls } from './operator-calls.js';
import { createSessionStore, sessionCookie, sessionIdFrom, type SessionStore } from './sessions.js';

export interface ConsoleServerOptions {
  /** The gateway's gRPC address, host:port. */
  readonly gatewayAddress: string;
  readonly host?: string;
  /** 0 for any free port. */
  readonly port?: number;
  /** The console's client certificate towards a gateway that requires mutual TLS. */
  readonly tls?: ConsoleTlsFiles | undefined;
  readonly sessionTtlMs?: number;
  /** How often lag and topic sizes are sampled while someone is signed in (default 5 s). */
  readonly sampleIntervalMs?: number;
  readonly logger?: Logger;
  /** Where the built front end is (default services/console/dist/web, built when stale). */
  readonly buildDir?: string;
}

export interface ConsoleServer {
  /** `http://host:port`, once started. */
  readonly url: string;
  readonly sessions: SessionStore;
  readonly sampler: LagSampler;
  /** Whether start() had to build the front end, and how long that took. */
  readonly build: BuildOutcome | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Request bodies are small JSON (a token, a pasted event); anything larger is refused. */
const MAX_BODY_BYTES = 512 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function createConsoleServer(options: ConsoleServerOptions): ConsoleServer {
  const logger = options.logger ?? silentLogger();
  const buildDir = options.buildDir ?? WEB_BUILD_DIR;
  const client = new OperatorServiceClient(
    options.gatewayAddress,
    options.tls
      ? credentials.createSsl(options.tls.ca, options.tls.key, options.tls.cert)
      : credentials.createInsecure(),
  );
  const sessions = createSessionStore({ ttlMs: options.sessionTtlMs ?? 8 * 3_600_000 });
  const sampler = createLagSampler({
    sessions: () => sessions.live(),
    callsFor: (session) => operatorCalls(client, session.token),
    intervalMs: options.sampleIntervalMs ?? 5_000,
    onError: (error) => logger.warn({ err: toConsoleError(error).message }, 'console: lag sample failed'),
  });
  const routes = apiRoutes(sampler);
  let server: Server | undefined;
  let url = '';
  let build: BuildOutcome | undefined;

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(JSON.stringify(body));
  };

  async function readBody(req: IncomingMessage): Promise<unknown> {
    if (req.method !== 'POST' && req.method !== 'DELETE') return undefined;
    // A JSON content type cannot be sent cross-site without CORS: with SameSite=Strict, no CSRF.
    if (req.method === 'POST' && !(req.headers['content-type'] ?? '').startsWith('application/json')) {
      throw badInput('content-type', 'must be application/json');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw badInput('body', `is larger than ${MAX_BODY_BYTES / 1024} KiB`);
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw badInput('body', 'is not valid JSON');
    }
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    const body = await readBody(req);
    const cookieId = sessionIdFrom(req.headers.cookie);
    if (path === '/api/session' && req.method === 'POST') {
      const token = (body as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || token.trim() === '') throw badInput('token', 'is required');
      if (token.length > 4096) throw badInput('token', 'is too long');
      const calls = operatorCalls(client, token.trim());
      const operator = await identify(calls);
      sessions.delete(cookieId);
      const session = sessions.create(token.trim(), operator);
      void sampler.sample(session);
      json(res, 200, { country: operator.country }, { 'set-cookie': sessionCookie(session) });
      return;
    }
    if (path === '/api/session' && req.method === 'DELETE') {
      sessions.delete(cookieId);
      json(res, 200, { signedOut: true }, { 'set-cookie': sessionCookie(undefined) });
      return;
    }
    const route = routes[`${req.method ?? 'GET'} ${path}`];
    if (!route) {
      json(
        res,
        404,
        new ConsoleError({
          code: 'NOT_FOUND',
          httpStatus: 404,
          reason: 'NO_SUCH_API',
          message: `no API ${req.method ?? ''} ${path}`,
        }).toJson(),
      );
      return;
    }
    const session = sessions.get(cookieId);
    if (!session) {
      throw new ConsoleError({
        code: 'NOT_SIGNED_IN',
        httpStatus: 401,
        reason: 'NOT_SIGNED_IN',
        message: 'sign in first (or again: the session expired)',
      });
    }
    json(res, 200, await route({ session, calls: operatorCalls(client, session.token), query, body }));
  }

  function serveAsset(req: IncomingMessage, res: ServerResponse, path: string) {
    const asset = assetFor(path, buildDir);
    if (!asset || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found');
      return;
    }
    const hashed = path.startsWith('/assets/');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': asset.type,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(asset.file).pipe(res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    let path = '/';
    let query = new URLSearchParams();
    try {
      const parsed = new URL(req.url ?? '/', 'http://console.invalid');
      path = decodeURIComponent(parsed.pathname);
      query = parsed.searchParams;
    } catch {
      json(res, 400, badInput('url', 'is malformed').toJson());
      return;
    }
    try {
      if (path.startsWith('/api/')) await handleApi(req, res, path, query);
      else serveAsset(req, res, path);
    } catch (error) {
      const consoleError = toConsoleError(error);
      if (consoleError.httpStatus >= 500) logger.error({ err: error }, 'console: request failed');
      if (!res.headersSent) json(res, consoleError.httpStatus, consoleError.toJson());
      else res.end();
    }
  }

  return {
    get url() {
      return url;
    },
    sessions,
    sampler,
    get build() {
      return build;
    },
    async start() {
      build = await ensureWebBuild(buildDir);
      server = createServer((req, res) => void handle(req, res));
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
      });
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${host}:${address.port}`;
      sampler.start();
    },
    async stop() {
      sampler.stop();
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      client.close();
    },
  };
}
