// `puente`: runs one command line against the real process (stdout, stderr, environment,
// Ctrl-C) and exits with the command's exit code.
import { homedir } from 'node:os';

import { runCli } from './cli.js';

const argv = process.argv.slice(2);
// `puente topics | head -1` closes stdout early: stop quietly, as other pipeline tools do, rather
// than with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
const abort = new AbortController();
// Ctrl-C is how `tail --follow` and `lag --watch` end (exit 0, as kcat's consumer and kubectl -w);
// any other command is interrupted as usual (130 = 128 + SIGINT).
const endless = ['--follow', '-f', '--watch', '-w'];
process.once('SIGINT', () => {
  if (argv.some((arg) => endless.includes(arg) || arg.startsWith('--watch='))) abort.abort();
  else process.exit(130);
});

process.exitCode = await runCli(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  homedir: homedir(),
  cwd: process.cwd(),
  signal: abort.signal,
});
