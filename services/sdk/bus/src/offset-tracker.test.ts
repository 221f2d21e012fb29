import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { OffsetTracker, PartitionTracker } from './offset-tracker.js';

describe('PartitionTracker', () => {
  it('has nothing to commit until a record is taken, held records notwithstanding', () => {
    const offsets = new PartitionTracker();
    offsets.hold(4);
    expect(offsets.next).toBeUndefined();
    expect(offsets.position()).toBeUndefined();
    expect(offsets.toCommit()).toBeUndefined();
    offsets.take(4);
    expect(offsets.position()).toBe(4);
    expect(offsets.toCommit()).toBe(4);
  });

  it('started at a saved cursor, commits nothing until the position moves from it', () => {
    const offsets = PartitionTracker.startingAt(10);
    expect(offsets.next).toBe(10);
    expect(offsets.committed).toBe(10);
    expect(offsets.toCommit()).toBeUndefined();
    offsets.take(10);
    expect(offsets.toCommit()).toBe(11);
  });

  it('commits past records that were only taken (withheld, say) at once', () => {
    const offsets = PartitionTracker.startingAt(0);
    offsets.take(0);
    offsets.take(1);
    expect(offsets.position()).toBe(2);
  });

  it('stays at the first unacknowledged delivery while later ones are acknowledged out of order', () => {
    const offsets = PartitionTracker.startingAt(10);
    for (const offset of [10, 11, 12]) {
      offsets.take(offset);
      offsets.deliver(offset);
    }
    expect(offsets.unacknowledged).toBe(3);
    expect(offsets.acknowledge(12)).toBe(true);
    expect(offsets.position()).toBe(10);
    expect(offsets.acknowledge(10)).toBe(true);
    expect(offsets.position()).toBe(11);
    expect(offsets.acknowledge(11)).toBe(true);
    expect(offsets.position()).toBe(13);
    expect(offsets.unacknowledged).toBe(0);
  });

  it('acknowledges cumulatively up to an offset, counting what it acknowledged', () => {
    const offsets = PartitionTracker.startingAt(0);
    for (const offset of [0, 2, 3, 5]) {
      offsets.take(offset);
      offsets.deliver(offset);
    }
    expect(offsets.acknowledgeUpTo(2)).toBe(2);
    expect(offsets.position()).toBe(3);
    expect(offsets.acknowledgeUpTo(2)).toBe(0);
    expect(offsets.acknowledgeUpTo(4)).toBe(1);
    expect(offsets.acknowledgeUpTo(100)).toBe(1);
    expect(offsets.position()).toBe(6);
  });

  it('never commits past a held record, whatever is acknowledged after it', () => {
    const offsets = PartitionTracker.startingAt(5);
    offsets.take(5);
    offsets.hold(5);
    offsets.take(6);
    offsets.deliver(6);
    expect(offsets.acknowledgeUpTo(6)).toBe(1); // holds are not acknowledged
    expect(offsets.holds).toBe(1);
    expect(offsets.position()).toBe(5);
    expect(offsets.release(5)).toBe(true);
    expect(offsets.position()).toBe(7);
  });

  it('holds an offset once however often it is held, and refuses what it does not know', () => {
    const offsets = PartitionTracker.startingAt(0);
    offsets.take(1);
    offsets.hold(1);
    offsets.hold(1);
    expect(offsets.holds).toBe(1);
    expect(offsets.release(1)).toBe(true);
    expect(offsets.release(1)).toBe(false);
    expect(offsets.acknowledge(1)).toBe(false);
    expect(offsets.position()).toBe(2);
  });

  it('keeps held and delivered offsets taken out of order sorted', () => {
    const offsets = PartitionTracker.startingAt(0);
    offsets.take(9);
    for (const offset of [7, 3, 5]) offsets.hold(offset);
    for (const offset of [8, 2, 6]) offsets.deliver(offset);
    expect(offsets.position()).toBe(2);
    expect(offsets.acknowledgeUpTo(6)).toBe(2);
    expect(offsets.position()).toBe(3);
    offsets.release(3);
    offsets.release(5);
    expect(offsets.position()).toBe(7);
    offsets.release(7);
    expect(offsets.position()).toBe(8);
  });

  it('moves back when a partition is read again from an earlier offset', () => {
    const offsets = new PartitionTracker();
    offsets.take(20);
    offsets.committedAt(21);
    offsets.take(14);
    expect(offsets.next).toBe(15);
    expect(offsets.toCommit()).toBe(15);
  });

  it('takes records back from an offset: deliveries and holds from there forgotten, to be taken again', () => {
    const offsets = PartitionTracker.startingAt(10);
    for (const offset of [10, 11, 12, 13, 14]) offsets.take(offset);
    offsets.deliver(10);
    offsets.deliver(12);
    offsets.hold(13);
    offsets.deliver(14);
    expect(offsets.rewind(12)).toBe(2);
    expect(offsets.next).toBe(12);
    expect(offsets.unacknowledged).toBe(1);
    expect(offsets.holds).toBe(0);
    // The delivery before the rewind is still awaited: nothing past it is committed.
    expect(offsets.position()).toBe(10);
    expect(offsets.acknowledge(12)).toBe(false);
    offsets.acknowledge(10);
    expect(offsets.position()).toBe(12);
    // Taken again from there.
    offsets.take(12);
    offsets.deliver(12);
    expect(offsets.position()).toBe(12);
  });

  it('rewinding to or past the next offset forgets nothing taken before it', () => {
    const offsets = PartitionTracker.startingAt(0);
    offsets.take(0);
    offsets.deliver(0);
    expect(offsets.rewind(1)).toBe(0);
    expect(offsets.rewind(5)).toBe(0);
    expect(offsets.next).toBe(1);
    expect(offsets.unacknowledged).toBe(1);
  });

  it('has nothing more to commit once a commit of its position has landed', () => {
    const offsets = PartitionTracker.startingAt(0);
    offsets.take(0);
    offsets.deliver(0);
    offsets.take(1);
    expect(offsets.toCommit()).toBeUndefined(); // still at 0, as committed
    offsets.acknowledge(0);
    expect(offsets.toCommit()).toBe(2);
    offsets.committedAt(2);
    expect(offsets.committed).toBe(2);
    expect(offsets.toCommit()).toBeUndefined();
  });
});

