// Producer lanes: publish calls queued per topic and sent together (group commit) by the
// idempotent producers of a producer thread, which is replaced should it end unexpectedly.
import {
  planRequest,
  ProducerThread,
  type PlannedRecord,
  type ProducedPartition,
  type ProducerThreadOptions,
  type RequestSlice,
  type WireMessage,
} from '@puente/kafka-client';
import type { Logger } from '@puente/runtime';

import { BusError } from '../errors.js';
import type { PublishResult } from '../types.js';
import { fromKafkaError } from './errors.js';

export interface ProducerLanesOptions {
  /** The producer thread's options; one lane per producer in it. */
  readonly thread: Omit<ProducerThreadOptions, 'onUnexpectedExit'>;
  readonly logger: Logger;
  /** Whether a thread that ended unexpectedly is replaced: while the bus runs. */
  readonly running: () => boolean;
  /** The topic data one produce request may carry, as last read. */
  readonly requestBytes: () => number;
  /** Kafka refused a request in a way that says what is known of the topic is stale. */
  readonly forget: (topic: string) => void;
  /**
   * Topics kept on a lane of their own (the last; with one producer there is only one lane): a
   * bulk writer's bookkeeping, such as the gateway's disclosures and cursors, then never queues
   * ahead of the records others wait on. The other topics share the remaining lanes.
   */
  readonly apart?: (topic: string) => boolean;
}

/** One publish call: its records, ready for the wire, and the topic's batch limit when it was made. */
export interface ProduceCall {
  readonly topic: string;
  readonly messages: readonly WireMessage[];
  /** The same records as produce-plan sizes them. */
  readonly records: readonly PlannedRecord[];
  /** The topic's max.message.bytes when the call was made. */
  readonly batchBytes: number;
}

interface ProducerLane {
  /** Which of the producer thread's producers this lane uses. */
  readonly index: number;
  readonly queue: PendingProduce[];
  producing: boolean;
}

/** A publish call waiting on its lane; a call larger than one request goes out in several. */
interface PendingProduce extends ProduceCall {
  /** Records handed to a request so far (a prefix of `messages`). */
  sent: number;
  /** Offsets of the records written so far, in call order. */
  readonly results: PublishResult[];
  settled: boolean;
  readonly resolve: (results: PublishResult[]) => void;
  readonly reject: (error: unknown) => void;
}

type TakenSlice = Omit<RequestSlice, 'call'> & { call: PendingProduce };

export class ProducerLanes {
  /** Each topic is published through one lane, chosen at its first publish. */
  private readonly lanes: ProducerLane[];
  private readonly laneOfTopic = new Map<string, ProducerLane>();
  /** Topics given one of the shared lanes so far. */
  private assigned = 0;
  private thread: ProducerThread | undefined;

  constructor(private readonly options: ProducerLanesOptions) {
    this.lanes = Array.from({ length: options.thread.producers }, (_, index) => ({
      index,
      queue: [],
      producing: false,
    }));
  }

  /** Starts a producer thread and connects its producers. */
  async connect(): Promise<void> {
    this.thread = this.newThread();
    await this.thread.connect();
  }

  /** A producer thread that, should it end unexpectedly, is replaced while the bus runs. */
  private newThread(): ProducerThread {
    const thread: ProducerThread = new ProducerThread({
      ...this.options.thread,
      onUnexpectedExit: () => {
        if (!this.options.running() || this.thread !== thread) return;
        const replacement = this.newThread();
        this.thread = replacement;
        replacement
          .connect()
          .then(() => this.options.logger.warn('producer thread replaced'))
          .catch((error: unknown) =>
            this.options.logger.error({ err: error }, 'replacement producer thread cannot connect'),
          );
      },
    });
    return thread;
  }

  /**
   * Queues a call on its topic's lane, at once (before this returns), and sends what the lane
   * holds if no request is in flight; resolves with the records' offsets once all are written.
   */
  produce(call: ProduceCall): Promise<PublishResult[]> {
    return new Promise<PublishResult[]>((resolve, reject) => {
      const lane = this.laneOfTopic.get(call.topic) ?? this.assignLane(call.topic);
      lane.queue.push({ ...call, sent: 0, results: [], settled: false, resolve, reject });
      this.flush(lane);
    });
  }

  /** The lane a topic is published through from now on: the last for topics kept apart, else in turn over the others. */
  private assignLane(topic: string): ProducerLane {
    const count = this.lanes.length;
    const shared = this.options.apart && count > 1 ? count - 1 : count;
    const lane =
      shared < count && this.options.apart?.(topic) ? this.lanes[count - 1]! : this.lanes[this.assigned++ % shared]!;
    this.laneOfTopic.set(topic, lane);
    return lane;
  }

  /** Refuses the calls still queued behind the requests in flight, rather than dropping them silently. */
  refuseQueued(): void {
    for (const call of this.lanes.flatMap((lane) => lane.queue.splice(0))) {
      const begun = call.sent > 0 ? ` (the first ${call.sent} of its ${call.messages.length} records were sent)` : '';
      settle(call, {
        error: new BusError({
          code: 'STOPPED',
          message: `KafkaBus stopped before publishing to '${call.topic}'${begun}`,
          mayHaveWritten: call.sent > 0,
        }),
      });
    }
  }

  /** Stops the producer thread. */
  async stop(): Promise<void> {
    await this.thread?.stop();
  }

