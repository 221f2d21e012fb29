import type * as nodeCrypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';

import { Metadata } from '@grpc/grpc-js';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import { DEV_TOKENS_FILE, readDevTokens } from '../dev/dev-tokens.js';
import {
  IdentityConfigError,
  IdentityError,
  createAuthenticator,
  createClientCredentials,
  createServerCredentials,
  createTokenStore,
  loadTokenStore,
  parseTokenFile,
  principalFromCertificate,
  type AuthenticatableCall,
  type TokenEntry,
} from './identity.js';

// Count comparisons without changing them: the store must compare every entry on every lookup.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof nodeCrypto>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

function certWith(
  subject: Record<string, string | string[]>,
  ekus: string[] | undefined = [CLIENT_AUTH],
): PeerCertificate {
  // Node builds subjects as null-prototype objects; so do we.
  const cert = { subject: Object.assign(Object.create(null) as object, subject) } as PeerCertificate;
  if (ekus) cert.ext_key_usage = ekus;
  return cert;
}

function identityMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IdentityError);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', retriable: false, name: 'IdentityError' });
    return (error as Error).message;
  }
  throw new Error('expected an IdentityError');
}

function configProblems(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IdentityConfigError);
    return (error as IdentityConfigError).problems;
  }
  throw new Error('expected an IdentityConfigError');
}

describe('principalFromCertificate', () => {
  it('reads country, agency, role and name from the subject', () => {
    const principal = principalFromCertificate(
      certWith({ C: 'US', O: 'CBP', OU: 'publisher', CN: 'dev-us-cbp-publisher' }),
    );
    expect(principal).toEqual({
      country: 'US',
      agency: 'CBP',
      roles: ['publisher'],
      name: 'dev-us-cbp-publisher',
      via: 'mtls',
    });
    expect(Object.isFrozen(principal)).toBe(true);
    expect(Object.isFrozen(principal.roles)).toBe(true);
  });

  it('gives several roles for several OUs, deduplicated and in canonical order', () => {
    const principal = principalFromCertificate(
      certWith({ C: 'MX', O: 'FGR', OU: ['subscriber', 'publisher', 'subscriber'] }),
    );
    expect(principal.roles).toEqual(['publisher', 'subscriber']);
    expect(principal.name).toBe('MX/FGR');
  });

  it('accepts a certificate without extended key usage', () => {
    expect(principalFromCertificate(certWith({ C: 'MX', O: 'ANAM', OU: 'operator' }, undefined)).roles).toEqual([
      'operator',
    ]);
  });

  it.each([
    [{ O: 'CBP', OU: 'publisher' }, 'client certificate subject has no country (C)'],
    [{ C: '', O: 'CBP', OU: 'publisher' }, 'client certificate subject has no country (C)'],
    [{ C: 'US', OU: 'publisher' }, 'client certificate subject has no agency (O)'],
    [
      { C: 'US', O: 'CBP' },
      'client certificate subject has no role (OU); expected one or more of publisher, subscriber, operator',
    ],
    [{ C: 'CA', O: 'RCMP', OU: 'publisher' }, 'client certificate country (C) "CA" is not one of US, MX'],
    [{ C: 'us', O: 'CBP', OU: 'publisher' }, 'client certificate country (C) "us" is not one of US, MX'],
    [{ C: ['US', 'MX'], O: 'CBP', OU: 'publisher' }, 'client certificate subject has more than one country (C)'],
    [{ C: 'US', O: ['CBP', 'HSI'], OU: 'publisher' }, 'client certificate subject has more than one agency (O)'],
    [
      { C: 'US', O: 'cbp', OU: 'publisher' },
      'client certificate agency (O) "cbp" is not an upper-case agency acronym such as CBP or ANAM',
    ],
    [{ C: 'US', O: 'U.S. Customs', OU: 'publisher' }, 'is not an upper-case agency acronym'],
    [
      { C: 'US', O: 'CBP', OU: 'admin' },
      'client certificate role (OU) "admin" is not one of publisher, subscriber, operator',
    ],
    [{ C: 'US', O: 'CBP', OU: ['publisher', 'Office of Field Operations'] }, 'role (OU) "Office of Field Operations"'],
    [{ C: 'US', O: 'CBP', OU: 'Publisher' }, 'role (OU) "Publisher" is not one of'],
    [
      { C: 'US', O: 'CBP', OU: 'publisher', CN: 'evil\nname' },
      'common name (CN) is longer than 128 characters or has control characters',
    ],
    [{ C: 'US', O: 'CBP', OU: 'publisher', CN: ['a', 'b'] }, 'more than one common name (CN)'],
    [{}, 'client certificate has no subject'],
  ])('refuses %j', (subject, message) => {
    expect(identityMessage(() => principalFromCertificate(certWith(subject)))).toContain(message);
  });

  it('refuses a certificate that is not for client authentication', () => {
    const cert = certWith({ C: 'US', O: 'CBP', OU: 'publisher' }, [SERVER_AUTH]);
    expect(identityMessage(() => principalFromCertificate(cert))).toBe(
      'client certificate is not issued for client authentication (extended key usage)',
    );
  });

  it('escapes and shortens what it quotes from a subject', () => {
    const message = identityMessage(() =>
      principalFromCertificate(certWith({ C: 'US', O: 'CBP', OU: `x\u001b[31m${'y'.repeat(200)}` })),
    );
    expect(message).not.toContain('\u001b');
    expect(message.length).toBeLessThan(160);
  });
});

