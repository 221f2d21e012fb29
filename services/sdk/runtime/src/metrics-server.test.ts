import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { registerStatsMetrics } from './metrics-server.js';

const value = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values[0]?.value;

describe('metrics that follow a service’s stats', () => {
  it('count running totals, never going down, and set levels as they are', async () => {
    const registry = new Registry();
    const stats = { done: 0, waiting: 0 };
    registerStatsMetrics(registry, () => stats, [
      { stat: 'done', name: 'done_total', help: 'done' },
      { stat: 'waiting', name: 'waiting', help: 'waiting', kind: 'gauge' },
    ]);
    stats.done = 3;
    stats.waiting = 5;
    await registry.metrics();
    expect(await value(registry, 'done_total')).toBe(3);
    expect(await value(registry, 'waiting')).toBe(5);

    // A restarted component starts its total again: the counter holds, then resumes past it.
    stats.done = 1;
    stats.waiting = 2;
    expect(await value(registry, 'done_total')).toBe(3);
    expect(await value(registry, 'waiting')).toBe(2);
    stats.done = 7;
    expect(await value(registry, 'done_total')).toBe(7);
  });
});
