// What the pieces of KafkaBus share: the kafkajs client, its admin, the logger and consumer settings.
import type { Admin, Kafka } from 'kafkajs';

import type { Logger } from '@puente/runtime';

export interface KafkaContext {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly logger: Logger;
  readonly clientId: string;
  /** Settings every consumer of the bus shares. */
  readonly consumer: {
    /** Consumer group session timeout: how fast a dead member's partitions move on. */
    readonly sessionTimeout: number;
    readonly heartbeatInterval: number;
    /** Longest a fetch waits for new records: the floor of consume latency when idle. */
    readonly maxWaitTimeInMs: number;
  };
}
