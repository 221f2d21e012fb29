// The console's configuration, parsed once from the environment into a frozen, typed object;
// every problem is listed before the process exits. Nothing else in the console reads process.env.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

import { ConfigError } from '@puente/runtime';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);

const schema = z
  .object({
    PUENTE_GATEWAY_ADDRESS: z
      .string()
      .regex(/^[^\s]+:\d+$/, 'must be host:port')
      .default('127.0.0.1:50051'),
    PUENTE_CONSOLE_HOST: z.string().min(1).default('127.0.0.1'),
    // The console takes tokens and sets its cookie over plain HTTP: beyond loopback only behind a
    // TLS-terminating proxy, which the operator states explicitly.
    PUENTE_CONSOLE_BEHIND_TLS_PROXY: z.enum(['0', '1']).default('0'),
    PUENTE_CONSOLE_PORT: port.default(8080),
    // Mutual TLS towards the gateway: the console's own client certificate; operators still sign in
    // with their token, which every call carries.
    PUENTE_CONSOLE_TLS_CA: z.string().optional(),
    PUENTE_CONSOLE_TLS_CERT: z.string().optional(),
    PUENTE_CONSOLE_TLS_KEY: z.string().optional(),
    PUENTE_CONSOLE_SESSION_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(480),
  })
  .superRefine((env, context) => {
    if (!isLoopbackHost(env.PUENTE_CONSOLE_HOST) && env.PUENTE_CONSOLE_BEHIND_TLS_PROXY !== '1') {
      context.addIssue({
        code: 'custom',
        message: notLoopback(env.PUENTE_CONSOLE_HOST),
        path: ['PUENTE_CONSOLE_HOST'],
      });
    }
    const tls = [env.PUENTE_CONSOLE_TLS_CA, env.PUENTE_CONSOLE_TLS_CERT, env.PUENTE_CONSOLE_TLS_KEY];
    if (tls.some(Boolean) && !tls.every(Boolean)) {
      context.addIssue({
        code: 'custom',
        message: 'PUENTE_CONSOLE_TLS_CA, PUENTE_CONSOLE_TLS_CERT and PUENTE_CONSOLE_TLS_KEY go together',
        path: ['PUENTE_CONSOLE_TLS_CA'],
      });
    }
  });

/** 127.0.0.0/8, ::1 or localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

export function notLoopback(host: string): string {
  return `${host} is not a loopback address: the console would take operators' tokens over plain HTTP; put a TLS-terminating proxy in front and set PUENTE_CONSOLE_BEHIND_TLS_PROXY=1`;
}

export interface ConsoleTlsFiles {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface ConsoleConfig {
  readonly gatewayAddress: string;
  readonly host: string;
  readonly port: number;
  /** PUENTE_CONSOLE_BEHIND_TLS_PROXY=1: any host allowed, the session cookie Secure. */
  readonly behindTlsProxy: boolean;
  readonly tls: ConsoleTlsFiles | undefined;
  readonly sessionTtlMs: number;
}

export function loadConsoleConfig(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => Buffer = (path) => readFileSync(path),
): ConsoleConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      'console',
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  let tls: ConsoleTlsFiles | undefined;
  if (e.PUENTE_CONSOLE_TLS_CA && e.PUENTE_CONSOLE_TLS_CERT && e.PUENTE_CONSOLE_TLS_KEY) {
    const problems: string[] = [];
    const read = (name: string, path: string): Buffer => {
      try {
        return readFile(path);
      } catch (error) {
        problems.push(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
        return Buffer.alloc(0);
      }
    };
    tls = {
      ca: read('PUENTE_CONSOLE_TLS_CA', e.PUENTE_CONSOLE_TLS_CA),
      cert: read('PUENTE_CONSOLE_TLS_CERT', e.PUENTE_CONSOLE_TLS_CERT),
      key: read('PUENTE_CONSOLE_TLS_KEY', e.PUENTE_CONSOLE_TLS_KEY),
    };
    if (problems.length > 0) throw new ConfigError('console', problems);
  }
  return Object.freeze({
    gatewayAddress: e.PUENTE_GATEWAY_ADDRESS,
    host: e.PUENTE_CONSOLE_HOST,
    port: e.PUENTE_CONSOLE_PORT,
    behindTlsProxy: e.PUENTE_CONSOLE_BEHIND_TLS_PROXY === '1',
    tls,
    sessionTtlMs: e.PUENTE_CONSOLE_SESSION_MINUTES * 60_000,
  });
}
