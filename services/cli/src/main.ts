// `puente`: runs one command line against the real process (stdout, stderr, environment,
// Ctrl-C) and exits with the command's exit code.
import { homedir } from 'node:os';

import { runCli } from './cli.js';

// Deprecation warnings are for the CLI's developers, not its users, and they would land on stderr in
// the middle of `--json` errors: grpc-js sends an IP address as the TLS server name, which Node
// answers with DEP0123 (RFC 6066 allows only host names there); the certificate is still checked
// against the address. The test suite, which does not run this file, still sees them.
process.noDeprecation = true;

// `puente topics | head -1` closes stdout early: stop quietly, as other pipeline tools do, rather
// than with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
// Ctrl-C is how `tail --follow` and `lag --watch` end (exit 0, as kcat's consumer and kubectl -w):
// such a command says so once its options are parsed (endsOnInterrupt), and then the signal
// asks it to stop. Any other command, and a second Ctrl-C, is interrupted as usual (130 = 128 + SIGINT).
const interrupt = new AbortController();
let endsOnInterrupt = false;
process.on('SIGINT', () => {
  if (!endsOnInterrupt || interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  homedir: homedir(),
  cwd: process.cwd(),
  signal: interrupt.signal,
  endsOnInterrupt: () => {
    endsOnInterrupt = true;
  },
});
