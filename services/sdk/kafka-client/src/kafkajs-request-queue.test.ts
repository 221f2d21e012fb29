import { createRequire } from 'node:module';

import { afterEach, describe, expect, it, vi } from 'vitest';

// kafkajs's per-connection request queue, as our patch (patches/kafkajs@2.2.4.patch) leaves it.
interface RequestQueue {
  throttleCheckTimeoutId: unknown;
  pending: unknown[];
  push(request: {
    entry: { correlationId: number; apiName: string; apiKey: number; apiVersion: number; resolve: () => void };
    expectResponse: boolean;
    sendRequest: () => void;
  }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer | null; size: number }): void;
  maybeThrottle(ms: number): void;
  checkPendingRequests(): void;
  destroy(): void;
}
const kafkajsRequire = createRequire(createRequire(import.meta.url).resolve('kafkajs'));
const RequestQueue = kafkajsRequire('./src/network/requestQueue/index.js') as new (options: object) => RequestQueue;

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const newQueue = () =>
  new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: quiet,
  });
const request = (correlationId: number, sendRequest: () => void) => ({
  entry: { correlationId, apiName: 'Produce', apiKey: 0, apiVersion: 7, resolve: () => undefined },
  expectResponse: true,
  sendRequest,
});

describe('kafkajs request queue (patched)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('schedules nothing when nothing is pending (kafkajs 2.2.4 ran a 1 ms timer loop per connection)', () => {
    vi.useFakeTimers();
    const queue = newQueue();
    queue.checkPendingRequests();
    expect(queue.throttleCheckTimeoutId).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    queue.destroy();
  });

  it.each([50, 1])(
    'still sends a request held back by a %i ms throttle once it ends, then goes quiet',
    (throttleMs) => {
      vi.useFakeTimers();
      const queue = newQueue();
      const sent = vi.fn();
      queue.maybeThrottle(throttleMs);
      queue.push(request(1, sent));
      expect(sent).not.toHaveBeenCalled();
      expect(queue.pending).toHaveLength(1);
      vi.advanceTimersByTime(throttleMs - 1);
      expect(sent).not.toHaveBeenCalled();
      vi.advanceTimersByTime(2);
      expect(sent).toHaveBeenCalledTimes(1);
      expect(queue.pending).toHaveLength(0);
      expect(vi.getTimerCount()).toBe(0);
      queue.destroy();
    },
  );

  it('checks again while a request waits for a free in-flight slot', () => {
    vi.useFakeTimers();
    const queue = newQueue();
    const first = vi.fn();
    const second = vi.fn();
    queue.push(request(1, first));
    queue.push(request(2, second));
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).not.toHaveBeenCalled();
    // One request in flight (maxInFlightRequests 1): the second waits, with a check scheduled.
    expect(queue.throttleCheckTimeoutId).not.toBeNull();
    // The first one's response frees the slot: the second goes out, and nothing keeps ticking.
    queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(second).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(20);
    expect(queue.pending).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    queue.destroy();
  });
});
