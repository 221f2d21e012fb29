// Who is calling. A verified client certificate (mutual TLS, production) or, in development
// only, a bearer token is turned into a Principal: country, agency and roles. Also builds the
// TLS credentials the gateway serves with and its test clients and simulators connect with.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type PeerCertificate } from 'node:tls';

import { ChannelCredentials, ServerCredentials, type Metadata } from '@grpc/grpc-js';
import { COUNTRIES, type Country, isCountry } from '@puente/runtime';
import { parseDocument } from 'yaml';

export const ROLES = ['publisher', 'subscriber', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** An authenticated caller. Frozen; `roles` is deduplicated and in the order of `ROLES`. */
export interface Principal {
  readonly country: Country;
  /** Agency acronym as agreements name it, e.g. CBP, ANAM. */
  readonly agency: string;
  readonly roles: readonly Role[];
  /** For logs and audit: the certificate's CN, or the token entry's name; else `US/CBP`. */
  readonly name: string;
  readonly via: 'mtls' | 'token';
}

/** The caller could not be authenticated. Retrying with the same credentials cannot help. */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  readonly code = 'UNAUTHENTICATED' as const;
  readonly retriable = false as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** Identity configuration (token file, TLS files) is unusable; thrown at start-up with every problem listed. */
export class IdentityConfigError extends Error {
  override readonly name = 'IdentityConfigError';
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[], options?: { cause?: unknown }) {
    super(
      problems.length === 0 ? message : `${message}:\n  - ${problems.join('\n  - ')}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.problems = Object.freeze([...problems]);
  }
}

// Agencies are compared verbatim with agreement documents (`to.agencies: [ANAM, FGR]`), so a
// lower-case or padded O would silently match nothing: insist on the acronym form.
const AGENCY = /^[A-Z][A-Z0-9-]{0,31}$/;
// A name ends up in logs and audit records: no control characters, bounded length.
const NAME = /^[^\p{Cc}]{1,128}$/u;
const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/** Shows a value from a certificate or file in a message: quoted, control characters escaped, short. */
function show(value: unknown): string {
  const text = JSON.stringify(typeof value === 'string' ? value : String(value));
  return text.length > 66 ? `${text.slice(0, 62)}…"` : text;
}

function freezePrincipal(fields: Omit<Principal, 'roles'> & { roles: Iterable<Role> }): Principal {
  const wanted = new Set(fields.roles);
  const roles = Object.freeze(ROLES.filter((role) => wanted.has(role)));
  return Object.freeze({ ...fields, roles });
}

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// Mutual TLS

/**
 * Reads the principal from a client certificate that TLS has already verified against the CA:
 * C = country (US or MX), O = agency acronym, one OU per role (publisher, subscriber, operator;
 * several roles are several OU attributes, every OU must be a role), optional CN = name.
 * Throws IdentityError naming the first thing that is wrong.
 */
export function principalFromCertificate(cert: PeerCertificate): Principal {
  const subject: unknown = cert?.subject;
  if (subject === null || typeof subject !== 'object' || Object.keys(subject).length === 0) {
    throw new IdentityError('client certificate has no subject');
  }
  const attributes = subject as Record<string, unknown>;
  const single = (key: string, label: string): string | undefined => {
    const value = attributes[key];
    if (Array.isArray(value)) throw new IdentityError(`client certificate subject has more than one ${label} (${key})`);
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string')
      throw new IdentityError(`client certificate subject has an unreadable ${label} (${key})`);
    return value;
  };

  const country = single('C', 'country');
  if (country === undefined) throw new IdentityError('client certificate subject has no country (C)');
  if (!isCountry(country)) {
    throw new IdentityError(`client certificate country (C) ${show(country)} is not one of ${COUNTRIES.join(', ')}`);
  }

  const agency = single('O', 'agency');
  if (agency === undefined) throw new IdentityError('client certificate subject has no agency (O)');
  if (!AGENCY.test(agency)) {
    throw new IdentityError(
      `client certificate agency (O) ${show(agency)} is not an upper-case agency acronym such as CBP or ANAM`,
    );
  }

  const ou = attributes['OU'];
  const units: unknown[] = Array.isArray(ou) ? ou : ou === undefined || ou === '' ? [] : [ou];
  if (units.length === 0) {
    throw new IdentityError(`client certificate subject has no role (OU); expected one or more of ${ROLES.join(', ')}`);
  }
  for (const unit of units) {
    if (!isRole(unit)) {
      throw new IdentityError(`client certificate role (OU) ${show(unit)} is not one of ${ROLES.join(', ')}`);
    }
  }

  const commonName = single('CN', 'common name');
  if (commonName !== undefined && !NAME.test(commonName)) {
    throw new IdentityError(
      'client certificate common name (CN) is longer than 128 characters or has control characters',
    );
  }

  // TLS already refuses a certificate not issued for client authentication; checked again so a
  // server certificate from the same CA can never pass as a caller whatever the TLS stack does.
  const usages = cert.ext_key_usage;
  if (usages !== undefined && !usages.includes(CLIENT_AUTH_OID)) {
    throw new IdentityError('client certificate is not issued for client authentication (extended key usage)');
  }

  return freezePrincipal({
    country,
    agency,
    roles: units as Role[],
    name: commonName ?? `${country}/${agency}`,
    via: 'mtls',
  });
}

// ---------------------------------------------------------------------------------------------
// Bearer tokens (development)

/** Development bearer tokens mapped to principals. Holds SHA-256 digests only, never a token. */
export interface TokenStore {
  /** The principal `token` stands for, or undefined. Takes the same time whichever entry matches. */
  lookup(token: string): Principal | undefined;
  readonly size: number;
}

/** One entry: `token` is the token itself or `sha256:<64 hex digits>` of it. */
export interface TokenEntry {
  readonly token: string;
  readonly country: string;
  readonly agency: string;
  readonly roles: readonly string[];
  readonly name?: string | undefined;
}

// RFC 6750 b64token: no ':' can occur, so a plain token is never mistaken for a digest.
const PLAIN_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const DIGEST_TOKEN = /^sha256:([0-9a-fA-F]{64})$/;
const MIN_TOKEN_LENGTH = 32;
const ENTRY_KEYS = new Set(['token', 'country', 'agency', 'roles', 'name']);

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function checkEntry(
  entry: TokenEntry,
  at: string,
  problems: string[],
): { digest: Buffer; principal: Principal } | undefined {
  const before = problems.length;
  let digest: Buffer | undefined;
  const token: unknown = entry.token;
  if (typeof token !== 'string' || token === '') {
    problems.push(
      `${at}.token is required: a token of at least ${MIN_TOKEN_LENGTH} characters, or sha256:<hex digest>`,
    );
  } else {
    const digestMatch = DIGEST_TOKEN.exec(token);
    if (digestMatch?.[1] !== undefined) {
      digest = Buffer.from(digestMatch[1].toLowerCase(), 'hex');
    } else if (token.startsWith('sha256:')) {
      problems.push(`${at}.token: a sha256: digest is 64 hexadecimal digits`);
    } else if (!PLAIN_TOKEN.test(token) || token.length < MIN_TOKEN_LENGTH) {
      // Never show the token itself, not even a bad one.
      problems.push(
        `${at}.token must be at least ${MIN_TOKEN_LENGTH} characters of A-Z a-z 0-9 - . _ ~ + / (then optional =), or sha256:<hex digest>`,
      );
    } else {
      digest = sha256(token);
    }
  }
  if (!isCountry(entry.country)) {
    problems.push(`${at}.country must be one of ${COUNTRIES.join(', ')}, not ${show(entry.country)}`);
  }
  if (typeof entry.agency !== 'string' || !AGENCY.test(entry.agency)) {
    problems.push(`${at}.agency must be an upper-case agency acronym such as CBP or ANAM, not ${show(entry.agency)}`);
  }
  const roles: unknown = entry.roles;
  if (!Array.isArray(roles) || roles.length === 0) {
    problems.push(`${at}.roles must list one or more of ${ROLES.join(', ')}`);
  } else {
    for (const role of roles) {
      if (!isRole(role)) problems.push(`${at}.roles: ${show(role)} is not one of ${ROLES.join(', ')}`);
    }
  }
  if (entry.name !== undefined && (typeof entry.name !== 'string' || !NAME.test(entry.name))) {
    problems.push(`${at}.name must be 1 to 128 characters without control characters`);
  }
  if (problems.length > before || digest === undefined) return undefined;
  return {
    digest,
    principal: freezePrincipal({
      country: entry.country as Country,
      agency: entry.agency,
      roles: entry.roles as Role[],
      name: entry.name ?? `${entry.country}/${entry.agency}`,
      via: 'token',
    }),
  };
}

interface CheckedEntry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

// `undefined` marks an entry already reported as malformed; it keeps later indexes right.
function checkEntries(entries: readonly (TokenEntry | undefined)[], problems: string[]): CheckedEntry[] {
  const checked: CheckedEntry[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (entry === undefined) return;
    const at = `tokens[${index}]`;
    const good = checkEntry(entry, at, problems);
    if (!good) return;
    const key = good.digest.toString('hex');
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(`${at}.token is the same token as tokens[${first}]`);
      return;
    }
    seen.set(key, index);
    checked.push(good);
  });
  return checked;
}

