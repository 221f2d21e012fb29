import { OffsetTracker } from '@puente/bus';
import { describe, expect, it } from 'vitest';

import { consumedAt } from './testing/parts.js';
import { crossing } from './testing/traveller-fixtures.js';
import { TravellerJoinBuffer } from './traveller-join-buffer.js';
import { TravellerRegistryGate } from './traveller-registry-gate.js';

const TOPIC = 'us.traveller-crossings.v1';

function setup() {
  let clock = 1_000_000;
  const buffer = new TravellerJoinBuffer(new OffsetTracker(), () => clock);
  let offset = 0;
  const add = () => {
    const position = { topic: TOPIC, partition: 0, offset: offset++ };
    const c = crossing();
    buffer.addCrossing(c, consumedAt(position, Buffer.alloc(0)), position);
    return buffer.pending().find((p) => p.crossing.meta.eventId === c.meta.eventId)!;
  };
  // The registry a catch-up reads: crossings buffered while it runs are not covered by it.
  const registry = {
    calls: 0,
    during: undefined as (() => void) | undefined,
    async catchUp() {
      registry.calls += 1;
      const during = registry.during;
      registry.during = undefined;
      during?.();
    },
  };
  const gate = new TravellerRegistryGate({ registry, buffer, now: () => clock, minIntervalMs: 1_000 });
  return { gate, registry, add, tick: (ms: number) => (clock += ms) };
}

describe('TravellerRegistryGate', () => {
  it('catches the registry up before the first crossing buffered after start', async () => {
    const { gate, registry, add } = setup();
    gate.caughtUp();
    const first = add();
    expect(await gate.admit([first])).toEqual([first]);
    expect(registry.calls).toBe(1);
  });

  it('admits crossings buffered before a catch-up without another one', async () => {
    const { gate, registry, add, tick } = setup();
    const [a, b] = [add(), add()];
    expect(await gate.admit([a])).toEqual([a]);
    tick(5_000);
    expect(await gate.admit([b])).toEqual([b]);
    expect(registry.calls).toBe(1);
  });

  it('catches up at most once per interval, holding back crossings buffered since the last one', async () => {
    const { gate, registry, add, tick } = setup();
    expect(await gate.admit([add()])).toHaveLength(1);
    const later = add(); // a suspension published just before it must count: not covered yet
    tick(400);
    expect(await gate.admit([later])).toEqual([]);
    expect(registry.calls).toBe(1);
    tick(600);
    expect(await gate.admit([later])).toEqual([later]);
    expect(registry.calls).toBe(2);
  });

  it('does not count a crossing buffered while a catch-up ran as covered by it', async () => {
    const { gate, registry, add, tick } = setup();
    const first = add();
    let during: ReturnType<typeof add> | undefined;
    registry.during = () => (during = add());
    expect(await gate.admit([first])).toEqual([first]);
    tick(1_000);
    expect(await gate.admit([during!])).toEqual([during]);
    expect(registry.calls).toBe(2);
  });

  it('admits nothing it has not caught up for when the catch-up fails, and tries again after the interval', async () => {
    const { gate, registry, add, tick } = setup();
    const c = add();
    registry.during = () => {
      throw new Error('broker gone');
    };
    await expect(gate.admit([c])).rejects.toThrow('broker gone');
    expect(await gate.admit([c])).toEqual([]);
    tick(1_000);
    expect(await gate.admit([c])).toEqual([c]);
    expect(registry.calls).toBe(2);
  });
});
