// Starts a gateway for tests and benchmarks the way they all wire it: the given bus and codec,
// the development agreements, tokens and publisher permissions, topics created at start, on a
// free loopback port without TLS. Options a test needs (limits, a backlog probe, other
// agreements) pass through to createGateway.
import { credentials } from '@grpc/grpc-js';
import { ShareServiceClient } from '@puente/proto';
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';

import { createGateway, type Gateway, type GatewayOptions } from '../create-gateway.js';
import { devGatewayParts } from '../dev/dev-wiring.js';

export interface TestGatewayOptions extends Partial<Omit<GatewayOptions, 'bus' | 'codec' | 'ensureTopics'>> {
  /** Started by the caller, and stopped by it after the gateway. */
  readonly bus: Bus;
  readonly codec: AvroCodec;
  /** Partitions of the topics created at start (default 3; 1 suits MemoryBus tests). */
  readonly partitions?: number;
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly port: number;
  /** `127.0.0.1:<port>`, for clients of any service the gateway serves. */
  readonly address: string;
  /** A ShareService client with gRPC's default channel options, made on first use; stop() closes it. */
  readonly client: ShareServiceClient;
  /** Closes the client, then stops the gateway, draining for up to `graceMs` (default 1 s). */
  stop(graceMs?: number): Promise<void>;
}

export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const { bus, codec, partitions = 3, ...overrides } = options;
  const dev = devGatewayParts(codec);
  const gateway = createGateway({
    policies: () => dev.policies,
    authenticator: dev.authenticator,
    permissions: dev.permissions,
    ...overrides,
    bus,
    codec,
    ensureTopics: { partitions },
  });
  await gateway.start();
  const address = `127.0.0.1:${gateway.port}`;
  let client: ShareServiceClient | undefined;
  return {
    gateway,
    port: gateway.port,
    address,
    get client() {
      client ??= new ShareServiceClient(address, credentials.createInsecure());
      return client;
    },
    async stop(graceMs = 1_000) {
      client?.close();
      await gateway.stop(graceMs);
    },
  };
}