function storeOf(checked: readonly CheckedEntry[]): TokenStore {
  return Object.freeze({
    size: checked.length,
    lookup(token: string): Principal | undefined {
      const digest = sha256(token);
      let found: Principal | undefined;
      for (const entry of checked) {
        // Both sides are 32-byte digests, so timingSafeEqual never throws on length.
        if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.principal;
      }
      return found;
    },
  });
}

/**
 * Builds a token store. Tokens are kept as SHA-256 digests and a lookup compares the digest of
 * the presented token with every entry through `timingSafeEqual`, without stopping at a match.
 * Throws IdentityConfigError listing every bad entry.
 */
export function createTokenStore(entries: readonly TokenEntry[], source = 'token store'): TokenStore {
  const problems: string[] = [];
  const checked = checkEntries(entries, problems);
  if (problems.length > 0) throw new IdentityConfigError(`${source} is not usable`, problems);
  return storeOf(checked);
}

/**
 * Parses a token file (YAML): `tokens:` a list of `{ token, country, agency, roles, name? }`;
 * `token` is the development token itself or `sha256:<hex>` of it (`printf %s "$T" | sha256sum`).
 * `source` names the file in messages. Throws IdentityConfigError listing every problem.
 */
export function parseTokenFile(text: string, source: string): TokenStore {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new IdentityConfigError(
      `token file ${source} is not valid YAML`,
      doc.errors.map((error) => error.message.split('\n')[0] ?? error.message),
    );
  }
  const root: unknown = doc.toJS();
  const list = root !== null && typeof root === 'object' ? (root as Record<string, unknown>)['tokens'] : undefined;
  if (!Array.isArray(list)) {
    throw new IdentityConfigError(`token file ${source} is not usable`, [
      'expected a mapping with `tokens:` a list of { token, country, agency, roles, name? }',
    ]);
  }
  const problems: string[] = [];
  const entries: (TokenEntry | undefined)[] = [];
  list.forEach((item: unknown, index) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`tokens[${index}] must be a mapping { token, country, agency, roles, name? }`);
      entries.push(undefined);
      return;
    }
    for (const key of Object.keys(item)) {
      if (!ENTRY_KEYS.has(key)) {
        problems.push(`tokens[${index}]: unknown key ${show(key)} (expected ${[...ENTRY_KEYS].join(', ')})`);
      }
    }
    entries.push(item as TokenEntry);
  });
  const checked = checkEntries(entries, problems);
  if (problems.length > 0) throw new IdentityConfigError(`token file ${source} is not usable`, problems);
  return storeOf(checked);
}

