// Reads the service's own output topic from where it last stopped to the topic's current end and
// records every assessment found there in the ledger: at start-up (what earlier runs assessed), and
// again after a publish that failed yet may have landed.
import { BusError } from '@puente/bus';
import type { Bus, ConsumedRecord, PartitionOffsets } from '@puente/bus';
import type { AvroCodec, RiskAssessment } from '@puente/contracts';
import type { Logger } from '@puente/runtime';

import type { AssessmentLedger } from './assessment-ledger.js';
import { SHIPPER_HEADER } from './assessment-record.js';
import { RiskError } from './errors.js';
import type { RiskTopics } from './topics.js';

export interface OutputCatchUpOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly outputTopic: RiskTopics['outputTopic'];
  readonly ledger: AssessmentLedger;
  readonly logger: Logger;
  readonly now: () => number;
  /** Longest a catch-up may take, listing the topic and reading it. */
  readonly timeoutMs: number;
}

/** Where to read from, and the end each partition must reach. */
export interface CatchUpPlan {
  readonly positions: { partition: number; offset: string }[];
  /** By partition, the offset a catch-up is done at (the partition's high watermark when planned). */
  readonly remaining: Map<number, bigint>;
}

/** The partitions with records not read yet: each from the later of where we stopped and its earliest offset. */
export function planCatchUp(partitions: readonly PartitionOffsets[], read: ReadonlyMap<number, bigint>): CatchUpPlan {
  const remaining = new Map<number, bigint>();
  const positions: { partition: number; offset: string }[] = [];
  for (const p of partitions) {
    const low = BigInt(p.low);
    const from = (read.get(p.partition) ?? low) > low ? (read.get(p.partition) ?? low) : low;
    if (BigInt(p.high) > from) {
      remaining.set(p.partition, BigInt(p.high));
      positions.push({ partition: p.partition, offset: from.toString() });
    }
  }
  return { positions, remaining };
}

export class OutputCatchUp {
  /** By output partition, the next offset to read. */
  private readonly read = new Map<number, bigint>();

  constructor(private readonly options: OutputCatchUpOptions) {}

  /** Reads the output topic from where we last were to its current end. */
  async run(): Promise<void> {
    const { outputTopic } = this.options;
    const info = await this.outputTopicInfo();
    if (!info) throw new RiskError({ code: 'CATCH_UP_FAILED', message: `topic ${outputTopic} does not exist` });
    const plan = planCatchUp(info.partitions, this.read);
    if (plan.positions.length === 0) return;
    await this.readToEnd(plan);
  }

  /** Lists the output topic's offsets, retrying while the broker says retrying can help (e.g. no leader yet). */
  private async outputTopicInfo() {
    const { bus, now, logger, outputTopic } = this.options;
    const deadline = now() + this.options.timeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await bus.admin.listTopics()).find((t) => t.topic === outputTopic);
      } catch (err) {
        if (!(err instanceof BusError && err.retriable) || now() > deadline) throw err;
        logger.debug({ err, attempt }, 'listing topics failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
  }

  private async readToEnd({ positions, remaining }: CatchUpPlan): Promise<void> {
    const end = deadlineOf(this.options.timeoutMs, () => this.tooSlow(remaining));
    const reader = this.options.bus.readFrom({
      topic: this.options.outputTopic,
      positions,
      handler: async (batch) => {
        for (const record of batch.records) this.take(batch.partition, record, remaining);
        if (remaining.size === 0) end.settle();
      },
    });
    try {
      await reader;
      await end.done;
    } finally {
      end.cancel();
      await (await reader.catch(() => undefined))?.stop();
    }
  }

  private take(partition: number, record: ConsumedRecord, remaining: Map<number, bigint>): void {
    this.learn(record);
    const next = BigInt(record.offset) + 1n;
    this.read.set(partition, next);
    const target = remaining.get(partition);
    if (target !== undefined && next >= target) remaining.delete(partition);
  }

  private learn(record: ConsumedRecord): void {
    if (!record.value) return;
    let value: RiskAssessment;
    try {
      value = this.options.codec.decode(record.value, { topic: this.options.outputTopic }).value;
    } catch (err) {
      const { topic, partition, offset } = record;
      this.options.logger.warn({ err, topic, partition, offset }, 'undecodable');
      return;
    }
    this.options.ledger.record(value, record.headers[SHIPPER_HEADER]?.toString('utf8'));
  }

  private tooSlow(remaining: ReadonlyMap<number, bigint>): RiskError {
    const left = [...remaining.keys()].join(', ');
    return new RiskError({
      code: 'CATCH_UP_FAILED',
      retriable: true,
      message: `reading ${this.options.outputTopic} partitions ${left} to their end took over ${this.options.timeoutMs} ms`,
    });
  }
}

/** A promise that `settle` resolves, or that rejects with `timeout()` after `ms` unless cancelled first. */
function deadlineOf(ms: number, timeout: () => Error) {
  let timer: NodeJS.Timeout | undefined;
  let settle: (() => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = resolve;
    timer = setTimeout(() => reject(timeout()), ms);
  });
  return { done, settle: () => settle?.(), cancel: () => clearTimeout(timer) };
}
