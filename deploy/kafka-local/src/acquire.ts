// Finds a Kafka broker for a test run, cheapest honest option first: one the environment
// names (KAFKA_BROKERS), else a container when a Docker engine answers, else a real broker
// on the local JDK. Only the local broker can be stopped and restarted to simulate an outage.
import { KafkaLocalError } from './errors.js';
import { startLocalKafka, type LocalKafka } from './local-broker.js';

export type TestKafkaSource = 'env' | 'testcontainers' | 'local';

export interface TestKafka {
  /** Bootstrap servers, e.g. `['127.0.0.1:40123']`. */
  readonly brokers: string[];
  readonly source: TestKafkaSource;
  /** One line for logs, e.g. "local Apache Kafka 3.9.2 broker at 127.0.0.1:40123 (deploy/kafka-local)". */
  readonly describe: string;
  /** True when stopBroker()/startBroker() work (the local broker only). */
  readonly supportsOutage: boolean;
  /** Stops the broker but keeps its data and address, to simulate an outage. No-op when already stopped. */
  stopBroker(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it answers. No-op when running. */
  startBroker(): Promise<void>;
  /** Releases the broker for good (and its temp data). A no-op for KAFKA_BROKERS. */
  stop(): Promise<void>;
}

export interface AcquireTestKafkaOptions {
  /** Progress lines and the broker's warnings; silent when omitted. */
  onLog?: ((line: string) => void) | undefined;
  /** Where to read KAFKA_BROKERS, PUENTE_TEST_KAFKA and PUENTE_KAFKA_IMAGE; defaults to process.env. */
  env?: NodeJS.ProcessEnv | undefined;
}

/** Confluent Platform 7.9 ships Apache Kafka 3.9; @testcontainers/kafka drives cp-kafka images. */
export const DEFAULT_KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.0';
const DOCKER_PROBE_TIMEOUT_MS = 1_500;

export async function acquireTestKafka(options: AcquireTestKafkaOptions = {}): Promise<TestKafka> {
  const env = options.env ?? process.env;
  const onLog = options.onLog ?? (() => undefined);

  const listed = env['KAFKA_BROKERS']?.trim();
  if (listed) return fromEnv(parseBrokerList(listed));

  const forced = env['PUENTE_TEST_KAFKA']?.trim();
  if (forced && forced !== 'local' && forced !== 'testcontainers') {
    throw new KafkaLocalError({
      code: 'INVALID_OPTIONS',
      message: `PUENTE_TEST_KAFKA must be "local" or "testcontainers" (got "${forced}").`,
    });
  }
  if (forced === 'testcontainers' || (forced !== 'local' && (await dockerAnswers()))) {
    return fromTestcontainers(env['PUENTE_KAFKA_IMAGE']?.trim() || DEFAULT_KAFKA_IMAGE, onLog);
  }
  return fromLocalBroker(onLog);
}

/**
 * Parses a KAFKA_BROKERS value: comma-separated `host:port` pairs (IPv6 hosts in brackets),
 * blanks around commas ignored. Throws INVALID_BROKER_LIST naming every bad entry.
 */
export function parseBrokerList(value: string): string[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const bad = entries.filter((entry) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    return !match || port < 1 || port > 65535;
  });
  if (entries.length === 0 || bad.length > 0) {
    throw new KafkaLocalError({
      code: 'INVALID_BROKER_LIST',
      message:
        entries.length === 0
          ? 'KAFKA_BROKERS is empty: expected host:port[,host:port…], e.g. 127.0.0.1:9092.'
          : `KAFKA_BROKERS has entries that are not host:port: ${bad.map((entry) => JSON.stringify(entry)).join(', ')} (expected e.g. 127.0.0.1:9092).`,
    });
  }
  return entries;
}

function fromEnv(brokers: string[]): TestKafka {
  const outage = (): Promise<void> =>
    Promise.reject(
      new KafkaLocalError({
        code: 'OUTAGE_UNSUPPORTED',
        message:
          'Cannot stop or start a broker named by KAFKA_BROKERS; unset it (and set PUENTE_TEST_KAFKA=local) to test outages.',
      }),
    );
  return {
    brokers,
    source: 'env',
    describe: `Kafka from KAFKA_BROKERS at ${brokers.join(',')}`,
    supportsOutage: false,
    stopBroker: outage,
    startBroker: outage,
    stop: () => Promise.resolve(),
  };
}

async function fromLocalBroker(onLog: (line: string) => void): Promise<TestKafka> {
  const first = await startLocalKafka({ onLog });
  let current: LocalKafka | undefined = first;
  // Serialises stop/start so a test calling them back to back never races two JVMs.
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = (step: () => Promise<void>): Promise<void> => {
    const next = queue.then(step);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    brokers: first.brokers,
    source: 'local',
    describe: `local Apache Kafka ${first.kafkaVersion} broker at ${first.brokers.join(',')} (deploy/kafka-local)`,
    supportsOutage: true,
    stopBroker: () =>
      enqueue(async () => {
        await current?.stop();
        current = undefined;
      }),
    startBroker: () =>
      enqueue(async () => {
        if (current) return;
        current = await startLocalKafka({
          port: first.port,
          controllerPort: first.controllerPort,
          dataDir: first.dataDir,
          onLog,
        });
      }),
    stop: () =>
      enqueue(async () => {
        await current?.stop();
        current = undefined;
        // stop({ removeDataDir }) on the first handle would do too, but it may be the stopped one.
        await first.stop({ removeDataDir: true });
      }),
  };
}

async function fromTestcontainers(image: string, onLog: (line: string) => void): Promise<TestKafka> {
  onLog(`kafka-local: starting ${image} with testcontainers…`);
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(image).withKraft().start();
  // 9093 is the container's PLAINTEXT listener advertised to the host.
  const brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
  const outage = (): Promise<void> =>
    Promise.reject(
      new KafkaLocalError({
        code: 'OUTAGE_UNSUPPORTED',
        message:
          'Stopping and restarting the testcontainers broker is not supported (its mapped port changes); set PUENTE_TEST_KAFKA=local to test outages.',
      }),
    );
  return {
    brokers,
    source: 'testcontainers',
    describe: `testcontainers ${image} (KRaft) at ${brokers.join(',')}`,
    supportsOutage: false,
    stopBroker: outage,
    startBroker: outage,
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * Whether a Docker-compatible engine answers, decided quickly: testcontainers' own lookup
 * (DOCKER_HOST, ~/.testcontainers.properties, the usual sockets), cut off after 1.5 s so
 * a socket nobody serves cannot stall the test run.
 */
async function dockerAnswers(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const probe = getContainerRuntimeClient().then(
      () => true,
      () => false,
    );
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), DOCKER_PROBE_TIMEOUT_MS);
      timer.unref();
    });
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
