// Makes gateway instances on one Kafka aware of each other's agreements: each announces itself
// (the agreements it serves) in a compacted topic at start, when its agreements change and every
// few seconds, and a tombstone when it stops; each reads the others' announcements and warns when
// a live one serves another version of an agreement it serves too (partners would get different
// answers from behind one address). Nothing here refuses a call: it is an operator's signal.
import type { Bus, Reader } from '@puente/bus';
import type { PolicySet } from '@puente/policy';
import type { Logger } from '@puente/runtime';

import { drainWithin } from '../gateway-server.js';
import { createMismatchReporter, findMismatches } from './agreement-mismatches.js';
import {
  type Announcement,
  decodeAnnouncement,
  encodeAnnouncement,
  servedAgreements,
} from './instance-announcement.js';

export interface GatewayInstancesOptions {
  readonly bus: Bus;
  readonly topic: string;
  /** Unique per process: the key of its announcements. */
  readonly instanceId: string;
  readonly policies: () => PolicySet;
  readonly logger: Logger;
  /** Told the number of differences seen now (the mismatch gauge). */
  readonly onMismatches: (count: number) => void;
  readonly announceEveryMs?: number;
  /** An instance not heard from for this long is taken to be gone (a crash leaves no tombstone). */
  readonly liveForMs?: number;
  readonly now?: () => number;
}

export interface GatewayInstances {
  start(): Promise<void>;
  /** Announces the agreements now served (call when they changed) and compares again. */
  changed(): void;
  /** Announces that this instance is gone, then stops reading. */
  stop(): Promise<void>;
  /** The other live instances heard from, by id (for tests and operators). */
  others(): ReadonlyMap<string, Announcement>;
}

export function createGatewayInstances(options: GatewayInstancesOptions): GatewayInstances {
  const { bus, topic, instanceId, logger } = options;
  const now = options.now ?? Date.now;
  const announceEveryMs = options.announceEveryMs ?? 15_000;
  const liveForMs = options.liveForMs ?? 45_000;
  const others = new Map<string, Announcement>();
  const reporter = createMismatchReporter({ logger, self: instanceId, onCount: options.onMismatches });
  let reader: Reader | undefined;
  let timer: NodeJS.Timeout | undefined;
  const writing = new Set<Promise<void>>();

  const compare = () =>
    reporter.report(findMismatches(servedAgreements(options.policies()), others.values(), now() - liveForMs));

  const send = (value: Buffer | null) => {
    const written = bus
      .publish(topic, [{ key: instanceId, value }])
      .then(
        () => undefined,
        (error: unknown) =>
          logger.warn({ err: error, topic, instance: instanceId }, 'gateway instance announcement not written'),
      )
      .finally(() => writing.delete(written));
    writing.add(written);
  };

  const announce = () => {
    send(encodeAnnouncement({ instance: instanceId, at: now(), agreements: servedAgreements(options.policies()) }));
    compare();
  };

  const heard = (key: string | null, value: Buffer | null, offset: string) => {
    if (key === null || key === instanceId) return;
    if (value === null) {
      others.delete(key);
      return;
    }
    const announcement = decodeAnnouncement(value);
    if ('problem' in announcement || announcement.instance !== key) {
      const problem = 'problem' in announcement ? announcement.problem : 'instance differs from the key';
      logger.warn({ topic, offset, problem }, 'gateway instance announcement skipped: not readable');
      return;
    }
    others.set(key, announcement);
  };

  return {
    async start() {
      // Compacted, and deleted after a day: an instance that crashed (no tombstone) goes eventually.
      await bus.admin.ensureTopics([
        {
          topic,
          partitions: 1,
          cleanupPolicy: 'compact',
          retentionMs: 24 * 3_600_000,
          configs: { 'cleanup.policy': 'compact,delete' },
        },
      ]);
      const partitions = (await bus.admin.describeTopic(topic)).partitions;
      reader = await bus.readFrom({
        topic,
        positions: partitions.map((p) => ({ partition: p.partition, offset: p.low })),
        handler: async (batch) => {
          for (const record of batch.records) heard(record.key, record.value, record.offset);
          compare();
        },
      });
      announce();
      timer = setInterval(announce, announceEveryMs).unref();
    },
    changed: announce,
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      send(null);
      // The broker may be down: a missing tombstone only means others see this instance for ~45 s more.
      await drainWithin(
        Promise.all([...writing]).then(() => undefined),
        3_000,
      );
      await reader?.stop();
    },
    others: () => new Map([...others].filter(([, a]) => a.at >= now() - liveForMs)),
  };
}
