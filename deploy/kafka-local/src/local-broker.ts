// Runs a real Apache Kafka broker (KRaft, one combined broker+controller node) as a child JVM
// from the jars Maven resolved, for tests and development without Docker. Stopping and
// starting again on the same dataDir and ports keeps every topic and record.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { brokerAnswers } from './broker-probe.js';
import { KafkaLocalError } from './errors.js';
import { findFreePort } from './free-port.js';
import { findJavaRuntime } from './java-runtime.js';
import { resolveBrokerClasspath } from './maven-classpath.js';
import { runCommand, tail } from './run-command.js';
import { randomClusterId, renderLog4jProperties, renderServerProperties } from './server-config.js';
import { killTree, spawnTied, type TiedProcess } from './tied-process.js';

export interface LocalKafkaOptions {
  /** PLAINTEXT port on 127.0.0.1; a free one when omitted. */
  port?: number | undefined;
  /** KRaft controller port on 127.0.0.1; a free one when omitted. */
  controllerPort?: number | undefined;
  /** Where data, config and the broker log live; a fresh temp dir when omitted. */
  dataDir?: string | undefined;
  /** Maximum JVM heap, as for -Xmx (`1g`, `768m`). Default 1g. */
  heap?: string | undefined;
  /** Receives our progress lines and the broker's WARN+ console output. */
  onLog?: ((line: string) => void) | undefined;
  /** How long to wait for the broker to answer clients. Default 90 s. */
  startTimeoutMs?: number | undefined;
}

export interface BrokerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface LocalKafka {
  /** Bootstrap servers for clients, e.g. `['127.0.0.1:40123']`. */
  readonly brokers: string[];
  readonly dataDir: string;
  readonly port: number;
  readonly controllerPort: number;
  /** The Apache Kafka release running, e.g. `3.9.2`. */
  readonly kafkaVersion: string;
  /** The broker's own log (INFO and above). */
  readonly logFile: string;
  /** Settles when the JVM has exited, whether through stop() or not. */
  readonly exited: Promise<BrokerExit>;
  /** Controlled shutdown (SIGTERM), SIGKILL after 20 s; safe to call more than once. */
  stop(options?: { removeDataDir?: boolean }): Promise<void>;
}

const DEFAULT_HEAP = '1g';
const DEFAULT_START_TIMEOUT_MS = 90_000;
const SHUTDOWN_GRACE_MS = 20_000;

