// `pnpm kafka:local`: a real Apache Kafka broker in the foreground for development, with
// its data kept under deploy/kafka-local/.cache/data between runs. Ctrl-C stops it cleanly.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaLocalError } from './errors.js';
import { startLocalKafka } from './local-broker.js';
import { cacheDir } from './maven-classpath.js';

const USAGE = `Usage: pnpm kafka:local [--port 9092] [--controller-port 9093] [--data-dir DIR] [--heap 1g]

Starts a single-node Apache Kafka broker (KRaft) on 127.0.0.1 from Maven Central jars on the
local JDK. Data persists in --data-dir (default deploy/kafka-local/.cache/data).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', short: 'p', default: '9092' },
      'controller-port': { type: 'string', default: '9093' },
      'data-dir': { type: 'string', default: join(cacheDir, 'data') },
      heap: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }

  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const kafka = await startLocalKafka({
    port: Number(values.port),
    controllerPort: Number(values['controller-port']),
    dataDir: values['data-dir'],
    heap: values.heap,
    onLog: log,
  });
  // stdout carries only this line, so `eval "$(pnpm -s kafka:local | head -1)"`-style use works.
  console.log(`KAFKA_BROKERS=${kafka.brokers.join(',')}`);
  log(`kafka-local: broker log at ${kafka.logFile}; Ctrl-C to stop`);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      // A second Ctrl-C means "now": the exit hook kills the JVM outright.
      process.exit(130);
    }
    log(`kafka-local: ${signal} received, stopping the broker…`);
    void kafka.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const exit = await kafka.exited;
  if (signals > 0) {
    log('kafka-local: broker stopped');
    return 0;
  }
  log(`kafka-local: the broker exited on its own (${exit.signal ?? `code ${exit.code}`}); see ${kafka.logFile}`);
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `${err instanceof KafkaLocalError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
