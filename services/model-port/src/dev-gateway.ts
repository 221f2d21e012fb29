// The model port's gateway: the development agreements, tokens and publisher permissions, on
// 127.0.0.1, creating its topics with three partitions, answering ledger queries from the
// embedded ledgers.
import type { Bus } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import { createGateway, type Gateway, SINGLE_BROKER_AUDIT_TOPIC } from '@puente/gateway';
import { devGatewayParts, type DevGatewayParts } from '@puente/gateway/dev';
import type { Logger } from '@puente/runtime';

import type { EmbeddedLedgers } from './ledgers.js';

export interface DevGatewayOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly logger: Logger;
  /** The gRPC port on 127.0.0.1 (0: any free port). */
  readonly port: number;
  /** Secrets the development agreements name; the development key fixture answers the rest. */
  readonly secret?: ((name: string) => string | undefined) | undefined;
  /** Each country's disclosure ledger, and the keys its checkpoints are signed with. */
  readonly ledgers: Pick<EmbeddedLedgers, 'readers' | 'checkpointKeys'>;
}

export function createDevGateway(options: DevGatewayOptions): { gateway: Gateway; dev: DevGatewayParts } {
  const { bus, codec, logger } = options;
  const dev = devGatewayParts(codec, options.secret);
  const gateway = createGateway({
    bus,
    codec,
    policies: () => dev.policies,
    authenticator: dev.authenticator,
    permissions: dev.permissions,
    address: `127.0.0.1:${options.port}`,
    ensureTopics: { partitions: 3 },
    // The embedded bus is one process: one copy of everything.
    auditTopic: SINGLE_BROKER_AUDIT_TOPIC,
    ledgers: options.ledgers.readers,
    checkpointKeys: options.ledgers.checkpointKeys,
    logger,
  });
  return { gateway, dev };
}
