// The server's lifecycle helpers: a drain is waited for only up to its grace, and a shutdown
// resolves whether the server closes gracefully or is cut at the deadline.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { bindServer, drainWithin, shutdownServer } from './gateway-server.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('drainWithin', () => {
  it('resolves when the drain does', async () => {
    await expect(drainWithin(Promise.resolve(), 60_000)).resolves.toBeUndefined();
  });

  it('stops waiting for a drain that never ends once the grace has passed', async () => {
    vi.useFakeTimers();
    let done = false;
    const waiting = drainWithin(new Promise<void>(() => undefined), 5_000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
  });
});

describe('bindServer and shutdownServer', () => {
  it('binds a free port and shuts the idle server down gracefully', async () => {
    const server = new Server();
    const port = await bindServer(server, '127.0.0.1:0', ServerCredentials.createInsecure());
    expect(port).toBeGreaterThan(0);
    const force = vi.spyOn(server, 'forceShutdown');
    await shutdownServer(server, Date.now() + 60_000);
    expect(force).not.toHaveBeenCalled();
  });

  it('refuses an address it cannot bind', async () => {
    await expect(
      bindServer(new Server(), 'not-a-host-at-all:-1', ServerCredentials.createInsecure()),
    ).rejects.toThrow();
  });
});
