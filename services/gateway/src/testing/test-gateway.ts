// Starts a gateway for tests and benchmarks the way they all wire it: the given bus and codec,
// the development agreements, tokens and publisher permissions, topics created at start, on a
// free loopback port without TLS. Options a test needs (limits, a backlog probe, other
// agreements) pass through to createGateway; `policiesDir` serves a folder of agreements with hot
// reload, as main.ts does.
import { credentials } from '@grpc/grpc-js';
import { ShareServiceClient } from '@puente/proto';
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import { createPolicyStore, type PolicyError, type PolicyStore } from '@puente/policy';

import { SINGLE_BROKER_AUDIT_TOPIC } from '../audit/audit-topic.js';
import { createGateway, type Gateway, type GatewayOptions } from '../create-gateway.js';
import { devGatewayParts, readDevKeys } from '../dev/dev-wiring.js';

export interface TestGatewayOptions extends Partial<Omit<GatewayOptions, 'bus' | 'codec' | 'ensureTopics'>> {
  /** Started by the caller, and stopped by it after the gateway. */
  readonly bus: Bus;
  readonly codec: AvroCodec;
  /** Partitions of the topics created at start (default 3; 1 suits MemoryBus tests). */
  readonly partitions?: number;
  /**
   * A folder of agreements (with the development keys) watched as main.ts watches its own: each
   * reload re-evaluates open subscriptions. Instead of `policies`.
   */
  readonly policiesDir?: string;
  /** Told when a changed agreement in `policiesDir` is refused (the previous set stays in force). */
  readonly onPoliciesRejected?: (error: PolicyError) => void;
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly port: number;
  /** `127.0.0.1:<port>`, for clients of any service the gateway serves. */
  readonly address: string;
  /** A ShareService client with gRPC's default channel options, made on first use; stop() closes it. */
  readonly client: ShareServiceClient;
  /** The store serving `policiesDir`, when one was given. */
  readonly policyStore: PolicyStore | undefined;
  /** Closes the client, then stops the gateway, draining for up to `graceMs` (default 1 s). */
  stop(graceMs?: number): Promise<void>;
}

export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const { bus, codec, partitions = 3, policiesDir, onPoliciesRejected, ...overrides } = options;
  const dev = devGatewayParts(codec);
  const built: { gateway?: Gateway } = {};
  let policyStore: PolicyStore | undefined;
  if (policiesDir !== undefined) {
    const keys = readDevKeys();
    policyStore = createPolicyStore({
      dir: policiesDir,
      schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
      secret: (name) => keys.get(name),
      onReload: () => built.gateway?.agreementsChanged(),
      ...(onPoliciesRejected ? { onRejected: onPoliciesRejected } : {}),
    });
    await policyStore.start();
  }
  const store = policyStore;
  const gateway = createGateway({
    policies: store ? () => store.current() : () => dev.policies,
    authenticator: dev.authenticator,
    permissions: dev.permissions,
    // The test broker (and MemoryBus) is a single node.
    auditTopic: SINGLE_BROKER_AUDIT_TOPIC,
    ...overrides,
    bus,
    codec,
    ensureTopics: { partitions },
  });
  try {
    await gateway.start();
  } catch (error) {
    await policyStore?.stop();
    throw error;
  }
  built.gateway = gateway;
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
    policyStore,
    async stop(graceMs = 1_000) {
      client?.close();
      await gateway.stop(graceMs);
      await policyStore?.stop();
    },
  };
}
