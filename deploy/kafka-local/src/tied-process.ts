// Starts a long-lived child that cannot outlive this Node process: a tiny POSIX shell
// wrapper watches its stdin pipe and ends the child when the pipe closes, which happens
// however Node goes away (exit, crash, SIGKILL, a test runner killing its worker).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

// $1.. is the command. TERM/INT/HUP sent to the wrapper are forwarded to the child; the
// wrapper exits with the child's status. The watcher reads a dup of our stdin because
// background jobs of a non-interactive shell get /dev/null as stdin.
const WRAPPER = `
exec 3<&0 </dev/null
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
{ cat <&3 >/dev/null 2>&1; kill -TERM "$child" 2>/dev/null; } &
watcher=$!
exec 3<&-
wait "$child"; status=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
kill "$watcher" 2>/dev/null
exit "$status"
`;

export type TiedProcess = ChildProcessByStdio<Writable, Readable, Readable>;

export function spawnTied(command: string, args: readonly string[], options: { cwd: string }): TiedProcess {
  // Its own process group, so a last-resort SIGKILL reaches the wrapper, the child and the
  // watcher at once (see killTree); a terminal's Ctrl-C is handled by our caller instead.
  return spawn('/bin/sh', ['-c', WRAPPER, 'kafka-local', command, ...args], {
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
}

/** Sends `signal` to the wrapper's whole process group; ignores a group that is already gone. */
export function killTree(child: TiedProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: everything in the group has exited already.
  }
}
