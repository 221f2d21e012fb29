// Where the gateway is and who the caller is, resolved once per command as kcat and kubectl
// users expect: a flag beats its environment variable, which beats the config file's context.
// Files named (token, CA, certificate, key) are read here, so a missing one is a usage error
// that names it before any call is made. The token is never put into a message.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

import { parseDocument, YAMLError } from 'yaml';

import { CliError, ExitCode } from '../exit-codes.js';
import type { Messages } from '../i18n/messages.js';

export const DEFAULT_ADDRESS = '127.0.0.1:50051';

/** Connection flags as commander parsed them (all optional). */
export interface ConnectionFlags {
  readonly address?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly clientKey?: string;
  readonly context?: string;
}

export interface Connection {
  readonly address: string;
  /** True when an address came from a flag, the environment or a context (not the default). */
  readonly configured: boolean;
  readonly token: string | undefined;
  /** TLS material; plaintext when `ca` is undefined. */
  readonly tls:
    { readonly ca: Buffer; readonly cert: Buffer | undefined; readonly key: Buffer | undefined } | undefined;
  /** The config file consulted, for hints. */
  readonly configFile: string;
}

interface ContextEntry {
  address?: string;
  token?: string;
  tokenFile?: string;
  ca?: string;
  cert?: string;
  key?: string;
}

const CONTEXT_KEYS = new Set(['address', 'token', 'tokenFile', 'ca', 'cert', 'key']);

export interface ResolveOptions {
  readonly flags: ConnectionFlags;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  readonly cwd: string;
  readonly messages: Messages;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value === '' ? undefined : value;

export function configFilePath(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  return nonEmpty(env['PUENTE_CONFIG']) ?? join(homedir, '.config', 'puente', 'config.yaml');
}

export function resolveConnection({ flags, env, homedir, cwd, messages }: ResolveOptions): Connection {
  const { t } = messages;
  const configFile = configFilePath(env, homedir);
  const contextName = nonEmpty(flags.context) ?? nonEmpty(env['PUENTE_CONTEXT']);
  const context = readContext(configFile, contextName, nonEmpty(env['PUENTE_CONFIG']) !== undefined, messages);
  // Relative paths in the config file are relative to the file, as kubeconfig's are.
  const fromConfig = (path: string | undefined) =>
    path === undefined ? undefined : isAbsolute(path) ? path : resolve(configFile, '..', path);
  const fromCwd = (path: string | undefined) => (path === undefined ? undefined : resolve(cwd, path));
  const pick = (flag: string | undefined, envName: string, contextValue: string | undefined, file = false) =>
    nonEmpty(flag) !== undefined
      ? file
        ? fromCwd(flag)
        : flag
      : nonEmpty(env[envName]) !== undefined
        ? file
          ? fromCwd(env[envName])
          : env[envName]
        : file
          ? fromConfig(contextValue)
          : contextValue;

  const address = pick(flags.address, 'PUENTE_ADDRESS', context?.address);
  // Most specific layer first; within a layer a token beats a token file.
  const token =
    nonEmpty(flags.token) ??
    readToken(fromCwd(nonEmpty(flags.tokenFile)), t) ??
    nonEmpty(env['PUENTE_TOKEN']) ??
    readToken(fromCwd(nonEmpty(env['PUENTE_TOKEN_FILE'])), t) ??
    nonEmpty(context?.token) ??
    readToken(fromConfig(nonEmpty(context?.tokenFile)), t);
  const ca = pick(flags.ca, 'PUENTE_CA_FILE', context?.ca, true);
  const cert = pick(flags.cert, 'PUENTE_CERT_FILE', context?.cert, true);
  const key = pick(flags.clientKey, 'PUENTE_KEY_FILE', context?.key, true);
  const tls =
    ca === undefined
      ? undefined
      : {
          ca: readBytes(ca, t),
          cert: cert === undefined ? undefined : readBytes(cert, t),
          key: key === undefined ? undefined : readBytes(key, t),
        };
  return { address: address ?? DEFAULT_ADDRESS, configured: address !== undefined, token, tls, configFile };
}

function usage(message: string): CliError {
  return new CliError({ exitCode: ExitCode.USAGE, reason: 'CONFIG_INVALID', message });
}

function readBytes(file: string, t: Messages['t']): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw usage(t('error.file.read', { file, message: errorText(error) }));
  }
}

function readToken(file: string | undefined, t: Messages['t']): string | undefined {
  if (file === undefined) return undefined;
  const token = readBytes(file, t).toString('utf8').trim();
  if (token === '') throw usage(t('error.tokenFile.empty', { file }));
  return token;
}

export function errorText(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT') return 'no such file';
  return error instanceof Error ? error.message : String(error);
}

/** The chosen context of the config file; undefined when there is no file and none was asked for. */
function readContext(
  file: string,
  name: string | undefined,
  required: boolean,
  { t }: Messages,
): ContextEntry | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const missing = error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT';
    if (missing && !required && name === undefined) return undefined;
    throw usage(t('error.config.read', { file, message: errorText(error) }));
  }
  const root = parseConfig(text, file, t);
  if (typeof root !== 'object' || Array.isArray(root))
    throw usage(t('error.config.invalid', { file, message: 'expected a mapping' }));
  const { 'current-context': current, contexts = {} } = root as { 'current-context'?: unknown; contexts?: unknown };
  if (typeof contexts !== 'object' || contexts === null || Array.isArray(contexts))
    throw usage(t('error.config.invalid', { file, message: 'contexts must be a mapping of name to settings' }));
  const chosen = name ?? (typeof current === 'string' ? current : undefined);
  if (chosen === undefined) return undefined;
  const entry = (contexts as Record<string, unknown>)[chosen];
  if (entry === undefined)
    throw usage(t('error.config.context', { context: chosen, file, known: Object.keys(contexts).join(', ') || '-' }));
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw usage(t('error.config.invalid', { file, message: `contexts.${chosen} must be a mapping` }));
  for (const [key, value] of Object.entries(entry)) {
    if (!CONTEXT_KEYS.has(key))
      throw usage(
        t('error.config.invalid', {
          file,
          message: `contexts.${chosen}.${key}: unknown key (expected ${[...CONTEXT_KEYS].join(', ')})`,
        }),
      );
    if (typeof value !== 'string')
      throw usage(t('error.config.invalid', { file, message: `contexts.${chosen}.${key} must be a string` }));
  }
  return entry;
}

/**
 * The config file's YAML. Its errors and warnings are named by line and column only: the yaml
 * library's own messages quote the lines around the problem, which may hold a token. Warnings
 * (an unknown tag …) are errors here, and are never printed by the library.
 */
function parseConfig(text: string, file: string, t: Messages['t']): unknown {
  let problem: YAMLError | undefined;
  let root: unknown;
  try {
    const document = parseDocument(text, { logLevel: 'silent' });
    problem = document.errors[0] ?? document.warnings[0];
    if (problem === undefined) root = document.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    if (!(error instanceof YAMLError))
      throw usage(t('error.config.yaml', { file, line: '?', column: '?', code: 'YAML' }));
    problem = error;
  }
  if (problem !== undefined) {
    const [start] = problem.linePos ?? [];
    throw usage(
      t('error.config.yaml', { file, line: start?.line ?? '?', column: start?.col ?? '?', code: problem.code }),
    );
  }
  return root ?? {};
}
