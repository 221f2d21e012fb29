import { BusError, createDeadLetters, MemoryBus, OffsetTracker } from '@puente/bus';
import type { DeadLetters, TopicPartition } from '@puente/bus';
import { silentLogger } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type InputHandlers, InputLoop } from './input-loop.js';
import type { Position } from './position.js';
import { ensureRiskTopics } from './testing/bus-helpers.js';

const MANIFESTS = 'us.cargo-manifests.v1';
const RESULTS = 'us.screening-results.v1';
const GROUP = 'puente.risk.us.loop-test';

describe('InputLoop', () => {
  let bus: MemoryBus;
  let offsets: OffsetTracker;
  let deadLetters: DeadLetters;
  let events: string[];
  let pinned: Position[];
  let retained: (readonly TopicPartition[])[];
  let transientOnce: Set<string>;
  const loops: InputLoop[] = [];

  /** Records every call; a value `pin:*` is held, `bad:*` is the record's fault, `flaky:*` fails once as the bus would. */
  const handlers = (overrides: Partial<InputHandlers> = {}): InputHandlers => ({
    accept: (topic, value, _record, position) => {
      const text = value.toString();
      if (text.startsWith('bad:')) throw new Error(`cannot use ${text}`);
      if (text.startsWith('flaky:') && !transientOnce.has(text)) {
        transientOnce.add(text);
        throw new BusError({ code: 'UNAVAILABLE', message: 'bus hiccup', retriable: true });
      }
      if (text.startsWith('pin:')) {
        offsets.partition(position.topic, position.partition).hold(position.offset);
        pinned.push(position);
      }
      events.push(`${topic === MANIFESTS ? 'm' : 'r'}${position.offset}:${text}`);
    },
    afterBatch: async () => void events.push('afterBatch'),
    sweep: async () => {
      for (const p of pinned.splice(0)) offsets.get(p.topic, p.partition)?.release(p.offset);
      events.push('sweep');
    },
    retain: (partitions) => void retained.push(partitions),
    clear: () => void events.push('clear'),
    ...overrides,
  });
  const start = async (h: InputHandlers = handlers(), sweepIntervalMs = 60_000) => {
    const loop = new InputLoop({
      bus,
      groupId: GROUP,
      topics: [MANIFESTS, RESULTS],
      offsets,
      deadLetters,
      logger: silentLogger(),
      sweepIntervalMs,
      handlers: h,
    });
    loops.push(loop);
    await loop.start();
    return loop;
  };
  const send = (topic: string, ...values: (string | null)[]) =>
    bus.publish(
      topic,
      values.map((v) => ({ key: 'k', value: v === null ? null : Buffer.from(v) })),
    );
  const committed = async (topic: string) =>
    (await bus.admin.describeGroup(GROUP, [topic])).partitions[0]?.committed ?? null;
  const waitCommitted = (topic: string, offset: string) =>
    waitFor(async () => (await committed(topic)) === offset, 5_000, `${topic} committed at ${offset}`);

  beforeEach(async () => {
    bus = new MemoryBus();
    await bus.start();
    await ensureRiskTopics(bus, 'us', 1);
    offsets = new OffsetTracker();
    deadLetters = createDeadLetters({ bus, service: 'risk-us' });
    events = [];
    pinned = [];
    retained = [];
    transientOnce = new Set();
  });
  afterEach(async () => {
    for (const loop of loops.splice(0)) await loop.stop();
    await bus.stop();
  });

  it('hands over each record with a value, then the batch, then commits past every record taken', async () => {
    await send(MANIFESTS, 'a', null, 'b');
    await start();
    await waitCommitted(MANIFESTS, '3');
    expect(events).toEqual(['m0:a', 'm2:b', 'afterBatch']);
    expect(retained).toEqual([
      [
        { topic: MANIFESTS, partition: 0 },
        { topic: RESULTS, partition: 0 },
      ],
    ]);
  });

  it('commits no further than the first pinned record, and on past it once a sweep releases it', async () => {
    let release = false;
    const base = handlers();
    const sweep = async () => {
      if (release) await base.sweep();
    };
    await start(handlers({ sweep }), 10);
    await send(RESULTS, 'x', 'pin:y', 'z');
    await waitCommitted(RESULTS, '1');
    expect(events).toEqual(['r0:x', 'r1:pin:y', 'r2:z', 'afterBatch']);
    release = true;
    await waitCommitted(RESULTS, '3');
  });

  it('dead-letters a record that cannot be used, and commits past it', async () => {
    await send(MANIFESTS, 'ok', 'bad:one', 'fine');
    await start();
    await waitCommitted(MANIFESTS, '3');
    expect(events).toEqual(['m0:ok', 'm2:fine', 'afterBatch']);
    const counted = await deadLetters.counter.get();
    expect(counted.values.map((v) => [v.labels['topic'], v.labels['reason_class'], v.value])).toEqual([
      [MANIFESTS, 'unevaluable', 1],
    ]);
  });

  it('fails the batch on a bus failure and takes it again, committing nothing past the record meanwhile', async () => {
    await send(MANIFESTS, 'first', 'flaky:second');
    await start();
    await waitCommitted(MANIFESTS, '2');
    expect(events).toEqual(['m0:first', 'm0:first', 'm1:flaky:second', 'afterBatch']);
  });

  it('runs batches, sweeps and rebalances one at a time', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let running = 0;
    let most = 0;
    const oneAtATime =
      <T>(work: () => Promise<T>) =>
      async () => {
        running += 1;
        most = Math.max(most, running);
        try {
          return await work();
        } finally {
          running -= 1;
        }
      };
    const base = handlers();
    await start(
      handlers({
        afterBatch: oneAtATime(async () => {
          events.push('afterBatch');
          await gate;
        }),
        sweep: oneAtATime(() => base.sweep()),
      }),
      5,
    );
    await send(MANIFESTS, 'a');
    await waitFor(() => events.includes('afterBatch'), 5_000, 'the batch held open');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual(['m0:a', 'afterBatch']);
    open();
    await waitFor(() => events.filter((e) => e === 'sweep').length >= 2, 5_000, 'sweeps after the batch');
    expect(most).toBe(1);
  });

  it('tells of a rebalance, and forgets the offsets of partitions it lost', async () => {
    await bus.admin.deleteTopics([MANIFESTS]);
    await bus.admin.ensureTopics([{ topic: MANIFESTS, partitions: 2 }]);
    const written = await bus.publish(
      MANIFESTS,
      ['a', 'b', 'c', 'd'].map((key) => ({ key, value: Buffer.from(`pin:${key}`) })),
    );
    expect(new Set(written.map((w) => w.partition))).toEqual(new Set([0, 1]));
    await start();
    await waitFor(() => pinned.length === 4, 5_000, 'every record handled');
    const heldBefore = offsets.get(MANIFESTS, 0)?.holds;
    const other = await bus.subscribe({ groupId: GROUP, topics: [MANIFESTS], handler: async () => undefined });
    await waitFor(() => offsets.get(MANIFESTS, 1) === undefined, 5_000, 'the lost partition forgotten');
    await other.stop();
    expect(retained[0]).toEqual([
      { topic: MANIFESTS, partition: 0 },
      { topic: MANIFESTS, partition: 1 },
      { topic: RESULTS, partition: 0 },
    ]);
    expect(retained[1]).toEqual([
      { topic: MANIFESTS, partition: 0 },
      { topic: RESULTS, partition: 0 },
    ]);
    expect(offsets.get(MANIFESTS, 0)?.holds).toBe(heldBefore);
    expect(heldBefore).toBeGreaterThan(0);
  });

  it('on stop, leaves the group and forgets what is buffered and every offset', async () => {
    const loop = await start();
    await send(MANIFESTS, 'pin:a');
    await waitFor(() => events.includes('afterBatch'), 5_000, 'the batch handled');
    await loop.stop();
    loops.splice(0);
    expect(events.at(-1)).toBe('clear');
    expect(offsets.get(MANIFESTS, 0)).toBeUndefined();
    expect((await bus.admin.describeGroup(GROUP, [MANIFESTS])).members).toBe(0);
  });
});
