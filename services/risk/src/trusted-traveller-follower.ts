// Keeps a TrustedTravellerRegistry in step with this country's <c>.trusted-travellers.v1: reads the
// topic from its start with an ungrouped reader that never commits (the registry is rebuilt from
// the topic on every start), then follows it. `catchUp()` waits until everything published so far
// has been read, so a crossing is never judged on an older status than the registry's current word.
import { BusError } from '@puente/bus';
import type { Bus, ConsumedRecord, Reader } from '@puente/bus';
import type { AvroCodec, TrustedTravellerStatus } from '@puente/contracts';
import type { Logger } from '@puente/runtime';

import { RiskError } from './errors.js';
import type { TrustedTravellerRegistry } from './trusted-traveller-registry.js';

export interface TrustedTravellerFollowerOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly topic: string;
  readonly registry: TrustedTravellerRegistry;
  readonly logger: Logger;
  readonly now: () => number;
  /** Longest a catch-up may take. */
  readonly timeoutMs: number;
}

interface Waiter {
  readonly targets: Map<number, bigint>;
  readonly resolve: () => void;
}

export class TrustedTravellerFollower {
  private reader: Reader | undefined;
  /** By partition, the next offset to read. */
  private readonly next = new Map<number, bigint>();
  private readonly waiters = new Set<Waiter>();
  private undecodableCount = 0;

  constructor(private readonly options: TrustedTravellerFollowerOptions) {}

  /** Records on the topic that could not be decoded (skipped: the registry is not ours to dead-letter). */
  get undecodable(): number {
    return this.undecodableCount;
  }

  /** Starts reading every partition from its earliest offset and returns once the topic's current end is read. */
  async start(): Promise<void> {
    if (this.reader) return;
    const partitions = await this.partitions();
    for (const p of partitions) this.next.set(p.partition, BigInt(p.low));
    this.reader = await this.options.bus.readFrom({
      topic: this.options.topic,
      positions: partitions.map((p) => ({ partition: p.partition, offset: p.low })),
      handler: async (batch) => {
        for (const record of batch.records) this.take(batch.partition, record);
        this.wake();
      },
    });
    await this.catchUp();
  }

  async stop(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    await reader?.stop();
  }

  /** Resolves once every record published to the topic before the call has been read. */
  async catchUp(): Promise<void> {
    const targets = new Map<number, bigint>();
    for (const p of await this.partitions()) {
      if (BigInt(p.high) > (this.next.get(p.partition) ?? BigInt(p.low))) targets.set(p.partition, BigInt(p.high));
    }
    if (targets.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    let waiter: Waiter | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        waiter = { targets, resolve };
        this.waiters.add(waiter);
        timer = setTimeout(() => reject(this.tooSlow(targets)), this.options.timeoutMs);
        this.wake();
      });
    } finally {
      clearTimeout(timer);
      if (waiter) this.waiters.delete(waiter);
    }
  }

  private take(partition: number, record: ConsumedRecord): void {
    this.next.set(partition, BigInt(record.offset) + 1n);
    const { codec, topic, registry, logger } = this.options;
    if (!record.value) {
      // A tombstone: the registry deleted the membership, so nothing confirms it any more.
      if (record.key !== null) registry.forget(record.key);
      return;
    }
    let status: TrustedTravellerStatus;
    try {
      status = codec.decode(record.value, { topic }).value as TrustedTravellerStatus;
    } catch (err) {
      this.undecodableCount += 1;
      logger.warn({ err, topic, partition, offset: record.offset }, 'undecodable registry record skipped');
      return;
    }
    registry.record(status);
  }

  private wake(): void {
    for (const waiter of this.waiters) {
      for (const [partition, target] of waiter.targets) {
        if ((this.next.get(partition) ?? 0n) >= target) waiter.targets.delete(partition);
      }
      if (waiter.targets.size === 0) waiter.resolve();
    }
  }

  /**
   * The topic's partitions with their offsets, retrying while the broker says retrying can help.
   * Only this topic is described: listing every topic would fetch the offsets of the whole cluster.
   */
  private async partitions() {
    const { bus, topic, now, logger } = this.options;
    const deadline = now() + this.options.timeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await bus.admin.describeTopic(topic)).partitions;
      } catch (err) {
        if (err instanceof BusError && err.code === 'UNKNOWN_TOPIC') {
          throw new RiskError({ code: 'CATCH_UP_FAILED', message: `topic ${topic} does not exist`, cause: err });
        }
        if (!(err instanceof BusError && err.retriable) || now() > deadline) throw err;
        logger.debug({ err, attempt }, 'describing the registry topic failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
  }

  private tooSlow(targets: ReadonlyMap<number, bigint>): RiskError {
    return new RiskError({
      code: 'CATCH_UP_FAILED',
      retriable: true,
      message: `reading ${this.options.topic} partitions ${[...targets.keys()].join(', ')} to their end took over ${this.options.timeoutMs} ms`,
    });
  }
}
