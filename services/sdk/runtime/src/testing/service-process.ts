// A Puente service as a real child process for integration tests: started with an environment
// of the test's choosing, awaited until it logs that it is ready, stopped with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

import { waitFor } from './wait-for.js';

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends the signal to the process group (as a terminal's Ctrl-C does) and awaits the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServiceProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The whole environment (PATH and HOME are added from this process when missing). */
  readonly env: Readonly<Record<string, string>>;
  /** Text in the output that says the service is ready. */
  readonly ready: string;
  readonly timeoutMs?: number;
}

export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a signal reaches every wrapper (npx, pnpm, tsx) and the service.
    detached: true,
  });
  const chunks: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = () => chunks.join('');
  const running: ServiceProcess = {
    child,
    output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // Already gone.
        }
      }
      return exited;
    },
  };
  try {
    await waitFor(
      () => output().includes(options.ready) || child.exitCode !== null || child.signalCode !== null,
      options.timeoutMs ?? 120_000,
      `${options.args.join(' ')} to log "${options.ready}"`,
    );
  } catch (error) {
    await running.stop('SIGKILL');
    throw new Error(`${error instanceof Error ? error.message : String(error)}; output:\n${output()}`);
  }
  if (!output().includes(options.ready)) throw new Error(`the service exited before it was ready:\n${output()}`);
  return running;
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}
