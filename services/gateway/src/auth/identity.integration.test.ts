// Identity over real sockets: a grpc-js server with mutual TLS made from freshly generated
// development certificates, and one with development bearer tokens. Needs bash and openssl.
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEV_TOKENS_FILE, createDevCertificates, readDevTokens, type DevCertificates } from '../dev/dev-tokens.js';
import {
  IdentityConfigError,
  IdentityError,
  createAuthenticator,
  createClientCredentials,
  createServerCredentials,
  loadTokenStore,
  type Authenticator,
  type Principal,
} from './identity.js';

const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value ?? {})),
  deserialize: (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8')),
};

// A one-method service that answers with the caller's principal; JSON on the wire, no proto.
const identityService: grpc.ServiceDefinition = {
  whoAmI: {
    path: '/puente.test.Identity/WhoAmI',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};
const IdentityClient = grpc.makeGenericClientConstructor(identityService, 'Identity');

async function startServer(credentials: grpc.ServerCredentials, authenticator: Authenticator) {
  const server = new grpc.Server();
  server.addService(identityService, {
    whoAmI: (call: grpc.ServerUnaryCall<unknown, Principal>, callback: grpc.sendUnaryData<Principal>) => {
      try {
        callback(null, authenticator.authenticate(call));
      } catch (error) {
        if (!(error instanceof IdentityError)) throw error;
        callback({ code: grpc.status.UNAUTHENTICATED, details: error.message });
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return { server, address: `127.0.0.1:${port}` };
}

type Outcome = { principal: Principal } | { code: grpc.status; details: string };

async function whoAmI(address: string, credentials: grpc.ChannelCredentials, metadata = new grpc.Metadata()) {
  // Dial the IP the server listens on, but name it localhost for SNI and the certificate check.
  const client = new IdentityClient(address, credentials, { 'grpc.ssl_target_name_override': 'localhost' });
  try {
    return await new Promise<Outcome>((resolve) => {
      client.makeUnaryRequest(
        identityService['whoAmI']!.path,
        json.serialize,
        json.deserialize,
        {},
        metadata,
        { deadline: Date.now() + 10_000 },
        (error, value) => {
          resolve(error ? { code: error.code, details: error.details } : { principal: value as Principal });
        },
      );
    });
  } finally {
    client.close();
  }
}

function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.add('authorization', `Bearer ${token}`);
  return metadata;
}

let workDir: string;
let certs: DevCertificates;
let strangerCerts: DevCertificates; // same script, another CA
const servers: grpc.Server[] = [];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'puente-identity-it-'));
  [certs, strangerCerts] = await Promise.all([
    createDevCertificates(join(workDir, 'dev'), {
      extraIdentities: { 'ca-rcmp-publisher': '/C=CA/O=RCMP/OU=publisher/CN=rcmp' },
    }),
    createDevCertificates(join(workDir, 'stranger')),
  ]);
}, 60_000);