// Kafka's own G1 settings, plus limits that suit a 2-core machine shared with the tests:
// one concurrent GC thread, a small code cache, no hsperfdata file in /tmp, and a JVM that
// dies on OOM instead of limping on.
const JVM_FLAGS = [
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:ParallelGCThreads=2',
  '-XX:ConcGCThreads=1',
  '-XX:CICompilerCount=2',
  '-XX:ReservedCodeCacheSize=64m',
  '-XX:+PerfDisableSharedMem',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

// Broker JVMs this process started; killed outright if Node exits without stopping them.
const running = new Set<TiedProcess>();
let exitHookInstalled = false;

export async function startLocalKafka(options: LocalKafkaOptions = {}): Promise<LocalKafka> {
  const onLog = options.onLog ?? (() => undefined);
  const startedAt = performance.now();
  const java = await findJavaRuntime();
  const { classpath, kafkaVersion } = await resolveBrokerClasspath({ onLog });
  const config = await compileOptions(options);
  const brokers = [`127.0.0.1:${config.port}`];

  const logDir = join(config.dataDir, 'kafka-logs');
  const logFile = join(config.dataDir, 'logs', 'server.log');
  const serverProperties = join(config.dataDir, 'server.properties');
  const log4jProperties = join(config.dataDir, 'log4j.properties');
  await mkdir(logDir, { recursive: true });
  await mkdir(join(config.dataDir, 'logs'), { recursive: true });
  await writeFile(
    serverProperties,
    renderServerProperties({ port: config.port, controllerPort: config.controllerPort, logDir }),
  );
  await writeFile(log4jProperties, renderLog4jProperties(logFile));
  const log4jFlag = `-Dlog4j.configuration=file:${log4jProperties}`;

  // A restart on the same dataDir must keep the cluster id, or the broker refuses the data.
  if (!existsSync(join(logDir, 'meta.properties'))) {
    const format = await runCommand(
      java.command,
      [
        '-Xmx256m',
        '-XX:TieredStopAtLevel=1',
        log4jFlag,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        randomClusterId(),
        '-c',
        serverProperties,
      ],
      { cwd: config.dataDir, timeoutMs: 60_000 },
    );
    if (format.exitCode !== 0) {
      throw new KafkaLocalError({
        code: 'FORMAT_FAILED',
        message: `Formatting Kafka storage in ${logDir} failed (exit ${format.exitCode ?? format.signal}):\n${tail(format.stdout + format.stderr)}`,
      });
    }
  }

  const child = spawnTied(
    java.command,
    [
      `-Xms${minSize(config.heap, '512m')}`,
      `-Xmx${config.heap}`,
      ...JVM_FLAGS,
      log4jFlag,
      '-cp',
      classpath,
      'kafka.Kafka',
      serverProperties,
    ],
    { cwd: config.dataDir },
  );
  track(child);

  const consoleTail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      consoleTail.push(line);
      if (consoleTail.length > 50) consoleTail.shift();
      onLog(line);
    });
  }
  const exited = new Promise<BrokerExit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolveExit({ code, signal });
    });
  });
  // The watchdog's pipe may break when the wrapper dies first; that is expected.
  child.stdin.on('error', () => undefined);
  child.once('error', (err) => onLog(`kafka-local: could not start ${java.command}: ${err.message}`));

  let stopping: Promise<void> | undefined;
  const stopJvm = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // The grace timer is cancelled once the JVM is gone, or it would hold the event loop open.
      const grace = new AbortController();
      const graceful = await Promise.race([
        exited.then(() => true),
        sleep(SHUTDOWN_GRACE_MS, false, { signal: grace.signal }).catch(() => true),
      ]);
      grace.abort();
      if (!graceful) {
        onLog(`kafka-local: broker did not stop within ${SHUTDOWN_GRACE_MS / 1000} s; killing it`);
        killTree(child, 'SIGKILL');
      }
      await exited;
    }
    child.stdin.destroy();
  };

  const broker: LocalKafka = {
    brokers,
    dataDir: config.dataDir,
    port: config.port,
    controllerPort: config.controllerPort,
    kafkaVersion,
    logFile,
    exited,
    async stop(stopOptions) {
      stopping ??= stopJvm();
      await stopping;
      if (stopOptions?.removeDataDir) await rm(config.dataDir, { recursive: true, force: true });
    },
  };

  const failure = await waitUntilAnswering(brokers, exited, config.startTimeoutMs);
  if (failure) {
    await broker.stop();
    const brokerLog = await readFile(logFile, 'utf8').catch(() => '');
    throw new KafkaLocalError({
      code: failure.code,
      retriable: failure.code === 'START_TIMEOUT',
      message:
        `${failure.message} (Apache Kafka ${kafkaVersion}, ${brokers[0]}, data in ${config.dataDir}).\n` +
        errorLines(brokerLog) +
        `--- last lines of ${logFile} ---\n${tail(brokerLog, 30)}` +
        (consoleTail.length > 0 ? `\n--- broker console ---\n${consoleTail.slice(-20).join('\n')}` : ''),
    });
  }
  onLog(
    `kafka-local: Apache Kafka ${kafkaVersion} answering at ${brokers[0]} after ${((performance.now() - startedAt) / 1000).toFixed(1)} s (data: ${config.dataDir})`,
  );
  return broker;
}

interface CompiledOptions {
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  readonly heap: string;
  readonly startTimeoutMs: number;
}

