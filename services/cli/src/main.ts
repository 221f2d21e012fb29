// `puente`: runs one command line against the real process (stdout, stderr, environment,
// Ctrl-C) and exits with the command's exit code.
import { homedir } from 'node:os';

import { runCli } from './cli.js';

const abort = new AbortController();
// First Ctrl-C ends `tail --follow` normally; a second one is the default (kill).
process.once('SIGINT', () => abort.abort());

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  homedir: homedir(),
  cwd: process.cwd(),
  signal: abort.signal,
});