describe('OffsetTracker', () => {
  it('keeps each partition apart and reports, in the order asked, only positions that changed', () => {
    const tracker = new OffsetTracker();
    tracker.partition('a', 0).take(4);
    tracker.partition('a', 1).take(9);
    tracker.partition('a', 1).hold(7);
    tracker.partition('b', 0).take(0);
    const assigned = [
      { topic: 'b', partition: 0 },
      { topic: 'a', partition: 1 },
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 2 }, // nothing taken: left out
    ];
    expect(tracker.toCommit(assigned)).toEqual([
      { topic: 'b', partition: 0, offset: '1' },
      { topic: 'a', partition: 1, offset: '7' },
      { topic: 'a', partition: 0, offset: '5' },
    ]);
    tracker.committed([{ topic: 'a', partition: 1, offset: '7' }]);
    expect(tracker.get('a', 1)?.committed).toBe(7);
    expect(tracker.toCommit(assigned).map((o) => `${o.topic}/${o.partition}`)).toEqual(['b/0', 'a/0']);
    // Only the partitions asked about.
    expect(tracker.toCommit([{ topic: 'a', partition: 0 }])).toEqual([{ topic: 'a', partition: 0, offset: '5' }]);
  });

  it('names the same partition with the same offsets, and gets none it was never told of', () => {
    const tracker = new OffsetTracker();
    expect(tracker.get('t', 0)).toBeUndefined();
    const first = tracker.partition('t', 0);
    expect(tracker.partition('t', 0)).toBe(first);
    expect(tracker.get('t', 0)).toBe(first);
    expect(tracker.get('t', 1)).toBeUndefined();
    expect(tracker.get('t\u00000', 0)).toBeUndefined();
  });

  it('forgets the partitions a rebalance took, holds and commits included, and keeps the rest', () => {
    const tracker = new OffsetTracker();
    tracker.partition('t', 0).take(3);
    tracker.partition('t', 0).hold(1);
    tracker.partition('t', 1).take(5);
    tracker.committed([{ topic: 't', partition: 1, offset: '6' }]);
    tracker.retain([{ topic: 't', partition: 1 }]);
    expect(tracker.get('t', 0)).toBeUndefined();
    expect(tracker.get('t', 1)?.committed).toBe(6);
    // Assigned again later, it starts empty.
    expect(tracker.partition('t', 0).holds).toBe(0);
    expect(tracker.toCommit([{ topic: 't', partition: 0 }])).toEqual([]);
    tracker.retain([]);
    expect(tracker.get('t', 1)).toBeUndefined();
  });

  it('forgets everything when cleared', () => {
    const tracker = new OffsetTracker();
    tracker.partition('t', 0).take(3);
    tracker.partition('u', 2).hold(3);
    tracker.clear();
    expect(tracker.get('t', 0)).toBeUndefined();
    expect(tracker.get('u', 2)).toBeUndefined();
  });
});

/** One step against a partition: take the next record (with its fate), or finish one not done. */
type Step =
  | { readonly kind: 'take'; readonly fate: 'done' | 'deliver' | 'hold'; readonly gap: number }
  | { readonly kind: 'acknowledge' | 'acknowledgeUpTo' | 'release'; readonly pick: number }
  | { readonly kind: 'commit' }
  | { readonly kind: 'rewind'; readonly back: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('take' as const),
    fate: fc.constantFrom('done' as const, 'deliver' as const, 'hold' as const),
    gap: fc.nat({ max: 3 }), // compacted topics and withheld records leave gaps
  }),
  fc.record({
    kind: fc.constantFrom('acknowledge' as const, 'acknowledgeUpTo' as const, 'release' as const),
    pick: fc.nat(),
  }),
  fc.record({ kind: fc.constant('commit' as const) }),
  // Deliveries prepared under an agreement version that changed before they were sent.
  fc.record({ kind: fc.constant('rewind' as const), back: fc.nat({ max: 12 }) }),
);