  /**
   * Group commit. An idempotent producer has one request in flight per broker, so calls made
   * while a request is out would each wait for a round trip of their own: instead, what is
   * queued meanwhile on a lane goes out together as its next request (one record batch per
   * partition), in call order, so per-partition order is the order of the calls (a topic always
   * uses the same lane). A request takes as much of the queue as fits the topics'
   * max.message.bytes per partition batch and the broker's socket.request.max.bytes in all
   * (produce-plan.ts); a call that does not fit goes on in the next. Lanes (separate producers
   * and connections) let different topics' requests be in flight at the same time.
   */
  private flush(lane: ProducerLane): void {
    while (!lane.producing && lane.queue.length > 0) {
      const requestBytes = this.options.requestBytes();
      const { slices } = planRequest(lane.queue, requestBytes);
      if (slices.length === 0) {
        // Each record was checked alone against its call's limits: only a smaller request
        // limit than at publish could get here. Refuse the call rather than stall the lane.
        const call = lane.queue.shift()!;
        settle(call, {
          error: new BusError({
            code: 'RECORD_TOO_LARGE',
            message: `record ${call.sent} for topic '${call.topic}' no longer fits a produce request of ${requestBytes} bytes`,
          }),
        });
        continue;
      }
      const taken = slices.map((slice) => ({ ...slice, call: lane.queue[slice.call]! }));
      for (const slice of taken) slice.call.sent = slice.to;
      // Calls sent whole leave the queue; one cut short stays at its head for the next request.
      lane.queue.splice(0, taken.filter((slice) => slice.to === slice.call.messages.length).length);
      lane.producing = true;
      void this.produceTogether(lane, taken).finally(() => {
        lane.producing = false;
        // A call that failed part-way is over: the rest of it is not sent.
        if (lane.queue[0]?.settled) lane.queue.shift();
        this.flush(lane);
      });
    }
  }

  /** Sends one request with the slices taken, and settles the calls it completes or fails. */
  private async produceTogether(lane: ProducerLane, taken: readonly TakenSlice[]): Promise<void> {
    const byTopic = new Map<string, WireMessage[]>();
    for (const { call, from, to } of taken) {
      let list = byTopic.get(call.topic);
      if (!list) byTopic.set(call.topic, (list = []));
      for (let i = from; i < to; i++) list.push(call.messages[i]!);
    }
    if (!this.thread) {
      const error = new BusError({ code: 'NOT_STARTED', message: 'KafkaBus is not started' });
      for (const { call } of taken) settle(call, { error });
      return;
    }
    let metadata: ProducedPartition[];
    try {
      metadata = await this.thread.send(
        lane.index,
        [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      );
    } catch (error) {
      this.refused(error, taken, [...byTopic.keys()]);
      return;
    }
    settleWritten(metadata, taken);
  }

  /** Fails every call of a refused request; a refusal that says our view of a topic is stale drops it. */
  private refused(error: unknown, taken: readonly TakenSlice[], topics: readonly string[]): void {
    const code = fromKafkaError(error, 'publishing').code;
    if (code === 'RECORD_TOO_LARGE') {
      // Sized within the limits we read: a topic's limit was lowered since. Read them again.
      this.options.logger.warn({ topics }, 'Kafka refused a produce request as too large; reading limits again');
    }
    for (const { call, from, to } of taken) {
      if (code === 'UNKNOWN_TOPIC' || code === 'RECORD_TOO_LARGE') this.options.forget(call.topic);
      const busError = fromKafkaError(error, `publishing ${to - from} record(s) to '${call.topic}'`);
      settle(call, { error: partly(busError, call) });
    }
  }
}

/**
 * Gives each record of the slices its offset, in call order within each partition from the
 * partition's base offset, and settles the calls now written in full (or missing an answer).
 */
function settleWritten(metadata: readonly ProducedPartition[], taken: readonly TakenSlice[]): void {
  const next = new Map<string, bigint>();
  for (const entry of metadata) next.set(`${entry.topicName}\u0000${entry.partition}`, BigInt(entry.baseOffset ?? '0'));
  for (const { call, from, to } of taken) {
    let missing: number | undefined;
    for (let i = from; i < to; i++) {
      const partition = call.messages[i]!.partition;
      const at = `${call.topic}\u0000${partition}`;
      const offset = next.get(at);
      if (offset === undefined) {
        missing = partition;
        break;
      }
      next.set(at, offset + 1n);
      call.results.push({ topic: call.topic, partition, offset: offset.toString() });
    }
    if (missing !== undefined) {
      const error = new BusError({
        code: 'INTERNAL',
        message: `no produce acknowledgement for ${call.topic}[${missing}]`,
      });
      settle(call, { error: partly(error, call) });
    } else if (to === call.messages.length) settle(call, { results: call.results });
  }
}

/**
 * A call's error once a request carrying its records was sent: they may have been written (a
 * refused partition fails the whole request, whose other partitions Kafka wrote), and it says so
 * when some of its records were written by earlier requests.
 */
function partly(error: BusError, call: PendingProduce): BusError {
  const first = call.results[0];
  const written = first
    ? `; the call's first ${call.results.length} of ${call.messages.length} records were written (from ${call.topic}[${first.partition}]@${first.offset} on)`
    : '';
  return new BusError({
    code: error.code,
    message: `${error.message}${written}`,
    retriable: error.retriable,
    mayHaveWritten: true,
    cause: error,
  });
}

function settle(call: PendingProduce, outcome: { results: PublishResult[] } | { error: unknown }): void {
  if (call.settled) return;
  call.settled = true;
  if ('results' in outcome) call.resolve(outcome.results);
  else call.reject(outcome.error);
}
