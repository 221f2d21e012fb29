// The partner feed of the configured gateway (config.ts's PartnerGatewayConfig): reads the bearer
// token file and the TLS files, builds the channel credentials and the feed. A file that cannot be
// read is a configuration error naming its variable and path, not a stack trace at start.
import { readFileSync } from 'node:fs';

import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { ConfigError, messageOf, type Logger } from '@puente/runtime';

import type { PartnerGatewayConfig } from '../config.js';
import type { RiskError } from '../errors.js';
import { createGatewayPartnerFeed, type GatewayPartnerFeedOptions } from './gateway-partner-feed.js';
import type { PartnerFeed } from './partner-feed.js';

export interface PartnerGatewayOptions {
  readonly logger: Logger;
  /** Told when the gateway refuses the subscription for good (credentials, agreement). */
  readonly onRefused: (error: RiskError) => void;
  /** Replaceable in tests. */
  readonly readFile?: (path: string) => Buffer;
  readonly createFeed?: (options: GatewayPartnerFeedOptions) => PartnerFeed;
}

/** The partner feed over the gateway: bearer token (value or file) and/or mutual TLS. */
export function partnerFeedOf(gateway: PartnerGatewayConfig, options: PartnerGatewayOptions): PartnerFeed {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path));
  const problems: string[] = [];
  const read = (variable: string, path: string): Buffer | undefined => {
    try {
      return readFile(path);
    } catch (err) {
      problems.push(`${variable}: cannot read ${path}: ${messageOf(err)}`);
      return undefined;
    }
  };
  const { tls } = gateway;
  const ca = tls && read('PUENTE_GATEWAY_CA_FILE', tls.caFile);
  const key = tls?.keyFile ? read('PUENTE_GATEWAY_KEY_FILE', tls.keyFile) : undefined;
  const cert = tls?.certFile ? read('PUENTE_GATEWAY_CERT_FILE', tls.certFile) : undefined;
  const tokenFile = gateway.tokenFile ? read('PUENTE_GATEWAY_TOKEN_FILE', gateway.tokenFile) : undefined;
  const token = gateway.token ?? tokenFile?.toString('utf8').trim();
  if (gateway.tokenFile && tokenFile && !token)
    problems.push(`PUENTE_GATEWAY_TOKEN_FILE: ${gateway.tokenFile} is empty`);
  if (problems.length > 0) throw new ConfigError('risk service', problems);
  let channel: ChannelCredentials;
  try {
    channel = tls ? credentials.createSsl(ca ?? null, key ?? null, cert ?? null) : credentials.createInsecure();
  } catch (err) {
    const variables = [
      'PUENTE_GATEWAY_CA_FILE',
      ...(key ? ['PUENTE_GATEWAY_CERT_FILE', 'PUENTE_GATEWAY_KEY_FILE'] : []),
    ];
    throw new ConfigError('risk service', [
      `${variables.join(', ')}: not a usable CA${key ? ', certificate and key' : ''} (PEM): ${messageOf(err)}`,
    ]);
  }
  return (options.createFeed ?? createGatewayPartnerFeed)({
    address: gateway.address,
    credentials: channel,
    token,
    subscription: gateway.subscription,
    feeds: [gateway.feed],
    logger: options.logger,
    onEnded: options.onRefused,
  });
}
