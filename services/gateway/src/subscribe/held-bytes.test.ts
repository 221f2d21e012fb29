// A stream's held bytes: acks free what they cover, a dropped delivery frees itself, a rewind
// frees what it takes back, closing frees the rest — and the gateway's budget follows every step.
import { describe, expect, it } from 'vitest';

import { createDeliveryBudget } from './delivery-budget.js';
import { HeldBytes } from './held-bytes.js';

describe('HeldBytes', () => {
  it('gives the budget back exactly what acks, drops, rewinds and closing free', () => {
    const budget = createDeliveryBudget({ perStreamBytes: 1 << 20, totalBytes: 1 << 20 });
    const held = new HeldBytes(budget);
    const p0 = held.partition();
    const p1 = held.partition();
    for (const offset of [10, 11, 12, 13]) held.hold(p0, offset, 100 + offset);
    held.hold(p1, 5, 1_000);
    expect([held.total, budget.inUse]).toEqual([110 + 111 + 112 + 113 + 1_000, 1_446]);

    held.freeUpTo(p0, 11); // acknowledged up to 11
    expect(held.total).toBe(112 + 113 + 1_000);
    held.freeAt(p0, 13); // dropped (dead-lettered by the audit)
    held.freeAt(p0, 13); // once only
    expect(held.total).toBe(112 + 1_000);
    held.hold(p0, 14, 50);
    held.freeFrom(p0, 12); // taken back from 12 on
    expect([...p0.keys()]).toEqual([]);
    expect(held.total).toBe(1_000);

    held.release();
    expect([held.total, budget.inUse, p1.size]).toEqual([0, 0, 0]);
  });
});
