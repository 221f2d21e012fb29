// The unacknowledged bytes budget (issue 19): a stream over its own cap, or any stream while the
// shared cap is reached, may not take more; one holding nothing always may; freed bytes wake the
// streams the shared cap stopped; everything given back, the total is 0.
import { describe, expect, it, vi } from 'vitest';

import { createDeliveryBudget } from './delivery-budget.js';

describe('the delivery budget', () => {
  it('stops a stream at its own cap and every stream at the shared one, and wakes them when bytes are freed', () => {
    const reported: number[] = [];
    const budget = createDeliveryBudget({ perStreamBytes: 100, totalBytes: 150, onBytes: (b) => reported.push(b) });
    // Stream A takes 100: at its own cap.
    budget.take(100);
    expect(budget.mayTake(100)).toBe(false);
    expect(budget.overTotal()).toBe(false);
    // Stream B, holding 40, may go on; at 60 the shared cap (150) is reached.
    budget.take(40);
    expect(budget.mayTake(40)).toBe(true);
    budget.take(20);
    expect(budget.mayTake(60)).toBe(false);
    expect(budget.overTotal()).toBe(true);
    // A stream holding nothing may always take a batch (no deadlock).
    expect(budget.mayTake(0)).toBe(true);
    const wakeB = vi.fn();
    budget.wait(wakeB);
    // A acknowledges half of its bytes: the shared cap has room again, B is woken once.
    budget.give(50);
    expect(wakeB).toHaveBeenCalledTimes(1);
    expect(budget.mayTake(60)).toBe(true);
    budget.give(10);
    expect(wakeB).toHaveBeenCalledTimes(1);
    budget.give(50);
    budget.give(50);
    expect(budget.inUse).toBe(0);
    expect(reported.at(-1)).toBe(0);
  });

  it('does not wake anyone while the shared cap stays reached', () => {
    const budget = createDeliveryBudget({ perStreamBytes: 1_000, totalBytes: 100 });
    budget.take(300);
    const wake = vi.fn();
    budget.wait(wake);
    budget.give(100);
    expect(wake).not.toHaveBeenCalled();
    budget.give(150);
    expect(wake).toHaveBeenCalledTimes(1);
  });
});