const CBP_TOKEN = 'dev.us-cbp-publisher.test-0123456789abcdefghijklmnop';
const ANAM_TOKEN = 'dev.mx-anam-subscriber.test-0123456789abcdefghijklmno';
const FGR_TOKEN = 'dev.mx-fgr-subscriber.test-0123456789abcdefghijklmnop';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const ENTRIES: TokenEntry[] = [
  { token: CBP_TOKEN, country: 'US', agency: 'CBP', roles: ['publisher'], name: 'cbp-pub' },
  { token: `sha256:${sha256(ANAM_TOKEN)}`, country: 'MX', agency: 'ANAM', roles: ['subscriber'] },
  {
    token: `sha256:${sha256(FGR_TOKEN).toUpperCase()}`,
    country: 'MX',
    agency: 'FGR',
    roles: ['subscriber', 'publisher'],
  },
];

describe('token store', () => {
  beforeEach(() => {
    vi.mocked(timingSafeEqual).mockClear();
  });

  it('maps a known plain token to its principal', () => {
    const store = createTokenStore(ENTRIES);
    expect(store.size).toBe(3);
    expect(store.lookup(CBP_TOKEN)).toEqual({
      country: 'US',
      agency: 'CBP',
      roles: ['publisher'],
      name: 'cbp-pub',
      via: 'token',
    });
  });

  it('maps a token stored as a sha256 digest (either case)', () => {
    const store = createTokenStore(ENTRIES);
    expect(store.lookup(ANAM_TOKEN)).toMatchObject({ country: 'MX', agency: 'ANAM', name: 'MX/ANAM', via: 'token' });
    expect(store.lookup(FGR_TOKEN)?.roles).toEqual(['publisher', 'subscriber']);
  });

  it('does not know unknown, altered, empty or digest-as-token strings', () => {
    const store = createTokenStore(ENTRIES);
    expect(store.lookup('dev.us-cbp-publisher.something-else-entirely-000')).toBeUndefined();
    expect(store.lookup(`${CBP_TOKEN}x`)).toBeUndefined();
    expect(store.lookup(CBP_TOKEN.slice(0, -1))).toBeUndefined();
    expect(store.lookup('')).toBeUndefined();
    // Knowing the digest in the file is not knowing the token.
    expect(store.lookup(`sha256:${sha256(ANAM_TOKEN)}`)).toBeUndefined();
    expect(store.lookup(sha256(ANAM_TOKEN))).toBeUndefined();
  });

  it('compares against every entry with timingSafeEqual, wherever (or whether) it matches', () => {
    const store = createTokenStore(ENTRIES);
    for (const token of [CBP_TOKEN, FGR_TOKEN, 'nope', 'x'.repeat(10_000)]) {
      vi.mocked(timingSafeEqual).mockClear();
      store.lookup(token);
      expect(vi.mocked(timingSafeEqual)).toHaveBeenCalledTimes(ENTRIES.length);
      for (const [a, b] of vi.mocked(timingSafeEqual).mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
    }
  });

  it('keeps no plain token', () => {
    const store = createTokenStore(ENTRIES);
    expect(JSON.stringify(store)).not.toContain(CBP_TOKEN);
    expect(Object.isFrozen(store)).toBe(true);
  });

  it('lists every bad entry without showing a token', () => {
    const problems = configProblems(() =>
      createTokenStore([
        { token: 'short-token', country: 'US', agency: 'CBP', roles: ['publisher'] },
        { token: 'sha256:abc', country: 'CA', agency: 'cbp', roles: ['admin'] },
        { token: CBP_TOKEN, country: 'US', agency: 'CBP', roles: [] },
        { token: `has space ${'x'.repeat(40)}`, country: 'US', agency: 'CBP', roles: ['publisher'] },
        { token: CBP_TOKEN, country: 'US', agency: 'CBP', roles: ['publisher'] },
        { token: `sha256:${sha256(CBP_TOKEN)}`, country: 'US', agency: 'CBP', roles: ['publisher'] },
      ]),
    );
    expect(problems).toEqual([
      'tokens[0].token must be at least 32 characters of A-Z a-z 0-9 - . _ ~ + / (then optional =), or sha256:<hex digest>',
      'tokens[1].token: a sha256: digest is 64 hexadecimal digits',
      'tokens[1].country must be one of US, MX, not "CA"',
      'tokens[1].agency must be an upper-case agency acronym such as CBP or ANAM, not "cbp"',
      'tokens[1].roles: "admin" is not one of publisher, subscriber, operator',
      'tokens[2].roles must list one or more of publisher, subscriber, operator',
      'tokens[3].token must be at least 32 characters of A-Z a-z 0-9 - . _ ~ + / (then optional =), or sha256:<hex digest>',
      'tokens[5].token is the same token as tokens[4]',
    ]);
    expect(problems.join('\n')).not.toContain('short-token');
  });

  it('parses a token file and reports YAML and shape problems', () => {
    const store = parseTokenFile(
      `tokens:\n  - token: ${CBP_TOKEN}\n    country: US\n    agency: CBP\n    roles: [publisher]\n`,
      'inline.yaml',
    );
    expect(store.lookup(CBP_TOKEN)?.name).toBe('US/CBP');

    expect(() => parseTokenFile('tokens: [', 'broken.yaml')).toThrow(/token file broken.yaml is not valid YAML/);
    expect(configProblems(() => parseTokenFile('just: text', 'x.yaml'))).toEqual([
      'expected a mapping with `tokens:` a list of { token, country, agency, roles, name? }',
    ]);
    expect(
      configProblems(() =>
        parseTokenFile(
          `tokens:\n  - 42\n  - token: ${CBP_TOKEN}\n    country: US\n    agency: CBP\n    roles: [publisher]\n    role: admin\n`,
          'x.yaml',
        ),
      ),
    ).toEqual([
      'tokens[0] must be a mapping { token, country, agency, roles, name? }',
      'tokens[1]: unknown key "role" (expected token, country, agency, roles, name)',
    ]);
  });

  it('loads the development fixture, whose plain and digest tokens all resolve', () => {
    const store = loadTokenStore(DEV_TOKENS_FILE);
    const plain = readDevTokens();
    expect(store.size).toBe(13);
    expect(plain.size).toBe(12);
    for (const [name, token] of plain) expect(store.lookup(token)?.name).toBe(name);
    expect(store.lookup(plain.get('dev-us-cbp-publisher') ?? '')).toMatchObject({
      country: 'US',
      agency: 'CBP',
      roles: ['publisher'],
    });
    expect(store.lookup('dev.mx-fgr-publisher-subscriber.AjZLHYIYQg81T7caB-480k4CCNj8-s1m')?.roles).toEqual([
      'publisher',
      'subscriber',
    ]);
  });

  it('says which token file it cannot read', () => {
    expect(() => loadTokenStore('/nonexistent/dev-tokens.yaml')).toThrow(
      'cannot read token file /nonexistent/dev-tokens.yaml',
    );
  });
});

describe('createAuthenticator', () => {
  const store = createTokenStore(ENTRIES);
  const cbpCert = certWith({ C: 'US', O: 'CBP', OU: 'publisher', CN: 'dev-us-cbp-publisher' });

  function call(options: { cert?: PeerCertificate; security?: string; authorization?: string[] }): AuthenticatableCall {
    const metadata = new Metadata();
    for (const value of options.authorization ?? []) metadata.add('authorization', value);
    return {
      metadata,
      getAuthContext: () =>
        options.cert === undefined && options.security === undefined
          ? {}
          : {
              transportSecurityType: options.security ?? 'ssl',
              ...(options.cert ? { sslPeerCertificate: options.cert } : {}),
            },
    };
  }

  const withTokens = createAuthenticator({ tokens: store, allowTokens: true });
  const mtlsOnly = createAuthenticator({ tokens: store, allowTokens: false });

  it('takes the principal from a verified client certificate', () => {
    expect(withTokens.authenticate(call({ cert: cbpCert }))).toMatchObject({
      country: 'US',
      agency: 'CBP',
      via: 'mtls',
    });
    expect(mtlsOnly.authenticate(call({ cert: cbpCert })).name).toBe('dev-us-cbp-publisher');
  });

  it('takes the principal from a bearer token when tokens are allowed', () => {
    const { authenticate } = withTokens; // safe to destructure
    expect(authenticate(call({ authorization: [`Bearer ${CBP_TOKEN}`] }))).toMatchObject({
      country: 'US',
      agency: 'CBP',
      via: 'token',
    });
    expect(authenticate(call({ authorization: [`bearer ${ANAM_TOKEN}`] })).agency).toBe('ANAM');
  });

  it('prefers the certificate when certificate and token agree', () => {
    expect(withTokens.authenticate(call({ cert: cbpCert, authorization: [`Bearer ${CBP_TOKEN}`] })).via).toBe('mtls');
  });

  it('refuses a certificate and a token that disagree', () => {
    expect(
      identityMessage(() => withTokens.authenticate(call({ cert: cbpCert, authorization: [`Bearer ${ANAM_TOKEN}`] }))),
    ).toBe('client certificate and bearer token identify different principals');
    // Same country and agency, different roles: still different.
    const fgrPublisher = certWith({ C: 'MX', O: 'FGR', OU: 'publisher' });
    expect(
      identityMessage(() =>
        withTokens.authenticate(call({ cert: fgrPublisher, authorization: [`Bearer ${FGR_TOKEN}`] })),
      ),
    ).toBe('client certificate and bearer token identify different principals');
  });

  it('refuses a forged token even beside a good certificate, and never echoes it', () => {
    const forged = 'dev.us-cbp-publisher.FORGED-0123456789abcdefghijkl';
    for (const c of [
      call({ authorization: [`Bearer ${forged}`] }),
      call({ cert: cbpCert, authorization: [`Bearer ${forged}`] }),
    ]) {
      const message = identityMessage(() => withTokens.authenticate(c));
      expect(message).toBe('bearer token not recognised');
      expect(message).not.toContain('FORGED');
    }
  });

  it('refuses a call without credentials', () => {
    expect(identityMessage(() => withTokens.authenticate(call({})))).toBe('no client certificate or bearer token');
    expect(identityMessage(() => withTokens.authenticate(call({ security: 'ssl' })))).toBe(
      'no client certificate or bearer token',
    );
    expect(identityMessage(() => mtlsOnly.authenticate(call({})))).toBe(
      'no client certificate (this gateway accepts mutual TLS only)',
    );
  });

  it('ignores a certificate unless the transport is TLS', () => {
    expect(identityMessage(() => withTokens.authenticate(call({ cert: cbpCert, security: 'insecure' })))).toBe(
      'no client certificate or bearer token',
    );
  });

  it('refuses malformed and repeated authorization headers without echoing them', () => {
    for (const header of [CBP_TOKEN, `Basic ${CBP_TOKEN}`, 'Bearer', `Bearer ${CBP_TOKEN} extra`]) {
      const message = identityMessage(() => withTokens.authenticate(call({ authorization: [header] })));
      expect(message).toBe("authorization header is not a bearer token (expected 'Bearer <token>')");
    }
    expect(
      identityMessage(() =>
        withTokens.authenticate(call({ authorization: [`Bearer ${CBP_TOKEN}`, `Bearer ${CBP_TOKEN}`] })),
      ),
    ).toBe('more than one authorization header');
  });

  it('accepts no token when tokens are not allowed, and lets a certificate decide alone', () => {
    expect(identityMessage(() => mtlsOnly.authenticate(call({ authorization: [`Bearer ${CBP_TOKEN}`] })))).toBe(
      'bearer tokens are not accepted by this gateway; present a client certificate',
    );
    expect(mtlsOnly.authenticate(call({ cert: cbpCert, authorization: ['Bearer whatever'] })).via).toBe('mtls');
  });

  it('refuses a bad certificate subject even when a good token is present', () => {
    const bad = certWith({ C: 'CA', O: 'RCMP', OU: 'publisher' });
    expect(
      identityMessage(() => withTokens.authenticate(call({ cert: bad, authorization: [`Bearer ${CBP_TOKEN}`] }))),
    ).toContain('country (C) "CA"');
  });

  it('needs a token store to allow tokens', () => {
    expect(() => createAuthenticator({ allowTokens: true })).toThrow(IdentityConfigError);
    expect(() => createAuthenticator({ allowTokens: false })).not.toThrow();
  });
});

describe('TLS credentials', () => {
  it('lists every file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puente-identity-'));
    expect(
      configProblems(() =>
        createServerCredentials({
          caFile: join(dir, 'ca.crt'),
          certFile: join(dir, 'server.crt'),
          keyFile: join(dir, 'server.key'),
          requireClientCert: true,
        }),
      ),
    ).toEqual([
      `cannot read CA certificate ${join(dir, 'ca.crt')}: ENOENT`,
      `cannot read server certificate ${join(dir, 'server.crt')}: ENOENT`,
      `cannot read server key ${join(dir, 'server.key')}: ENOENT`,
    ]);
  });

  it('refuses a client certificate without its key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'puente-identity-'));
    writeFileSync(join(dir, 'ca.crt'), '');
    expect(
      configProblems(() => createClientCredentials({ caFile: join(dir, 'ca.crt'), certFile: join(dir, 'c.crt') })),
    ).toEqual(['give both certFile and keyFile for a client certificate, or neither']);
  });
});