/** Reads and parses a token file; the path comes from configuration (never read here from the environment). */
export function loadTokenStore(file: string): TokenStore {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new IdentityConfigError(`cannot read token file ${file}`, [], { cause });
  }
  return parseTokenFile(text, file);
}

// ---------------------------------------------------------------------------------------------
// Authentication of a call

/** What authentication needs of a grpc-js server call (`ServerUnaryCall`, `ServerDuplexStream` …). */
export interface AuthenticatableCall {
  getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate } | null;
  readonly metadata: Metadata;
}

export interface AuthenticatorOptions {
  /** Development bearer tokens; required when `allowTokens` is true. */
  readonly tokens?: TokenStore | undefined;
  /** Accept `authorization: Bearer <token>` (development). When false, authorization metadata is ignored. */
  readonly allowTokens: boolean;
}

export interface Authenticator {
  /** The caller's principal; throws IdentityError. A plain function: safe to destructure. */
  readonly authenticate: (call: AuthenticatableCall) => Principal;
}

const BEARER = /^Bearer +([^\s]+) *$/i;

function samePrincipal(a: Principal, b: Principal): boolean {
  return (
    a.country === b.country &&
    a.agency === b.agency &&
    a.roles.length === b.roles.length &&
    a.roles.every((role, index) => b.roles[index] === role)
  );
}

