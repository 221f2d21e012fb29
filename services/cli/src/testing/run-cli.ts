// Runs `puente` in-process for tests: the command line, an environment, and captured output.
import { PassThrough } from 'node:stream';

import { runCli } from '../cli.js';
import type { CliIo } from '../cli-io.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly homedir?: string;
  readonly tty?: boolean;
  readonly signal?: AbortSignal;
  /** Gateway clients to use instead of real ones (unit tests of what a command makes of an answer). */
  readonly connect?: CliIo['connect'];
  /** Sees stdout as it is written (for --follow). */
  readonly onStdout?: (all: string) => void;
}

export async function runPuente(argv: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    options.onStdout?.(out);
  });
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const io: CliIo = {
    stdout,
    stderr,
    // No locale or colour from the machine running the tests unless a test sets them.
    env: { LANG: 'C', ...options.env },
    stdoutIsTTY: options.tty ?? false,
    stderrIsTTY: options.tty ?? false,
    homedir: options.homedir ?? '/nonexistent-home',
    cwd: options.cwd ?? process.cwd(),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.connect ? { connect: options.connect } : {}),
  };
  const code = await runCli(argv, io);
  // PassThrough delivers 'data' asynchronously: let it drain before reading.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: out, stderr: err };
}

/** Parses each non-empty line of JSON Lines output. */
export function jsonLines(text: string): any[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}
