// Runs a short-lived tool (java -version, mvn, the Kafka storage tool) to completion and
// hands back its exit code and output, so callers can put the output into their own errors.
import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class CommandNotFoundError extends Error {
  override readonly name = 'CommandNotFoundError';
  constructor(
    readonly command: string,
    cause: unknown,
  ) {
    super(`${command}: not found`, { cause });
  }
}

export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    // Our own timer rather than spawn's `timeout`, which is never cleared when the command
    // does not exist and would then keep the process alive for the whole timeout.
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs).unref();
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' || err.code === 'EACCES' ? new CommandNotFoundError(command, err) : err);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, stdout, stderr });
    });
  });
}

/** The last `lines` non-empty lines of some tool output, for error messages. */
export function tail(text: string, lines = 30): string {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .join('\n');
}