describe('OffsetTracker properties', () => {
  it('never commits past a record not done, and reaches the next to take once all are done', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1_000_000 }),
        fc.array(step, { maxLength: 80 }),
        fc.array(fc.nat(), { maxLength: 80 }),
        (start, steps, finishOrder) => {
          const offsets = PartitionTracker.startingAt(start);
          // The model: what is awaited and held, by plain sets.
          const awaited = new Set<number>();
          const held = new Set<number>();
          let next = start;
          const pick = (set: Set<number>, n: number) => [...set].sort((a, b) => a - b)[n % set.size];
          const check = () => {
            const position = offsets.position();
            expect(position).toBeDefined();
            expect(position).toBeLessThanOrEqual(next);
            for (const offset of [...awaited, ...held]) expect(position).toBeLessThanOrEqual(offset);
            expect(position).toBe(Math.min(next, ...awaited, ...held));
            expect(offsets.unacknowledged).toBe(awaited.size);
            expect(offsets.holds).toBe(held.size);
          };
          for (const s of steps) {
            if (s.kind === 'take') {
              const offset = next + s.gap;
              offsets.take(offset);
              next = offset + 1;
              if (s.fate === 'deliver') {
                offsets.deliver(offset);
                awaited.add(offset);
              } else if (s.fate === 'hold') {
                offsets.hold(offset);
                held.add(offset);
              }
            } else if (s.kind === 'acknowledge' && awaited.size > 0) {
              const offset = pick(awaited, s.pick)!;
              expect(offsets.acknowledge(offset)).toBe(true);
              awaited.delete(offset);
            } else if (s.kind === 'acknowledgeUpTo' && awaited.size > 0) {
              const upTo = pick(awaited, s.pick)!;
              const acknowledged = [...awaited].filter((offset) => offset <= upTo);
              expect(offsets.acknowledgeUpTo(upTo)).toBe(acknowledged.length);
              for (const offset of acknowledged) awaited.delete(offset);
            } else if (s.kind === 'release' && held.size > 0) {
              const offset = pick(held, s.pick)!;
              expect(offsets.release(offset)).toBe(true);
              held.delete(offset);
            } else if (s.kind === 'rewind') {
              const offset = Math.max(0, next - s.back);
              const forgotten = [...awaited].filter((o) => o >= offset);
              expect(offsets.rewind(offset)).toBe(forgotten.length);
              for (const o of forgotten) awaited.delete(o);
              for (const o of [...held]) if (o >= offset) held.delete(o);
              next = Math.min(next, offset);
              expect(offsets.next).toBe(next);
            } else if (s.kind === 'commit') {
              const position = offsets.toCommit();
              if (position !== undefined) {
                expect(position).not.toBe(offsets.committed);
                offsets.committedAt(position);
              }
              expect(offsets.toCommit()).toBeUndefined();
            }
            check();
          }
          // Whatever is left is finished in an arbitrary order.
          const left = [...awaited].map((offset) => ({ offset, held: false }));
          left.push(...[...held].map((offset) => ({ offset, held: true })));
          let order = 0;
          while (left.length > 0) {
            const [item] = left.splice((finishOrder[order++ % Math.max(1, finishOrder.length)] ?? 0) % left.length, 1);
            if (!item) break;
            if (item.held) {
              offsets.release(item.offset);
              held.delete(item.offset);
            } else {
              offsets.acknowledge(item.offset);
              awaited.delete(item.offset);
            }
            check();
          }
          expect(offsets.position()).toBe(next);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps partitions apart: finishing records of one never moves another', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ partition: fc.nat({ max: 3 }), fate: fc.constantFrom('deliver', 'hold') }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.nat({ max: 3 }),
        (records, finished) => {
          const tracker = new OffsetTracker();
          const taken: { partition: number; offset: number; fate: string }[] = [];
          for (const { partition, fate } of records) {
            const offsets = tracker.partition('t', partition);
            const offset = offsets.next ?? 0;
            offsets.take(offset);
            if (fate === 'deliver') offsets.deliver(offset);
            else offsets.hold(offset);
            taken.push({ partition, offset, fate });
          }
          const all = [0, 1, 2, 3].map((partition) => ({ topic: 't', partition }));
          const before = tracker.toCommit(all).filter((o) => o.partition !== finished);
          for (const { partition, offset, fate } of taken) {
            if (partition !== finished) continue;
            if (fate === 'deliver') tracker.get('t', partition)?.acknowledge(offset);
            else tracker.get('t', partition)?.release(offset);
          }
          const after = tracker.toCommit(all);
          expect(after.filter((o) => o.partition !== finished)).toEqual(before);
          const mine = taken.filter((r) => r.partition === finished);
          if (mine.length > 0) {
            expect(after.find((o) => o.partition === finished)?.offset).toBe(String(mine.length));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
