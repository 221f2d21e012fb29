import { describe, expect, it } from 'vitest';

import { SerialQueue } from './serial-queue.js';

describe('SerialQueue', () => {
  it('runs each piece only after the one before it has settled, in the order given', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let releaseFirst!: () => void;
    const first = queue.run(async () => {
      log.push('first started');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      log.push('first done');
      return 1;
    });
    const second = queue.run(async () => {
      log.push('second started');
      return 2;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(['first started']);
    releaseFirst();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['first started', 'first done', 'second started']);
  });

  it('rejects with the failure of the piece that failed, and still runs the next', async () => {
    const queue = new SerialQueue();
    const failed = queue.run(async () => {
      throw new Error('boom');
    });
    const next = queue.run(async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ran');
  });
});
