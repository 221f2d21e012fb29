// The server processes of the gateway benchmarks (`pnpm bench:gateway`, `pnpm bench:scale`): each
// a child running bench-server.ts — the real gateway on KafkaBus (maxStreamsPerCaller raised to
// 10,000 there), or a bare grpc-js stream server — so the driver reads its CPU and RSS from /proc
// without counting the load generator, and asks it over IPC for GC'd memory and loop figures.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { FromChild, LoopFigures, MemoryFigures, ToChild } from './bench-support.js';
import { withTimeout } from './bench-helpers.js';

export interface BenchChild {
  readonly pid: number;
  readonly port: number;
  /** process.memoryUsage() in the child, after full collections when `gc`. */
  memory(gc: boolean): Promise<MemoryFigures>;
  /** Event-loop delay and GC pauses since the previous call (the first call starts the count). */
  loop(): Promise<LoopFigures>;
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
const serverEntry = fileURLToPath(new URL('./bench-server.ts', import.meta.url));
const children = new Set<ChildProcess>();

/** Ends every child at once: only for a driver that is giving up. */
export function killBenchChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

export async function startBenchChild(mode: 'gateway' | 'bare', brokers: readonly string[]): Promise<BenchChild> {
  const child = fork(serverEntry, [mode], {
    cwd: root,
    // BENCH_GATEWAY_NODE_FLAGS adds flags for diagnosis, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    execArgv: [
      '--expose-gc',
      ...(process.env['BENCH_GATEWAY_NODE_FLAGS'] ?? '').split(' ').filter(Boolean),
      '--import',
      'tsx',
    ],
    env: { ...process.env, BENCH_KAFKA_BROKERS: brokers.join(',') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const next = () =>
    new Promise<FromChild>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${mode} process exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (message: FromChild) => {
        child.off('exit', onExit);
        if (message.type === 'failed') reject(new Error(`${mode} process failed: ${message.message}`));
        else resolve(message);
      });
    });
  const ready = await withTimeout(next(), 90_000, `the ${mode} process to start`);
  if (ready.type !== 'ready' || child.pid === undefined) throw new Error(`unexpected ${ready.type} from ${mode}`);
  const pid = child.pid;
  let queue: Promise<unknown> = Promise.resolve();
  /** One request at a time, each answered by the next message. */
  const ask = (request: ToChild): Promise<FromChild> => {
    const answer = queue.then(async () => {
      const reply = next();
      child.send(request);
      const message = await withTimeout(reply, 30_000, `${request.type} figures from ${mode}`);
      if (message.type !== request.type) throw new Error(`unexpected ${message.type} from ${mode}`);
      return message;
    });
    queue = answer.catch(() => undefined);
    return answer;
  };
  return {
    pid,
    port: ready.port,
    async memory(gc) {
      const message = await ask({ type: 'memory', gc });
      if (message.type !== 'memory') throw new Error(`unexpected ${message.type} from ${mode}`);
      return message.memory;
    },
    async loop() {
      const message = await ask({ type: 'loop' });
      if (message.type !== 'loop') throw new Error(`unexpected ${message.type} from ${mode}`);
      return message.loop;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' } satisfies ToChild);
      await withTimeout(exited, 15_000, `the ${mode} process to exit`).catch(() => child.kill('SIGKILL'));
    },
  };
}
