// HTTP/2 receive windows for the gateway's gRPC server. grpc-js reads the channel option
// 'grpc-node.flow_control_window' on clients only (grpc/grpc-node PR #3058, open, would add it
// to servers), so a server keeps Node's 64 KiB windows: a 650 KB PublishStream batch then needs
// ten WINDOW_UPDATE round trips, each waiting for a busy event loop, and the bench measured a
// batch arriving every ~150 ms however fast the publisher sent. This sets both windows the way
// that PR does: the per-stream window in the SETTINGS every new session advertises, and the
// connection window on each session as it opens. It touches two grpc-js internals, checked
// here and by a test that connects with a bare HTTP/2 client, so an upgrade that moves them is
// caught instead of silently falling back to 64 KiB.
import type { Http2Server, Http2Session } from 'node:http2';

import type { Server } from '@grpc/grpc-js';

interface ServerInternals {
  commonServerOptions?: { settings?: Record<string, unknown> };
  http2Servers?: Map<Http2Server, unknown>;
}

/** Call before bindAsync: the settings are read when the HTTP/2 listener is created. */
export function widenReceiveWindows(server: Server, windowBytes: number): void {
  const internals = server as unknown as ServerInternals;
  if (!internals.commonServerOptions || !(internals.http2Servers instanceof Map)) {
    throw new Error('this @grpc/grpc-js version keeps its HTTP/2 server options elsewhere; update flow-control.ts');
  }
  internals.commonServerOptions.settings = {
    ...internals.commonServerOptions.settings,
    initialWindowSize: windowBytes,
  };
}

/** Call after bindAsync: raises the connection window of every session the listeners accept. */
export function widenConnectionWindows(server: Server, windowBytes: number): void {
  const listeners = (server as unknown as ServerInternals).http2Servers;
  if (!(listeners instanceof Map)) throw new Error('this @grpc/grpc-js version keeps its listeners elsewhere');
  for (const listener of listeners.keys()) {
    listener.on('session', (session: Http2Session) => {
      try {
        session.setLocalWindowSize(windowBytes);
      } catch {
        // A session closing as it opens: nothing to widen.
      }
    });
  }
}
