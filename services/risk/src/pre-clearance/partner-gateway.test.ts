import { ChannelCredentials } from '@grpc/grpc-js';
import { ConfigError, silentLogger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import type { PartnerGatewayConfig } from '../config.js';
import type { GatewayPartnerFeedOptions } from './gateway-partner-feed.js';
import type { PartnerFeed } from './partner-feed.js';
import { partnerFeedOf } from './partner-gateway.js';

// A throwaway self-signed certificate and its key, made for this test only (CN puente-test-fixture):
// the channel credentials parse what they are given, so the files must hold real PEM.
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBkjCCATmgAwIBAgIUMw833b1Lc5ZautqYwJEI8eOqeTEwCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTcHVlbnRlLXRlc3QtZml4dHVyZTAgFw0yNjEyMDcwODQwNDRa
GA8yMTI2MTExMzA4NDA0NFowHjEcMBoGA1UEAwwTcHVlbnRlLXRlc3QtZml4dHVy
ZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGoKP+iQ5O5Gag27c1/qmZhQ8Lms
7LiUsXqk7fp20ACbE1IjMm8O5Mx2gVruJtpL4wB4T2nozoDrdlhrO9SLkfujUzBR
MB0GA1UdDgQWBBT8vV106nzSwZhMds1FLwMQjtBy9zAfBgNVHSMEGDAWgBT8vV10
6nzSwZhMds1FLwMQjtBy9zAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cA
MEQCIBFWi3Nk59oASWbb9ngdqiY0cJKEeyzAG7sZzqdEU5MOAiAZ5NCYr8+3/E2P
UfLIzPYDvF68aFrvgF2j+Ev1dnQIeQ==
-----END CERTIFICATE-----`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcS7kVW7OghKI48cN
0gRbp5bCUEOmSHanhdpJsXCOgXChRANCAARqCj/okOTuRmoNu3Nf6pmYUPC5rOy4
lLF6pO36dtAAmxNSIzJvDuTMdoFa7ibaS+MAeE9p6M6A63ZYazvUi5H7
-----END PRIVATE KEY-----`;

const GATEWAY: PartnerGatewayConfig = {
  address: 'gateway-us:8443',
  token: undefined,
  tokenFile: undefined,
  tls: undefined,
  subscription: 'puente-pre-clearance-us',
  feed: 'mx-to-us/mx.screening-results.v1',
};

/** The files a test pretends are on disk; any other path fails as the file system would. */
function filesOf(files: Record<string, string>) {
  const read: string[] = [];
  const readFile = (path: string) => {
    read.push(path);
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`));
    return Buffer.from(text);
  };
  return { read, readFile };
}

function build(gateway: PartnerGatewayConfig, files: Record<string, string> = {}) {
  let given: GatewayPartnerFeedOptions | undefined;
  const refusals: unknown[] = [];
  const { read, readFile } = filesOf(files);
  const feed = partnerFeedOf(gateway, {
    logger: silentLogger(),
    onRefused: (error) => refusals.push(error),
    readFile,
    createFeed: (options) => {
      given = options;
      return {} as PartnerFeed;
    },
  });
  return { feed, given: given as GatewayPartnerFeedOptions, read, refusals };
}

describe('partnerFeedOf', () => {
  it('subscribes to the configured feed with the token read from its file, trimmed, on an insecure channel', () => {
    const { given, read } = build(
      { ...GATEWAY, tokenFile: '/run/secrets/pc-token' },
      { '/run/secrets/pc-token': 'tok-us-1\n' },
    );
    expect(read).toEqual(['/run/secrets/pc-token']);
    expect(given).toMatchObject({
      address: 'gateway-us:8443',
      token: 'tok-us-1',
      subscription: 'puente-pre-clearance-us',
      feeds: ['mx-to-us/mx.screening-results.v1'],
    });
    expect(given.credentials).toBeInstanceOf(ChannelCredentials);
    expect(given.credentials._isSecure()).toBe(false);
  });

  it('reads the CA, key and certificate for mutual TLS and hands refusals to onRefused', () => {
    const tls = { caFile: '/tls/ca.pem', keyFile: '/tls/pc.key', certFile: '/tls/pc.pem' };
    const { given, read, refusals } = build(
      { ...GATEWAY, token: 'inline', tls },
      {
        '/tls/ca.pem': TEST_CERT,
        '/tls/pc.key': TEST_KEY,
        '/tls/pc.pem': TEST_CERT,
      },
    );
    expect(read.sort()).toEqual(['/tls/ca.pem', '/tls/pc.key', '/tls/pc.pem']);
    expect(given.credentials._isSecure()).toBe(true);
    expect(given.token).toBe('inline');
    const refusal = new Error('refused');
    given.onEnded?.(refusal as never);
    expect(refusals).toEqual([refusal]);
  });

  it('names every file it cannot read, by its variable, as a configuration error', () => {
    const tls = { caFile: '/tls/missing-ca.pem' };
    expect(() => build({ ...GATEWAY, tokenFile: '/run/secrets/none', tls })).toThrow(ConfigError);
    try {
      build({ ...GATEWAY, tokenFile: '/run/secrets/none', tls });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^PUENTE_GATEWAY_CA_FILE: cannot read \/tls\/missing-ca\.pem: ENOENT/),
        expect.stringMatching(/^PUENTE_GATEWAY_TOKEN_FILE: cannot read \/run\/secrets\/none: ENOENT/),
      ]);
    }
    expect(() => build({ ...GATEWAY, tokenFile: '/t' }, { '/t': ' \n' })).toThrow(
      /PUENTE_GATEWAY_TOKEN_FILE: \/t is empty/,
    );
  });
});