afterAll(() => {
  for (const server of servers) server.forceShutdown();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('mutual TLS', () => {
  let address: string;
  const clientCredentials = (name: string, dir: DevCertificates = certs) =>
    createClientCredentials({ caFile: certs.caFile, ...dir.client(name) });

  beforeAll(async () => {
    const started = await startServer(
      createServerCredentials({
        caFile: certs.caFile,
        certFile: certs.server.certFile,
        keyFile: certs.server.keyFile,
        requireClientCert: true,
      }),
      createAuthenticator({ allowTokens: false }),
    );
    servers.push(started.server);
    address = started.address;
  });

  it('authenticates a CBP publisher by its certificate', async () => {
    expect(await whoAmI(address, clientCredentials('us-cbp-publisher'))).toEqual({
      principal: { country: 'US', agency: 'CBP', roles: ['publisher'], name: 'dev-us-cbp-publisher', via: 'mtls' },
    });
  });

  it('reads several roles from several OUs, and each agency from its own certificate', async () => {
    expect(await whoAmI(address, clientCredentials('mx-fgr-publisher-subscriber'))).toMatchObject({
      principal: { country: 'MX', agency: 'FGR', roles: ['publisher', 'subscriber'] },
    });
    expect(await whoAmI(address, clientCredentials('mx-anam-operator'))).toMatchObject({
      principal: { country: 'MX', agency: 'ANAM', roles: ['operator'] },
    });
  });

  it('refuses a client without a certificate at the handshake', async () => {
    expect(await whoAmI(address, createClientCredentials({ caFile: certs.caFile }))).toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  it('refuses a client certificate from another CA at the handshake', async () => {
    expect(await whoAmI(address, clientCredentials('us-cbp-publisher', strangerCerts))).toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  it('refuses the server certificate used as a client certificate', async () => {
    expect(await whoAmI(address, createClientCredentials({ caFile: certs.caFile, ...certs.server }))).toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });

  it('answers UNAUTHENTICATED to a certificate from the right CA with a subject it cannot accept', async () => {
    expect(await whoAmI(address, clientCredentials('ca-rcmp-publisher'))).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: 'client certificate country (C) "CA" is not one of US, MX',
    });
  });

  it('is refused by a client that does not trust the server', async () => {
    expect(
      await whoAmI(
        address,
        createClientCredentials({ caFile: strangerCerts.caFile, ...certs.client('us-cbp-publisher') }),
      ),
    ).toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('will not build server credentials from a certificate and a key that do not belong together', () => {
    expect(() =>
      createServerCredentials({
        caFile: certs.caFile,
        certFile: certs.server.certFile,
        keyFile: certs.client('us-cbp-publisher').keyFile,
        requireClientCert: true,
      }),
    ).toThrow(IdentityConfigError);
  });
});

describe('development bearer tokens', () => {
  const tokens = readDevTokens();
  const authenticator = createAuthenticator({ tokens: loadTokenStore(DEV_TOKENS_FILE), allowTokens: true });
  let insecure: string;
  let serverTls: string;

  beforeAll(async () => {
    const plain = await startServer(grpc.ServerCredentials.createInsecure(), authenticator);
    const tls = await startServer(
      createServerCredentials({
        caFile: certs.caFile,
        certFile: certs.server.certFile,
        keyFile: certs.server.keyFile,
        requireClientCert: false,
      }),
      authenticator,
    );
    servers.push(plain.server, tls.server);
    insecure = plain.address;
    serverTls = tls.address;
  });

  it('authenticates a known token', async () => {
    const token = tokens.get('dev-mx-anam-subscriber');
    expect(token).toBeDefined();
    expect(await whoAmI(insecure, grpc.credentials.createInsecure(), bearer(token ?? ''))).toEqual({
      principal: { country: 'MX', agency: 'ANAM', roles: ['subscriber'], name: 'dev-mx-anam-subscriber', via: 'token' },
    });
  });

  it('answers UNAUTHENTICATED without credentials', async () => {
    expect(await whoAmI(insecure, grpc.credentials.createInsecure())).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: 'no client certificate or bearer token',
    });
  });

  it('answers UNAUTHENTICATED to a forged token without repeating it', async () => {
    const forged = 'dev.us-cbp-publisher.FORGEDforgedFORGEDforgedFORGED00';
    const outcome = await whoAmI(insecure, grpc.credentials.createInsecure(), bearer(forged));
    expect(outcome).toEqual({ code: grpc.status.UNAUTHENTICATED, details: 'bearer token not recognised' });
    expect(JSON.stringify(outcome)).not.toContain('FORGED');
  });

  it('works over server-only TLS, where no client certificate is asked for', async () => {
    const credentials = createClientCredentials({ caFile: certs.caFile, ...certs.client('mx-anam-operator') });
    expect(await whoAmI(serverTls, credentials, bearer(tokens.get('dev-us-cbp-publisher') ?? ''))).toMatchObject({
      principal: { country: 'US', agency: 'CBP', roles: ['publisher'], via: 'token' },
    });
  });
});

describe('make-dev-certs.sh', () => {
  it('keeps valid certificates on a second run and reissues only what is missing', async () => {
    const read = (file: string) => readFileSync(file, 'utf8');
    const ca = read(strangerCerts.caFile);
    const kept = read(strangerCerts.client('mx-fgr-subscriber').certFile);
    const gone = strangerCerts.client('us-hsi-publisher');
    const before = read(gone.certFile);
    unlinkSync(gone.keyFile);

    await createDevCertificates(strangerCerts.dir);

    expect(read(strangerCerts.caFile)).toBe(ca);
    expect(read(strangerCerts.client('mx-fgr-subscriber').certFile)).toBe(kept);
    expect(read(gone.certFile)).not.toBe(before);
    expect(statSync(gone.keyFile).mode & 0o077).toBe(0); // keys readable by their owner only
  });

  it('refuses to write into a directory it did not make', async () => {
    await expect(createDevCertificates(workDir)).rejects.toThrow(/not made by this script/);
  });
});