/**
 * Mutual TLS first: a verified client certificate decides. Otherwise, when tokens are allowed,
 * `authorization: Bearer <token>`. A call that presents both is accepted only if both name the
 * same country, agency and roles; an unrecognised token is refused even beside a good
 * certificate. Authenticate once per call (or stream), not per message.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { allowTokens, tokens } = options;
  if (allowTokens && tokens === undefined) {
    throw new IdentityConfigError('bearer tokens are allowed but no token store was given', []);
  }

  const bearerPrincipal = (metadata: Metadata): Principal | undefined => {
    const values = metadata.get('authorization');
    if (values.length === 0) return undefined;
    if (values.length > 1) throw new IdentityError('more than one authorization header');
    const value = values[0];
    const match = typeof value === 'string' ? BEARER.exec(value) : null;
    if (match?.[1] === undefined) {
      throw new IdentityError("authorization header is not a bearer token (expected 'Bearer <token>')");
    }
    const principal = tokens?.lookup(match[1]);
    if (principal === undefined) throw new IdentityError('bearer token not recognised');
    return principal;
  };

  const authenticate = (call: AuthenticatableCall): Principal => {
    const context = call.getAuthContext();
    const cert = context?.transportSecurityType === 'ssl' ? context.sslPeerCertificate : undefined;
    // grpc-js reports a certificate only once TLS verified it against the CA.
    const fromCert = cert === undefined ? undefined : principalFromCertificate(cert);

    if (!allowTokens) {
      if (fromCert) return fromCert;
      if (call.metadata.get('authorization').length > 0) {
        throw new IdentityError('bearer tokens are not accepted by this gateway; present a client certificate');
      }
      throw new IdentityError('no client certificate (this gateway accepts mutual TLS only)');
    }

    const fromToken = bearerPrincipal(call.metadata);
    if (fromCert && fromToken && !samePrincipal(fromCert, fromToken)) {
      throw new IdentityError('client certificate and bearer token identify different principals');
    }
    const principal = fromCert ?? fromToken;
    if (!principal) throw new IdentityError('no client certificate or bearer token');
    return principal;
  };

  return Object.freeze({ authenticate });
}

// ---------------------------------------------------------------------------------------------
// TLS credentials

function readPem(file: string, what: string, problems: string[]): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    problems.push(`cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    return undefined;
  }
}

function checkPair(ca: Buffer | undefined, cert: Buffer, key: Buffer, files: string, problems: string[]): void {
  try {
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (error) {
    problems.push(`${files} do not form a usable TLS identity: ${(error as Error).message}`);
  }
}

export interface ServerCredentialsOptions {
  /** CA that issues client certificates (PEM). */
  readonly caFile: string;
  /** Server certificate chain (PEM). */
  readonly certFile: string;
  /** Server private key (PEM). */
  readonly keyFile: string;
  /**
   * Require and verify a client certificate (mutual TLS). When false, grpc-js does not ask for a
   * client certificate at all: TLS protects the channel and callers authenticate with tokens.
   */
  readonly requireClientCert: boolean;
}

/** TLS credentials for the gateway. Reads and checks the files now; throws IdentityConfigError. */
export function createServerCredentials(options: ServerCredentialsOptions): ServerCredentials {
  const problems: string[] = [];
  const ca = readPem(options.caFile, 'CA certificate', problems);
  const cert = readPem(options.certFile, 'server certificate', problems);
  const key = readPem(options.keyFile, 'server key', problems);
  if (cert && key)
    checkPair(ca, cert, key, `server certificate ${options.certFile} and key ${options.keyFile}`, problems);
  if (problems.length > 0 || !ca || !cert || !key) {
    throw new IdentityConfigError('gateway TLS is not usable', problems);
  }
  return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], options.requireClientCert);
}

export interface ClientCredentialsOptions {
  /** CA that issued the gateway's server certificate (PEM). */
  readonly caFile: string;
  /** Client certificate (PEM); give with keyFile for mutual TLS, leave both out for server-only TLS. */
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
}

/** TLS credentials for clients of the gateway (tests, simulators). Throws IdentityConfigError. */
export function createClientCredentials(options: ClientCredentialsOptions): ChannelCredentials {
  const problems: string[] = [];
  const ca = readPem(options.caFile, 'CA certificate', problems);
  const { certFile, keyFile } = options;
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push('give both certFile and keyFile for a client certificate, or neither');
  } else if (certFile !== undefined && keyFile !== undefined) {
    cert = readPem(certFile, 'client certificate', problems);
    key = readPem(keyFile, 'client key', problems);
    if (cert && key) checkPair(undefined, cert, key, `client certificate ${certFile} and key ${keyFile}`, problems);
  }
  if (problems.length > 0 || !ca) throw new IdentityConfigError('client TLS is not usable', problems);
  return ChannelCredentials.createSsl(ca, key ?? null, cert ?? null);
}
