// KafkaBus's producers, on a thread of their own. kafkajs encodes every produce request in
// JavaScript (records, headers, CRC-32C, copies at each level), which was the largest single
// cost on a busy gateway's main thread; here it runs beside it. The main thread keeps the
// queues, the group commit and the offsets; this thread only sends what it is given and says
// what Kafka answered. Plain JavaScript, so it loads the same under tsx, vitest or bare node.
import { parentPort as maybeParentPort, workerData } from 'node:worker_threads';

import kafkajs from 'kafkajs';

import { kafkajsPatchProblem, requireFromInstalledKafkajs } from './kafkajs-patch.mjs';
import { unpackTopicMessages } from './produce-wire.mjs';
import { encodePartitionRecords } from './record-batch.mjs';

const { Kafka, Partitioners, logLevel } = kafkajs;

if (!maybeParentPort) throw new Error('produce-worker.mjs runs only as a worker thread (see producer-thread.ts)');
const parentPort = maybeParentPort;

/** @typedef {import('kafkajs').Producer} Producer */
/**
 * @typedef {{ name?: string | undefined, type?: string | undefined, message: string, retriable?: boolean | undefined, cause?: DescribedError }} DescribedError
 * @typedef {{ type: 'connect', id: number } | { type: 'send', id: number, lane: number, packed: ArrayBuffer } | { type: 'disconnect', id: number }} Request
 */

/**
 * What ProducerThread starts the thread with (producer-thread.ts).
 * @typedef {{
 *   clientId: string,
 *   brokers: string[],
 *   connectionTimeout: number,
 *   requestTimeout: number,
 *   retry: { retries: number, initialRetryTime: number, maxRetryTime: number },
 *   producers: number,
 *   onePassEncoding: boolean,
 * }} WorkerData
 */

// workerData is `any`. It goes through `unknown` so that the linter sees no `any` flow either:
// typescript-eslint does not read JSDoc casts (typescript-eslint/typescript-eslint#4824).
/** @type {unknown} */
const data = workerData;
const { clientId, brokers, connectionTimeout, requestTimeout, retry, producers, onePassEncoding } =
  /** @type {WorkerData} */ (data);

// Our kafkajs patch (patches/kafkajs@2.2.4.patch) lets the records of each partition be encoded
// in one pass (record-batch.mjs) instead of kafkajs's encoder per record; the bytes are the same.
// Only when the main thread installed the hooks (installKafkajsHooks), and only in this thread.
if (onePassEncoding) {
  const requireFromKafkajs = requireFromInstalledKafkajs();
  const problem = kafkajsPatchProblem(requireFromKafkajs);
  if (problem) throw new Error(problem);
  /** @type {{ setPartitionRecordsEncoder(encoder: typeof encodePartitionRecords): void }} */ (
    requireFromKafkajs('./src/protocol/requests/produce/v3/request.js')
  ).setPartitionRecordsEncoder(encodePartitionRecords);
}

/** @type {Partial<Record<number, 'error' | 'warn' | 'info' | 'debug'>>} */
const LEVELS = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Log fields as plain data: errors by name and message, nothing that cannot cross threads.
 * @param {unknown} value
 * @returns {unknown}
 */
function plain(value, depth = 0) {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (depth > 3) return undefined;
  if (Array.isArray(value)) return value.map((item) => plain(item, depth + 1));
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [key, item] of Object.entries(value)) out[key] = plain(item, depth + 1);
  return out;
}

// Nothing here may end the thread: a stray rejection or exception is logged on the main side.
const report = (/** @type {string} */ what) => (/** @type {unknown} */ error) =>
  parentPort.postMessage({
    type: 'log',
    level: 'error',
    namespace: 'producer-thread',
    message: what,
    extra: plain({ err: error }),
  });
process.on('unhandledRejection', report('unhandled rejection in the producer thread'));
process.on('uncaughtException', report('uncaught exception in the producer thread'));

const kafka = new Kafka({
  clientId,
  brokers,
  connectionTimeout,
  requestTimeout,
  retry,
  logLevel: logLevel.WARN,
  logCreator:
    () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...extra } = log;
      parentPort.postMessage({ type: 'log', level: LEVELS[level] ?? 'debug', namespace, message, extra: plain(extra) });
    },
});

// Made on connect, so a configuration kafkajs refuses is that request's error, not a crash.
/** @type {Producer[]} */
let lanes = [];
const makeProducers = () =>
  Array.from({ length: producers }, () =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry,
    }),
  );

/**
 * What the main thread needs to classify a kafkajs error: the fields of each cause, as data.
 * @param {unknown} thrown
 * @returns {DescribedError}
 */
function describeError(thrown, depth = 0) {
  if (thrown === null || typeof thrown !== 'object' || depth > 5) return { message: String(thrown) };
  const error = /** @type {{ name?: string, type?: string, message: string, retriable?: boolean, cause?: unknown }} */ (
    thrown
  );
  return {
    name: error.name,
    type: error.type,
    message: error.message,
    retriable: error.retriable,
    ...(error.cause ? { cause: describeError(error.cause, depth + 1) } : {}),
  };
}

/**
 * @param {Request} message
 * @returns {Promise<{ metadata?: { topicName: string, partition: number, baseOffset?: string | undefined }[] }>}
 */
async function handle(message) {
  switch (message.type) {
    case 'connect':
      if (lanes.length === 0) lanes = makeProducers();
      await Promise.all(lanes.map((producer) => producer.connect()));
      return {};
    case 'send': {
      const producer = lanes[message.lane];
      if (!producer) throw new Error(`no producer ${String(message.lane)}: not connected`);
      const metadata = await producer.sendBatch({ acks: -1, topicMessages: unpackTopicMessages(message.packed) });
      return {
        metadata: metadata.map(({ topicName, partition, baseOffset }) => ({ topicName, partition, baseOffset })),
      };
    }
    case 'disconnect':
      await Promise.allSettled(lanes.map((producer) => producer.disconnect()));
      return {};
    default:
      throw new Error(`unknown request ${String(/** @type {{ type?: unknown }} */ (message).type)}`);
  }
}

parentPort.on('message', (/** @type {Request} */ message) => {
  handle(message).then(
    (result) => parentPort.postMessage({ type: 'done', id: message.id, ...result }),
    (error) => parentPort.postMessage({ type: 'failed', id: message.id, error: describeError(error) }),
  );
});
