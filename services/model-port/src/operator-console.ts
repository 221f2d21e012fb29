// The operators' web console beside the embedded gateway. The model port starts it without waiting
// for it (its first start may build the front end, which must not delay the agencies, and a
// console that fails must not stop the rest). When the default port 8080 is taken it takes any
// free port; a port the user chose is used or the start fails naming it.
import { type ConsoleServer, createConsoleServer } from '@puente/console';
import type { Logger } from '@puente/runtime';

export interface OperatorConsoleOptions {
  readonly gatewayAddress: string;
  readonly port: number;
  /** The port is the default one, not the user's choice: give way when it is taken. */
  readonly portIsDefault: boolean;
  readonly logger: Logger;
}

const inUse = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';

export async function startOperatorConsole(options: OperatorConsoleOptions): Promise<ConsoleServer> {
  const make = (port: number) =>
    createConsoleServer({ gatewayAddress: options.gatewayAddress, host: '127.0.0.1', port, logger: options.logger });
  const server = make(options.port);
  try {
    await server.start();
    return server;
  } catch (error) {
    await server.stop();
    if (!inUse(error)) throw error;
    if (!options.portIsDefault) {
      throw new Error(
        `the console cannot listen on 127.0.0.1:${options.port} (in use): set PUENTE_CONSOLE_PORT to a free port`,
      );
    }
  }
  const fallback = make(0);
  await fallback.start();
  return fallback;
}

/** The banner's console line: where it is and how to sign in. */
export function consoleLine(url: string, tokens: ReadonlyMap<string, string>): string {
  const us = tokens.get('dev-us-cbp-operator');
  return `  console    ${url} — operators sign in with a token from deploy/dev-tokens.yaml: dev-us-cbp-operator (US${
    us ? `, ${us}` : ''
  }) or dev-mx-anam-operator (MX)`;
}
