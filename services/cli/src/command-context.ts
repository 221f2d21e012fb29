// What every command gets: its output (tables or JSON), messages in the chosen language, and the
// gateway, connected on first use with the resolved credentials and closed when it ends.
import type { CallOptions, Metadata, ServiceError } from '@grpc/grpc-js';

import type { CliIo } from './cli-io.js';
import { type Connection, type ConnectionFlags, resolveConnection } from './config/connection.js';
import {
  callMetadata,
  callOptions,
  connectGateway,
  type GatewayClients,
  tokenInPlaintext,
  unary,
} from './gateway/clients.js';
import { fromGatewayError } from './gateway/errors.js';
import type { Messages } from './i18n/messages.js';
import { printable } from './format/printable.js';
import { createStyle, colourEnabled, type Style } from './format/style.js';

export interface CommandContext {
  readonly io: CliIo;
  readonly messages: Messages;
  readonly style: Style;
  /** `--json`: machine-readable output on stdout, nothing else there. */
  readonly json: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Prints one JSON document (or one JSONL line with `compact`). */
  printJson(value: unknown, compact?: boolean): void;
  connection(): Connection;
  clients(): GatewayClients;
  /** A unary call with credentials and deadline; gRPC errors become CliErrors. */
  call<T>(
    invoke: (metadata: Metadata, options: CallOptions, callback: (e: ServiceError | null, v?: T) => void) => void,
  ): Promise<T>;
  /** Translates a gateway error (e.g. from a stream) into a CliError. */
  gatewayError(error: unknown): Error;
  close(): void;
}

export function createCommandContext(options: {
  io: CliIo;
  messages: Messages;
  json: boolean;
  flags: ConnectionFlags;
}): CommandContext {
  const { io, messages, json, flags } = options;
  const style = createStyle(colourEnabled(io.env, io.stdoutIsTTY));
  let connection: Connection | undefined;
  let clients: GatewayClients | undefined;
  const context: CommandContext = {
    io,
    messages,
    style,
    json,
    // Everything for people passes through printable(): record data cannot drive the terminal.
    out: (text) => io.stdout.write(printable(text.endsWith('\n') ? text : `${text}\n`, style.enabled)),
    err: (text) => io.stderr.write(printable(text.endsWith('\n') ? text : `${text}\n`, style.enabled)),
    printJson: (value, compact = false) => io.stdout.write(`${JSON.stringify(value, jsonReplacer, compact ? 0 : 2)}\n`),
    connection: () =>
      (connection ??= resolveConnection({ flags, env: io.env, homedir: io.homedir, cwd: io.cwd, messages })),
    clients: () => {
      if (clients) return clients;
      const resolved = context.connection();
      // Anyone on the path could read the token and act as this operator: say so, on stderr.
      if (tokenInPlaintext(resolved)) {
        const message = messages.t('warning.plaintextToken', { address: resolved.address });
        io.stderr.write(
          json
            ? `${JSON.stringify({ warning: { reason: 'TOKEN_IN_PLAINTEXT', message } })}\n`
            : printable(`${messages.t('warning.prefix')}: ${message}\n`, false),
        );
      }
      return (clients = (io.connect ?? connectGateway)(resolved));
    },
    async call(invoke) {
      const metadata = callMetadata(context.connection());
      try {
        return await unary((callback) => invoke(metadata, callOptions(), callback));
      } catch (error) {
        throw context.gatewayError(error);
      }
    },
    gatewayError: (error) => fromGatewayError(error, context.connection().address, messages),
    close: () => clients?.close(),
  };
  return context;
}

/** JSON for scripts: bytes as base64, dates as ISO-8601, bigints as strings. */
function jsonReplacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && 'data' in value)
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  return value;
}