async function compileOptions(options: LocalKafkaOptions): Promise<CompiledOptions> {
  const problems: string[] = [];
  for (const key of ['port', 'controllerPort'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isInteger(value) && value > 0 && value < 65536)) {
      problems.push(`${key} must be an integer from 1 to 65535 (got ${value})`);
    }
  }
  if (options.port !== undefined && options.port === options.controllerPort) {
    problems.push('port and controllerPort must differ');
  }
  if (options.heap !== undefined && sizeInBytes(options.heap) === undefined) {
    problems.push(`heap must look like 1g or 768m (got ${options.heap})`);
  }
  if (options.startTimeoutMs !== undefined && !(options.startTimeoutMs > 0)) {
    problems.push(`startTimeoutMs must be positive (got ${options.startTimeoutMs})`);
  }
  if (problems.length > 0) {
    throw new KafkaLocalError({ code: 'INVALID_OPTIONS', message: `startLocalKafka: ${problems.join('; ')}.` });
  }

  const port = options.port ?? (await findFreePort());
  let controllerPort = options.controllerPort;
  while (controllerPort === undefined || controllerPort === port) controllerPort = await findFreePort();
  const dataDir = options.dataDir ? resolve(options.dataDir) : await mkdtemp(join(tmpdir(), 'puente-kafka-'));
  return {
    port,
    controllerPort,
    dataDir,
    heap: options.heap ?? DEFAULT_HEAP,
    startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
  };
}

async function waitUntilAnswering(
  brokers: string[],
  exited: Promise<BrokerExit>,
  timeoutMs: number,
): Promise<{ code: 'BROKER_EXITED' | 'START_TIMEOUT'; message: string } | undefined> {
  const deadline = Date.now() + timeoutMs;
  const death = exited.then((exit) => ({ exit }));
  const timedOut = {
    code: 'START_TIMEOUT',
    message: `The Kafka broker did not answer within ${timeoutMs / 1000} s`,
  } as const;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return timedOut;
    // A probe can take seconds against a half-started broker; a JVM that dies meanwhile or
    // the deadline passing must still end the wait at once.
    const cancel = new AbortController();
    const outcome = await Promise.race([
      brokerAnswers(brokers).then((answers) => ({ answers })),
      death,
      sleep(remaining, 'deadline' as const, { signal: cancel.signal }).catch(() => 'deadline' as const),
    ]);
    cancel.abort();
    if (outcome === 'deadline') return timedOut;
    if ('exit' in outcome) {
      const { exit } = outcome;
      return {
        code: 'BROKER_EXITED',
        message: `The Kafka broker exited during start-up (${exit.signal ?? `code ${exit.code}`})`,
      };
    }
    if (outcome.answers) return undefined;
    await sleep(200);
  }
}

/**
 * The first ERROR/FATAL lines of the broker log, each with the exception line after it:
 * the cause, which the shutdown noise that follows would otherwise bury.
 */
function errorLines(brokerLog: string): string {
  const lines = brokerLog.split('\n');
  const picked: string[] = [];
  lines.forEach((line, i) => {
    if (picked.length >= 10 || !/^\[[^\]]+\] (ERROR|FATAL) /.test(line)) return;
    picked.push(line);
    const next = lines[i + 1];
    if (next && !next.startsWith('[')) picked.push(`  ${next}`);
  });
  return picked.length > 0 ? `--- first errors ---\n${picked.join('\n')}\n` : '';
}

function track(child: TiedProcess): void {
  running.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: there is no time for a controlled shutdown.
  process.on('exit', () => {
    for (const jvm of running) killTree(jvm, 'SIGKILL');
  });
}

function sizeInBytes(size: string): number | undefined {
  const match = /^(\d+)([kmg]?)$/i.exec(size);
  if (!match?.[1]) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

/** The smaller of two JVM sizes, so -Xms never exceeds a small -Xmx. */
function minSize(a: string, b: string): string {
  return (sizeInBytes(a) ?? 0) <= (sizeInBytes(b) ?? 0) ? a : b;
}
