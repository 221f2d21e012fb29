// Development identity fixtures: where the dev token file and the dev-certificate script live,
// the tokens of that file by name, and throw-away certificates for tests. Never production wiring.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { parse } from 'yaml';

/** `deploy/dev-tokens.yaml`: development bearer tokens (load with `loadTokenStore`). */
export const DEV_TOKENS_FILE = fileURLToPath(new URL('../../../../deploy/dev-tokens.yaml', import.meta.url));
/** `deploy/certs/make-dev-certs.sh`: development CA, server and client certificates. */
export const DEV_CERTS_SCRIPT = fileURLToPath(new URL('../../../../deploy/certs/make-dev-certs.sh', import.meta.url));

/** Client identities the script always issues (file names in the certificate directory). */
export const DEV_CLIENT_IDENTITIES = [
  'us-cbp-publisher',
  'us-cbp-subscriber',
  'us-cbp-operator',
  'us-hsi-publisher',
  'mx-anam-subscriber',
  'mx-anam-operator',
  'mx-fgr-publisher',
  'mx-fgr-subscriber',
  'mx-fgr-publisher-subscriber',
] as const;

/**
 * The plain tokens of a token file by entry name (`dev-us-cbp-publisher` → token), for tests and
 * simulators that call the gateway with `authorization: Bearer <token>`. Digest entries are left out.
 */
export function readDevTokens(file: string = DEV_TOKENS_FILE): ReadonlyMap<string, string> {
  const root = parse(readFileSync(file, 'utf8')) as { tokens?: { name?: unknown; token?: unknown }[] } | null;
  const tokens = new Map<string, string>();
  for (const entry of root?.tokens ?? []) {
    if (typeof entry.name === 'string' && typeof entry.token === 'string' && !entry.token.startsWith('sha256:')) {
      tokens.set(entry.name, entry.token);
    }
  }
  return tokens;
}

export interface DevCertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface DevCertificates {
  readonly dir: string;
  /** The development CA: give it to the server (to verify clients) and to clients (to verify the server). */
  readonly caFile: string;
  /** Server certificate for localhost, 127.0.0.1 and ::1. */
  readonly server: DevCertificateFiles;
  /** A client identity's files, e.g. `client('us-cbp-publisher')`. Does not check that it exists. */
  client(name: string): DevCertificateFiles;
}

export interface DevCertificateOptions {
  /** Extra client identities: name → OpenSSL subject, e.g. `{ 'ca-rcmp': '/C=CA/O=RCMP/OU=publisher' }`. */
  readonly extraIdentities?: Readonly<Record<string, string>> | undefined;
  /** Validity of server and client certificates in days (default 30). */
  readonly days?: number | undefined;
}

/**
 * Runs `deploy/certs/make-dev-certs.sh` into `dir` (created if missing; existing valid files are
 * kept). Needs bash and openssl on PATH. Tests give a fresh temporary directory.
 */
export async function createDevCertificates(
  dir: string,
  options: DevCertificateOptions = {},
): Promise<DevCertificates> {
  const args = [DEV_CERTS_SCRIPT, dir];
  if (options.days !== undefined) args.push('--days', String(options.days));
  for (const [name, subject] of Object.entries(options.extraIdentities ?? {})) args.push(`${name}=${subject}`);
  try {
    await promisify(execFile)('bash', args, { timeout: 60_000 });
  } catch (cause) {
    const stderr = (cause as { stderr?: unknown }).stderr;
    throw new Error(
      `make-dev-certs.sh failed${typeof stderr === 'string' && stderr.trim() !== '' ? `: ${stderr.trim()}` : ''}`,
      { cause },
    );
  }
  const files = (name: string): DevCertificateFiles => ({
    certFile: join(dir, `${name}.crt`),
    keyFile: join(dir, `${name}.key`),
  });
  return Object.freeze({ dir, caFile: join(dir, 'ca.crt'), server: files('server'), client: files });
}
