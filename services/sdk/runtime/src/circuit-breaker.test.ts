import { describe, expect, it } from 'vitest';

import { BreakerOpenError, createBreaker } from './circuit-breaker.js';

const fail = (retriable: boolean) => () => Promise.reject(Object.assign(new Error('x'), { retriable }));

describe('circuit breaker', () => {
  it('opens after repeated infrastructure failures and then refuses at once', async () => {
    const states: string[] = [];
    const breaker = createBreaker({
      name: 't',
      volumeThreshold: 3,
      resetTimeoutMs: 60_000,
      onStateChange: (s) => states.push(s),
    });
    for (let i = 0; i < 3; i++) await expect(breaker.run(fail(true))).rejects.toThrow('x');
    expect(breaker.state()).toBe('open');
    let ran = false;
    await expect(
      breaker.run(async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(BreakerOpenError);
    expect(ran).toBe(false);
    expect(states).toEqual(['open']);
    breaker.shutdown();
  });

  it("never opens on a caller's bad input", async () => {
    const breaker = createBreaker({ name: 't', volumeThreshold: 3 });
    for (let i = 0; i < 10; i++) await expect(breaker.run(fail(false))).rejects.toThrow('x');
    expect(breaker.state()).toBe('closed');
    await expect(breaker.run(async () => 42)).resolves.toBe(42);
    breaker.shutdown();
  });

  it('times out slow work with a retriable error', async () => {
    const breaker = createBreaker({ name: 'slow', timeoutMs: 50 });
    const error = await breaker.run(() => new Promise((resolve) => setTimeout(resolve, 500))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect((error as BreakerOpenError).reason).toBe('timeout');
    breaker.shutdown();
  });

  it('lets a call wait behind a queue that keeps moving, and fails it once nothing moves', async () => {
    const breaker = createBreaker({ name: 'queue', timeoutMs: 100, volumeThreshold: 100 });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // Ten calls finishing one after another every 40 ms: the last waits 400 ms, never 100 ms idle.
    const started = performance.now();
    const queue = Array.from({ length: 10 }, (_, i) => breaker.run(() => sleep(40 * (i + 1)).then(() => i)));
    await expect(Promise.all(queue)).resolves.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    // Then one that never finishes while nothing else completes: it fails about 100 ms later.
    const stuckAt = performance.now();
    const stuck = await breaker.run(() => new Promise(() => undefined)).catch((e: unknown) => e);
    expect(stuck).toBeInstanceOf(BreakerOpenError);
    expect((stuck as BreakerOpenError).reason).toBe('timeout');
    expect(performance.now() - stuckAt).toBeLessThan(1_000);
    breaker.shutdown();
  });
});
