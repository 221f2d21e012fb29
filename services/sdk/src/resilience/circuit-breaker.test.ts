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
});
