// The main thread's side of produce-worker.mjs: requests by id, answers as promises, kafkajs
// logs routed to our logger, and every pending request refused if the thread dies.
import { Worker } from 'node:worker_threads';

import type { Logger } from '@puente/runtime';
import { KafkaClientError } from './errors.js';
import { kafkajsHooksInstalled } from './kafkajs-hooks.js';
import { packTopicMessages, type WireMessage } from './produce-wire.mjs';

export interface ProducerThreadOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly connectionTimeout: number;
  readonly requestTimeout: number;
  readonly retry: { readonly retries: number; readonly initialRetryTime: number; readonly maxRetryTime: number };
  /** Idempotent producers in the thread; a request names the one to use. */
  readonly producers: number;
  readonly logger: Logger;
  /** Called once if the thread ends without being stopped (its pending requests are refused). */
  readonly onUnexpectedExit?: () => void;
}

/** What Kafka answered for one partition of a request. */
export interface ProducedPartition {
  readonly topicName: string;
  readonly partition: number;
  readonly baseOffset?: string;
}

/** A kafkajs error as the thread describes it: the fields fromKafkaError reads, cause by cause. */
export interface DescribedError {
  readonly name?: string;
  readonly type?: string;
  readonly message?: string;
  readonly retriable?: boolean;
  readonly cause?: DescribedError;
}

type Answer =
  | { type: 'done'; id: number; metadata?: ProducedPartition[] }
  | { type: 'failed'; id: number; error: DescribedError }
  | { type: 'log'; level: 'error' | 'warn' | 'info' | 'debug'; namespace: string; message: string; extra: object };

interface Pending {
  resolve(answer: Extract<Answer, { type: 'done' }>): void;
  reject(error: unknown): void;
}

/** A kafkajs error rebuilt on this side, with the fields (and causes) fromKafkaError reads. */
export class ProducerThreadError extends Error {
  readonly type: string | undefined;
  readonly retriable: boolean | undefined;
  constructor(described: DescribedError) {
    super(
      described.message ?? 'producer thread request failed',
      described.cause ? { cause: new ProducerThreadError(described.cause) } : undefined,
    );
    this.name = described.name ?? 'Error';
    this.type = described.type;
    this.retriable = described.retriable;
  }
}

export class ProducerThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private exited: KafkaClientError | undefined;
  private stopping = false;

  constructor(options: ProducerThreadOptions) {
    const { logger, onUnexpectedExit, ...data } = options;
    this.worker = new Worker(new URL('./produce-worker.mjs', import.meta.url), {
      workerData: { ...data, brokers: [...data.brokers], onePassEncoding: kafkajsHooksInstalled() },
      // The thread needs no TypeScript loader: keep whatever the main thread was started with out.
      execArgv: [],
    });
    this.worker.on('message', (answer: Answer) => {
      if (answer.type === 'log') {
        logger[answer.level]({ kafkajs: answer.namespace, ...answer.extra }, answer.message);
        return;
      }
      const waiter = this.pending.get(answer.id);
      if (!waiter) return;
      this.pending.delete(answer.id);
      if (answer.type === 'done') waiter.resolve(answer);
      else waiter.reject(new ProducerThreadError(answer.error));
    });
    this.worker.on('error', (error) => logger.error({ err: error }, 'producer thread failed'));
    this.worker.on('exit', (code) => {
      this.exited = this.stopping
        ? new KafkaClientError({ code: 'STOPPED', message: 'the producer thread was stopped' })
        : new KafkaClientError({
            code: 'UNAVAILABLE',
            message: `the producer thread exited (code ${code}); try again`,
            retriable: true,
          });
      for (const waiter of this.pending.values()) waiter.reject(this.exited);
      this.pending.clear();
      if (!this.stopping) {
        logger.error({ code }, 'producer thread exited');
        onUnexpectedExit?.();
      }
    });
  }

  connect(): Promise<void> {
    return this.request({ type: 'connect' }).then(() => undefined);
  }

  /** Sends one produce request on producer `lane`: each topic's messages in order. */
  async send(
    lane: number,
    topicMessages: readonly { topic: string; messages: readonly WireMessage[] }[],
  ): Promise<ProducedPartition[]> {
    const packed = packTopicMessages(topicMessages);
    const answer = await this.request({ type: 'send', lane, packed }, [packed]);
    return answer.metadata ?? [];
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.exited) await this.request({ type: 'disconnect' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private request(
    message: Record<string, unknown>,
    transfer: ArrayBuffer[] = [],
  ): Promise<Extract<Answer, { type: 'done' }>> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }
}
