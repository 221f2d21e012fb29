// The gateway-wide turns at collecting deliveries (issue 19): no turn of the event loop collects
// more than its budget across every subscription, subscriptions take turns round-robin, and the
// scheduler yields (the next turn is deferred, never run in a loop).
import { describe, expect, it } from 'vitest';

import { createDeliveryTurns, type TurnTaker } from './delivery-turns.js';

/** A subscription with `records` to deliver in batches of at most `batch`. */
function taker(name: string, records: number, batch: number, log: string[]): TurnTaker & { left: number } {
  const t = {
    left: records,
    takeTurn(max: number) {
      const took = Math.min(batch, max, t.left);
      t.left -= took;
      if (took > 0) log.push(name);
      return took;
    },
  };
  return t;
}

describe('delivery turns', () => {
  it('collect at most the budget per turn across every subscription, round-robin, yielding between turns', () => {
    const deferred: (() => void)[] = [];
    const turns: number[] = [];
    const scheduler = createDeliveryTurns({
      recordsPerTurn: 250,
      sliceMs: Infinity,
      defer: (run) => deferred.push(run),
      onTurn: (records) => turns.push(records),
    });
    const log: string[] = [];
    const takers = Array.from({ length: 16 }, (_, i) => taker(`s${i}`, 1_000, 100, log));
    for (const t of takers) scheduler.request(t);
    // Nothing runs inside request: the first turn waits for the event loop, once.
    expect(deferred).toHaveLength(1);
    expect(log).toHaveLength(0);
    while (deferred.length > 0) {
      expect(deferred).toHaveLength(1);
      deferred.shift()!();
    }
    expect(takers.every((t) => t.left === 0)).toBe(true);
    expect(Math.max(...turns)).toBeLessThanOrEqual(250);
    expect(turns.reduce((a, b) => a + b, 0)).toBe(16_000);
    // Round-robin: every subscription had a batch before any had a second, and so on.
    const position = new Map<string, number>();
    const rounds = log.map((name) => {
      const round = position.get(name) ?? 0;
      position.set(name, round + 1);
      return round;
    });
    const firstOfRound = (round: number) => rounds.indexOf(round);
    const lastOfRound = (round: number) => rounds.lastIndexOf(round);
    for (let round = 1; round < 10; round++) expect(lastOfRound(round - 1)).toBeLessThan(firstOfRound(round + 1));
    // No subscription fell behind another by more than one batch's worth of turns.
    const counts = [...position.values()];
    expect(Math.max(...counts) - Math.min(...counts)).toBe(0);
  });

  it('end a turn when its time slice is spent, and carry on with the next subscription', () => {
    const deferred: (() => void)[] = [];
    let clock = 0;
    const log: string[] = [];
    const a = taker('a', 1_000, 10, log);
    const b = taker('b', 1_000, 10, log);
    const scheduler = createDeliveryTurns({
      recordsPerTurn: 1_000,
      sliceMs: 5,
      now: () => clock,
      defer: (run) => deferred.push(run),
    });
    const slow = (t: typeof a): TurnTaker => ({
      takeTurn: (max) => {
        clock += 2;
        return t.takeTurn(max);
      },
    });
    scheduler.request(slow(a));
    scheduler.request(slow(b));
    deferred.shift()!();
    // 2 ms each: the third batch passes 5 ms, and the turn ends there.
    expect(log).toEqual(['a', 'b', 'a']);
    expect(deferred).toHaveLength(1);
    deferred.shift()!();
    expect(log.slice(3)).toEqual(['b', 'a', 'b']);
  });

  it('drop a subscription with nothing to take until it asks again, and one that closed', () => {
    const deferred: (() => void)[] = [];
    const scheduler = createDeliveryTurns({
      recordsPerTurn: 100,
      sliceMs: Infinity,
      defer: (run) => deferred.push(run),
    });
    const log: string[] = [];
    const idle = taker('idle', 0, 10, log);
    const busy = taker('busy', 30, 10, log);
    const closed = taker('closed', 30, 10, log);
    scheduler.request(idle);
    scheduler.request(busy);
    scheduler.request(closed);
    scheduler.cancel(closed);
    while (deferred.length > 0) deferred.shift()!();
    expect(log).toEqual(['busy', 'busy', 'busy']);
    idle.left = 10;
    scheduler.request(idle);
    while (deferred.length > 0) deferred.shift()!();
    expect(log).toEqual(['busy', 'busy', 'busy', 'idle']);
    expect(closed.left).toBe(30);
  });
});
