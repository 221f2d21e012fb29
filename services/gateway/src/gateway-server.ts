// The gateway's gRPC server: built with wide receive windows, bound, and shut down within a
// deadline (what was accepted is answered first; then calls still open are cut).
import { Server, type ServerCredentials } from '@grpc/grpc-js';

import { widenReceiveWindows } from './grpc/flow-control.js';

/** HTTP/2 receive window per stream and per connection: several full publish batches. */
export const RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;

export function createGatewayServer(maxPayloadBytes: number): Server {
  const server = new Server({ 'grpc.max_receive_message_length': maxPayloadBytes + 64 * 1024 });
  widenReceiveWindows(server, RECEIVE_WINDOW_BYTES);
  return server;
}

/** Binds the server; resolves with the port it listens on. */
export function bindServer(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (error, bound) => (error ? reject(error) : resolve(bound)));
  });
}

/** Waits for `drained`, at most `graceMs`. */
export async function drainWithin(drained: Promise<void>, graceMs: number): Promise<void> {
  let graceTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    drained,
    new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, graceMs);
    }),
  ]);
  clearTimeout(graceTimer);
}

/** Shuts the server down gracefully, or forcibly once `deadline` (epoch ms) has passed. */
export function shutdownServer(server: Server, deadline: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(
      () => {
        server.forceShutdown();
        resolve();
      },
      Math.max(0, deadline - Date.now()),
    );
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
