// The gateway's clients for one command: OperatorService for inspection, ShareService for
// publish, over TLS when a CA is configured, with the bearer token (if any) on every call.
import { type CallOptions, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { OperatorServiceClient, ShareServiceClient } from '@puente/proto';

import type { Connection } from '../config/connection.js';

export interface GatewayClients {
  readonly operator: OperatorServiceClient;
  readonly share: ShareServiceClient;
  close(): void;
}

export function connectGateway(connection: Connection): GatewayClients {
  const channel = connection.tls
    ? credentials.createSsl(connection.tls.ca, connection.tls.key ?? null, connection.tls.cert ?? null)
    : credentials.createInsecure();
  const operator = new OperatorServiceClient(connection.address, channel);
  const share = new ShareServiceClient(connection.address, channel);
  return {
    operator,
    share,
    close() {
      operator.close();
      share.close();
    },
  };
}

/** The call metadata: `authorization: Bearer <token>` when a token is configured. */
export function callMetadata(connection: Connection): Metadata {
  const metadata = new Metadata();
  if (connection.token !== undefined) metadata.set('authorization', `Bearer ${connection.token}`);
  return metadata;
}

/** Unary calls wait at most this long; an unreachable gateway fails at once (no waitForReady). */
export const CALL_TIMEOUT_MS = 30_000;

export const callOptions = (): CallOptions => ({ deadline: Date.now() + CALL_TIMEOUT_MS });

/** A grpc-js unary call as a promise: `unary((cb) => client.listTopics(req, md, opts, cb))`. */
export function unary<T>(invoke: (callback: (error: ServiceError | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => invoke((error, value) => (error ? reject(error) : resolve(value as T))));
}

/** Whether the address is this machine (loopback or a Unix socket), where plaintext stays local. */
export function isLoopback(address: string): boolean {
  if (/^unix(-abstract)?:/.test(address)) return true;
  const target = address.replace(/^(dns|ipv4|ipv6):(\/\/[^/]*\/)?/, '');
  const host = target.startsWith('[') ? target.slice(1, target.indexOf(']')) : target.replace(/:\d*$/, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** A bearer token would cross the network unencrypted: no TLS, and the gateway is not local. */
export const tokenInPlaintext = (connection: Connection): boolean =>
  connection.token !== undefined && connection.tls === undefined && !isLoopback(connection.address);
