// What a command needs from its process, passed in so tests run commands in-process: the output
// streams, the environment, whether stdout/stderr are terminals, and how to reach the gateway.
import type { Writable } from 'node:stream';

import type { GatewayClients } from './gateway/clients.js';
import type { Connection } from './config/connection.js';

export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** Home directory, for ~/.config/puente/config.yaml. */
  readonly homedir: string;
  /** Working directory relative paths are read from. */
  readonly cwd: string;
  /** Builds the gateway clients; the real gRPC clients by default. */
  readonly connect?: (connection: Connection) => GatewayClients;
  /** Aborted on Ctrl-C in the real process, to end `tail --follow` and `lag --watch`. */
  readonly signal?: AbortSignal;
  /**
   * Called by a command that runs until Ctrl-C and then ends normally (exit 0): from then on
   * Ctrl-C aborts `signal` instead of ending the process.
   */
  readonly endsOnInterrupt?: () => void;
}
