import { connect, type ClientHttp2Session } from 'node:http2';

import { Server, ServerCredentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';

import { widenConnectionWindows, widenReceiveWindows } from './flow-control.js';

const WINDOW = 4 * 1024 * 1024;

async function serve(widen: boolean): Promise<{ server: Server; port: number }> {
  const server = new Server();
  if (widen) widenReceiveWindows(server, WINDOW);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  if (widen) widenConnectionWindows(server, WINDOW);
  return { server, port };
}

/** What a client learns of the server's receive windows: the stream window it advertises, the connection window it grants. */
async function windowsOf(port: number): Promise<{ stream: number; connection: number }> {
  const session: ClientHttp2Session = connect(`http://127.0.0.1:${port}`);
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('error', reject);
    });
    // The connection window arrives as a WINDOW_UPDATE right after the settings.
    const deadline = Date.now() + 1_000;
    while ((session.state.remoteWindowSize ?? 0) <= 65_535 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return { stream: session.remoteSettings.initialWindowSize ?? 0, connection: session.state.remoteWindowSize ?? 0 };
  } finally {
    session.close();
  }
}

describe('HTTP/2 receive windows of the gateway server', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.forceShutdown();
  });

  it('advertises the widened stream and connection windows to a client', async () => {
    const { server, port } = await serve(true);
    servers.push(server);
    expect(await windowsOf(port)).toEqual({ stream: WINDOW, connection: WINDOW });
  });

  it('is needed: a grpc-js server left alone keeps 64 KiB windows', async () => {
    const { server, port } = await serve(false);
    servers.push(server);
    const windows = await windowsOf(port);
    expect(windows.stream).toBe(65_535);
  });
});
