// Child process of `pnpm bench:gateway`: the server under measurement, alone in its process so
// the driver can read its CPU and memory from /proc without counting the load generator.
// `gateway` runs the real gateway on KafkaBus, started by the integration tests' helper;
// `bare` runs a trivial grpc-js server whose streams only say hello, as the baseline cost of
// an idle server stream. Started with --expose-gc; answers memory requests over IPC.

import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { installKafkajsHooks } from '@puente/kafka-client';
import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';

import { RECEIVE_WINDOW_BYTES } from '../src/create-gateway.js';
import { isGatewayBookkeeping } from '../src/gateway-topics.js';
import { widenConnectionWindows, widenReceiveWindows } from '../src/grpc/flow-control.js';
import { startTestGateway } from '../src/testing/index.js';
import { BARE_SERVICE, type FromChild, type LoopFigures, type MemoryFigures, type ToChild } from './bench-support.js';

function send(message: FromChild): void {
  process.send?.(message);
}

async function memory(gc: boolean): Promise<MemoryFigures> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect) {
    // Two full collections with a turn of the event loop between: weak callbacks and
    // finalisers queued by the first are run before the second.
    for (let i = 0; i < 3; i++) {
      collect();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const { heapUsed, heapTotal, rss, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, heapTotal, rss, external, arrayBuffers };
}

/** Event-loop delay and main-thread GC pauses, read and restarted by each `loop` request. */
function watchLoop(): () => LoopFigures {
  const delay = monitorEventLoopDelay({ resolution: 2 });
  delay.enable();
  let gc = { ms: 0, count: 0, longest: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc = { ms: gc.ms + entry.duration, count: gc.count + 1, longest: Math.max(gc.longest, entry.duration) };
    }
  }).observe({ entryTypes: ['gc'] });
  return () => {
    const ms = (ns: number) => ns / 1e6;
    const figures: LoopFigures = {
      delayP50Ms: ms(delay.percentile(50)),
      delayP99Ms: ms(delay.percentile(99)),
      delayMaxMs: ms(delay.max),
      gcMs: gc.ms,
      gcCount: gc.count,
      gcLongestMs: gc.longest,
    };
    delay.reset();
    gc = { ms: 0, count: 0, longest: 0 };
    return figures;
  };
}

async function startGateway(): Promise<{ port: number; stop: () => Promise<void> }> {
  const brokers = (process.env['BENCH_KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);
  // One-pass record encoding and decoding for this process's kafkajs (same bytes, less CPU).
  installKafkajsHooks();
  // As main.ts builds it: the gateway's bookkeeping on a producer apart from agencies' publishes.
  const bus = new KafkaBus({ brokers, clientId: 'gateway-bench', separateProducerFor: isGatewayBookkeeping });
  await bus.start();
  const codec = createCodec();
  const gateway = await startTestGateway({
    bus,
    codec,
    // The memory phase opens BENCH_IDLE_SUBSCRIBERS (100) streams as one partner, past the
    // default per-caller limit of open streams.
    limits: { maxStreamsPerCaller: 10_000 },
  });
  return {
    port: gateway.port,
    stop: async () => {
      await gateway.stop(2_000);
      await bus.stop();
    },
  };
}

async function startBare(): Promise<{ port: number; stop: () => Promise<void> }> {
  // The same channel options as the gateway's server, so only the handler differs.
  const server = new Server({ 'grpc.max_receive_message_length': 1_000_000 + 64 * 1024 });
  widenReceiveWindows(server, RECEIVE_WINDOW_BYTES);
  server.addService(BARE_SERVICE, {
    idle: (call: ServerDuplexStream<Buffer, Buffer>) => {
      call.once('data', () => call.write(Buffer.from('started')));
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  widenConnectionWindows(server, RECEIVE_WINDOW_BYTES);
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== 'gateway' && mode !== 'bare') throw new Error(`usage: bench-server.ts gateway|bare (got ${mode})`);
  const server = mode === 'gateway' ? await startGateway() : await startBare();
  const loop = watchLoop();
  let stopping = false;
  process.on('message', (message: ToChild) => {
    if (message.type === 'loop') {
      send({ type: 'loop', loop: loop() });
    } else if (message.type === 'memory') {
      memory(message.gc).then(
        (figures) => send({ type: 'memory', memory: figures }),
        (error: unknown) => send({ type: 'failed', message: String(error) }),
      );
    } else if (message.type === 'stop' && !stopping) {
      stopping = true;
      server.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  // The driver went away without saying stop: do not outlive it.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: server.port });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
