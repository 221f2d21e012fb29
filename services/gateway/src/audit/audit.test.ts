// The audit writer: one disclosure per group of a batch, keyed by its disclosure id; produce
// requests under the chunk size; a delivery whose disclosure cannot be encoded set aside to its
// dead-letter topic (or the batch refused without one); resolved only once the bus has the records.
import { randomUUID } from 'node:crypto';

import { type Bus, type BusRecord } from '@puente/bus';
import { DISCLOSURE_TOPIC } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { createAuditWriter, MAX_AUDIT_CHUNK_BYTES } from './audit.js';
import { auditFixture, delivery, exampleEvent, feedOf, subscriberOf, US_CARGO } from './testing/deliveries.js';

const fx = auditFixture();
const { codec } = fx;
const ANAM = subscriberOf('MX', 'ANAM');
const feed = feedOf(fx, ANAM, US_CARGO);
const manifest = (eventId: string = randomUUID()) =>
  exampleEvent(fx, 'cargo-manifests/us-northbound-laredo.json', { eventId }).event;

/** A bus that keeps what is published to the disclosure topic; `hold` keeps publish pending. */
function recordingBus(options: { hold?: Promise<void> } = {}) {
  const calls: BusRecord[][] = [];
  const bus = {
    publish: async (topic: string, records: readonly BusRecord[]) => {
      expect(topic).toBe(DISCLOSURE_TOPIC);
      calls.push([...records]);
      await options.hold;
      return [];
    },
  } as unknown as Bus;
  return { bus, calls };
}

const decode = (record: BusRecord) =>
  codec.decode(record.value!, { topic: DISCLOSURE_TOPIC }).value as unknown as Record<string, any>;

describe('audit writer', () => {
  it('writes one disclosure per group of the batch, keyed by its disclosure id, events in the order sent', async () => {
    const { bus, calls } = recordingBus();
    const batch = Array.from({ length: 250 }, (_, i) =>
      delivery({ feed, principal: ANAM, event: manifest(), offset: i, subscriptionId: i % 2 ? 'odd' : 'even' }),
    );
    expect(await createAuditWriter(bus, codec)(batch)).toEqual([]);
    const records = calls.flat();
    expect(records).toHaveLength(2);
    const decoded = records.map(decode);
    for (const [i, record] of records.entries()) expect(record.key).toBe(decoded[i]!['disclosureId']);
    expect(decoded.map((d) => d['recipient'].subscription)).toEqual(['even', 'odd']);
    for (const [i, d] of decoded.entries()) {
      expect(d['events'].map((e: { sourceOffset: number }) => e.sourceOffset)).toEqual(
        batch.filter((_, j) => j % 2 === i).map((b) => Number(b.record.offset)),
      );
    }
  });

  it('splits a large batch into produce requests and records no bigger than the chunk size', async () => {
    const { bus, calls } = recordingBus();
    const batch = Array.from({ length: 1_000 }, (_, i) =>
      delivery({ feed, principal: ANAM, event: manifest(), offset: i, subscriptionId: `sub-${i % 40}` }),
    );
    const maxChunkBytes = 16 * 1024;
    await createAuditWriter(bus, codec, { maxChunkBytes })(batch);
    const sizes = calls.map((records) => records.reduce((n, r) => n + r.value!.length + (r.key?.length ?? 0), 0));
    expect(calls.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(maxChunkBytes);
    const events = calls.flat().flatMap((r) => decode(r)['events'] as { eventId: string }[]);
    expect(events.map((e) => e.eventId).sort()).toEqual(batch.map((b) => b.eventId).sort());
    expect(MAX_AUDIT_CHUNK_BYTES).toBeLessThan(1024 * 1024);
  });

  it('sets aside a delivery whose disclosure cannot be encoded, dead-lettering its source record', async () => {
    const { bus, calls } = recordingBus();
    const batch = [0, 1, 2].map((i) =>
      delivery({ feed, principal: ANAM, event: manifest(i === 1 ? 'not-a-uuid' : randomUUID()), offset: i }),
    );
    const letters: { offset: string; error: unknown }[] = [];
    const deadLetter = async (record: { offset: string }, error: unknown) =>
      void letters.push({ offset: record.offset, error });
    const setAside = await createAuditWriter(bus, codec, { deadLetter })(batch);
    expect(setAside).toEqual([batch[1]]);
    expect(letters.map((l) => l.offset)).toEqual(['1']);
    expect(String(letters[0]!.error)).toContain('eventId');
    const [record] = calls.flat();
    expect(decode(record!)['events'].map((e: { sourceOffset: number }) => e.sourceOffset)).toEqual([0, 2]);
  });

  it('refuses the whole batch when there is no dead-letter topic to set a delivery aside to', async () => {
    const { bus, calls } = recordingBus();
    const batch = [0, 1].map((i) =>
      delivery({ feed, principal: ANAM, event: manifest(i === 1 ? 'not-a-uuid' : randomUUID()), offset: i }),
    );
    await expect(createAuditWriter(bus, codec)(batch)).rejects.toThrow(/eventId/);
    expect(calls).toEqual([]);
  });

  it('resolves only once the bus has acknowledged the disclosures', async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const { bus, calls } = recordingBus({ hold });
    let resolved = false;
    const writing = createAuditWriter(
      bus,
      codec,
    )([delivery({ feed, principal: ANAM, event: manifest() })]).then(() => (resolved = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1);
    expect(resolved).toBe(false);
    release();
    await writing;
    expect(resolved).toBe(true);
  });
});
