// The console's HTTP server: the built front end, sign-in and sign-out, and the JSON API, every
// call of which goes to the gateway's OperatorService with the signed-in operator's token (kept
// in a server-side session; the browser holds only the session cookie).
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { credentials } from '@grpc/grpc-js';
import { OperatorServiceClient } from '@puente/proto';
import { ConfigError, type Logger, silentLogger } from '@puente/runtime';

import { apiRoutes, identify } from './api-routes.js';
import { assetFor, type BuildOutcome, ensureWebBuild, WEB_BUILD_DIR } from './assets.js';
import { type ConsoleTlsFiles, isLoopbackHost, notLoopback } from './config.js';
import { badInput, ConsoleError, toConsoleError } from './errors.js';
import { createLagSampler, type LagSampler } from './lag-sampler.js';
import { type OperatorCalls, operatorCalls } from './operator-calls.js';
import { createSessionStore, sessionCookie, sessionIdFrom, type SessionStore } from './sessions.js';

export interface ConsoleServerOptions {
  /** The gateway's gRPC address, host:port. */
  readonly gatewayAddress: string;
  /** Loopback only (default 127.0.0.1), unless `behindTlsProxy`. */
  readonly host?: string;
  /**
   * A TLS-terminating proxy stands in front of the console: it may then listen beyond loopback,
   * and its session cookie is `Secure`. Without it, tokens and cookies would cross the network in
   * plain HTTP, so start() refuses any other host.
   */
  readonly behindTlsProxy?: boolean;
  /** 0 for any free port. */
  readonly port?: number;
  /** The console's client certificate towards a gateway that requires mutual TLS. */
  readonly tls?: ConsoleTlsFiles | undefined;
  readonly sessionTtlMs?: number;
  /** How often lag and topic sizes are sampled while someone is signed in (default 5 s). */
  readonly sampleIntervalMs?: number;
  /** A country's sampling stops this long after its operators' last API request (default 10 min). */
  readonly sampleWhileActiveMs?: number;
  /** The RPCs made with a token (default: over gRPC to `gatewayAddress`); tests may stand in for the gateway. */
  readonly callsFor?: (token: string) => OperatorCalls;
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
export const MAX_BODY_BYTES = 512 * 1024;

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
  const callsFor = options.callsFor ?? ((token: string) => operatorCalls(client, token));
  const secure = options.behindTlsProxy ?? false;
  const sessions = createSessionStore({ ttlMs: options.sessionTtlMs ?? 8 * 3_600_000 });
  const intervalMs = options.sampleIntervalMs ?? 5_000;
  const sampler = createLagSampler({
    sessions: () => sessions.live(),
    callsFor: (session) => callsFor(session.token),
    intervalMs,
    activeWithinMs: options.sampleWhileActiveMs ?? 10 * 60_000,
    onError: (error) => logger.warn({ err: toConsoleError(error).message }, 'console: lag sample failed'),
    onUnauthenticated: (session) => {
      logger.info({ country: session.operator.country }, 'console: the gateway refused a session’s token; signed out');
      sessions.delete(session.id);
    },
  });
  // A sample younger than two intervals answers /api/lag: the gateway's lag call is not cheap.
  const routes = apiRoutes(sampler, { lagFreshMs: 2 * intervalMs });
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
    // Refused before reading a byte when the length is declared; else when the limit is crossed.
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw bodyTooLarge();
    const text = (await bodyOf(req)).toString('utf8');
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
      const calls = callsFor(token.trim());
      const operator = await identify(calls);
      sessions.delete(cookieId);
      const session = sessions.create(token.trim(), operator);
      void sampler.sample(session);
      json(res, 200, { country: operator.country }, { 'set-cookie': sessionCookie(session, { secure }) });
      return;
    }
    if (path === '/api/session' && req.method === 'DELETE') {
      sessions.delete(cookieId);
      json(res, 200, { signedOut: true }, { 'set-cookie': sessionCookie(undefined, { secure }) });
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
    sessions.touch(session);
    let answer: unknown;
    try {
      answer = await route({ session, calls: callsFor(session.token), query, body });
    } catch (error) {
      // The gateway no longer accepts this token (revoked, expired): the session ends with it, and
      // the page, answered 401, goes back to sign-in.
      if (error instanceof ConsoleError && error.code === 'NOT_SIGNED_IN') {
        sessions.delete(session.id);
        json(res, 401, error.toJson(), { 'set-cookie': sessionCookie(undefined, { secure }) });
        return;
      }
      throw error;
    }
    json(res, 200, answer);
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
      // Decoded here, once: assetFor and the API routes take the decoded path.
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
      if (consoleError.httpStatus === 413) {
        // Part of the body is still unread: the connection cannot carry another request. Say so,
        // and drop it once the answer is out.
        res.once('finish', () => req.destroy());
        if (!res.headersSent) json(res, 413, consoleError.toJson(), { connection: 'close' });
        else res.end();
        return;
      }
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
      const host = options.host ?? '127.0.0.1';
      if (!isLoopbackHost(host) && !secure) {
        throw new ConfigError('console', [notLoopback(host)]);
      }
      build = await ensureWebBuild(buildDir);
      server = createServer((req, res) => void handle(req, res));
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(options.port ?? 8080, host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${shown}:${address.port}`;
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

function bodyTooLarge(): ConsoleError {
  return new ConsoleError({
    code: 'PAYLOAD_TOO_LARGE',
    httpStatus: 413,
    reason: 'BODY_TOO_LARGE',
    message: `body: is larger than ${MAX_BODY_BYTES / 1024} KiB`,
    violations: [`body: is larger than ${MAX_BODY_BYTES / 1024} KiB`],
  });
}

/** The request's body; rejects as soon as it passes MAX_BODY_BYTES, leaving the rest unread. */
function bodyOf(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      done();
      req.pause();
      reject(bodyTooLarge());
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}
