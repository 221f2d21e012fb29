// The disclosure encoder: records byte for byte what encoding the whole record gives, for every
// rule, group size and delivery time; what a record says of its events; retraction records; a
// group split by size; an event that breaks the schema refused alone, a bad header refusing all.
import { createHash, randomUUID } from 'node:crypto';

import { AvroError, type AvroCodec } from '@puente/contracts';
import { DISCLOSURE_TOPIC } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import type { DeliveredRecord } from '../subscribe/record-evaluation.js';
import { createDisclosureEncoder, type EncodedDisclosure } from './disclosure-encoder.js';
import { disclosedEvent, disclosureHeader, type DisclosureGroup } from './disclosure-record.js';
import { auditFixture, delivery, exampleEvent, feedOf, subscriberOf, US_CARGO } from './testing/deliveries.js';

const fx = auditFixture();
const { codec } = fx;
const ANAM = subscriberOf('MX', 'ANAM');
const usToMx = feedOf(fx, ANAM, US_CARGO);
const manifest = (overrides: { eventId?: string; supersedes?: string | null } = {}) =>
  exampleEvent(fx, 'cargo-manifests/us-northbound-laredo.json', { eventId: randomUUID(), ...overrides }).event;

const decode = (bytes: Buffer) =>
  codec.decode(bytes, { topic: DISCLOSURE_TOPIC }).value as unknown as Record<string, any>;

/** The whole record the bytes must be: the group's header with the bytes' ids, and every event. */
function expectWholeRecord(c: AvroCodec, group: DisclosureGroup, record: EncodedDisclosure, now: Date): void {
  const decoded = decode(record.value);
  const header = disclosureHeader(group, now);
  const whole = {
    ...header,
    meta: { ...(header['meta'] as object), eventId: decoded['meta'].eventId },
    disclosureId: decoded['disclosureId'],
    events: group.members.map(disclosedEvent),
  };
  expect(record.value.equals(c.encode(DISCLOSURE_TOPIC, whole as never))).toBe(true);
  expect(record.key).toBe(decoded['disclosureId']);
  expect(record.events).toBe(group.members.length);
}

describe('disclosure encoder', () => {
  it('gives byte for byte the Avro of the whole record, for every rule, group size and delivery time', () => {
    const encode = createDisclosureEncoder(codec);
    const cases = [
      { file: 'cargo-manifests/us-northbound-laredo.json', to: subscriberOf('MX', 'ANAM') },
      { file: 'cargo-manifests/mx-southbound-ciudad-juarez.json', to: subscriberOf('US', 'CBP') },
    ];
    let checked = 0;
    for (const { file, to } of cases) {
      const { topic, event } = exampleEvent(fx, file);
      for (const feed of fx.policies.feedsFor(to).filter((f) => f.policy.topic === topic)) {
        if (!feed.policy.apply(event, to).admitted) continue;
        // 1, 63 and 64 events: the array's count takes one byte, then two.
        for (const size of [1, 63, 64, 130]) {
          for (const at of [0, 63, 64, 8_191, 2 ** 40, Date.parse('2026-11-27T12:00:00Z')]) {
            const members = Array.from({ length: size }, (_, i) =>
              delivery({
                feed,
                principal: to,
                event: {
                  ...event,
                  meta: {
                    ...(event['meta'] as object),
                    eventId: randomUUID(),
                    supersedes: i % 3 === 1 ? randomUUID() : null,
                  },
                },
                offset: at + i * 1_000_003,
                partition: i % 7,
                key: i % 5 === 4 ? null : `K-${'é'.repeat(i % 4)}-${i}`,
              }),
            );
            const group: DisclosureGroup = { kind: 'DELIVERY', members };
            const now = new Date(at);
            const { records, refused } = encode(group, now, 512 * 1024);
            expect(refused).toEqual([]);
            expect(records).toHaveLength(1);
            expectWholeRecord(codec, group, records[0]!, now);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(48);
  });

  it('records the header once and each event with its id, key, position, supersedes and payload digest', () => {
    const encode = createDisclosureEncoder(codec);
    const original = randomUUID();
    const payloads = [Buffer.from('first view'), Buffer.from('second view')];
    const events = [manifest(), manifest({ supersedes: original })];
    const members = events.map((event, i) =>
      delivery({
        feed: usToMx,
        principal: ANAM,
        event,
        partition: 2,
        offset: 40 + i,
        key: `MANIFEST-${i}`,
        payload: payloads[i]!,
        declaredPurposes: ['CUSTOMS'],
        subscriptionId: 'anam.cargo',
        viewSchemaId: 77,
      }),
    );
    const now = new Date('2026-01-02T03:04:05.006Z');
    const { records } = encode({ kind: 'DELIVERY', members }, now, 512 * 1024);
    const record = decode(records[0]!.value);
    expect(record).toMatchObject({
      kind: 'DELIVERY',
      sourceTopic: US_CARGO,
      sourcePartition: null,
      sourceOffset: null,
      sourceEventId: null,
      entityId: null,
      recipient: { country: 'MX', agency: 'ANAM', subscription: 'anam.cargo', principal: 'MX/ANAM' },
      agreementId: usToMx.agreement.id,
      agreementVersion: String(usToMx.agreement.version),
      ruleId: members[0]!.decision.rule,
      viewSchemaId: 77,
      declaredPurposes: ['CUSTOMS'],
      deliveredAt: now,
    });
    expect(record['fieldsReleased'].length).toBeGreaterThan(0);
    expect(record['meta']).toMatchObject({ originCountry: 'US', correlationId: null, supersedes: null });
    expect(record['events']).toEqual(
      events.map((event, i) => ({
        eventId: (event['meta'] as { eventId: string }).eventId,
        entityId: `MANIFEST-${i}`,
        sourcePartition: 2,
        sourceOffset: 40 + i,
        supersedes: i === 1 ? original : null,
        digest: createHash('sha256').update(payloads[i]!).digest(),
      })),
    );
  });

  it('writes a retraction as the retracted event at the correcting record, with no fields, rule or view', () => {
    const encode = createDisclosureEncoder(codec);
    const retracted = randomUUID();
    const correction = manifest({ supersedes: retracted });
    const notice = delivery({
      feed: usToMx,
      principal: ANAM,
      event: correction,
      partition: 1,
      offset: 99,
      key: 'MANIFEST-9',
      retraction: { retractedEventId: retracted, reason: 'the agreement no longer admits the correction' },
    });
    const group: DisclosureGroup = { kind: 'RETRACTION', members: [notice] };
    const now = new Date(1_700_000_000_000);
    const { records, refused } = encode(group, now, 512 * 1024);
    expect(refused).toEqual([]);
    expectWholeRecord(codec, group, records[0]!, now);
    const record = decode(records[0]!.value);
    expect(record).toMatchObject({
      kind: 'RETRACTION',
      ruleId: '',
      viewSchemaId: null,
      fieldsReleased: [],
      fieldsTransformed: [],
      fieldsRemoved: [],
    });
    expect(record['events']).toEqual([
      {
        eventId: retracted,
        entityId: 'MANIFEST-9',
        sourcePartition: 1,
        sourceOffset: 99,
        supersedes: null,
        digest: createHash('sha256').update(retracted, 'utf8').digest(),
      },
    ]);
  });

  it('splits a group bigger than a record into records with the same header, events in order', () => {
    const encode = createDisclosureEncoder(codec);
    const members = Array.from({ length: 400 }, (_, i) =>
      delivery({ feed: usToMx, principal: ANAM, event: manifest(), offset: i, key: `K-${'x'.repeat(i % 50)}` }),
    );
    const limit = 8 * 1024;
    const now = new Date();
    const { records, refused } = encode({ kind: 'DELIVERY', members }, now, limit);
    expect(refused).toEqual([]);
    expect(records.length).toBeGreaterThan(5);
    const decoded = records.map((r) => decode(r.value));
    for (const record of records) expect(record.value.length).toBeLessThanOrEqual(limit);
    const headerOf = (r: Record<string, any>) => {
      const { meta, disclosureId, events, ...rest } = r;
      void disclosureId;
      void events;
      return { ...rest, meta: { ...meta, eventId: '' } };
    };
    for (const record of decoded) expect(headerOf(record)).toEqual(headerOf(decoded[0]!));
    expect(new Set(decoded.map((r) => r['disclosureId'])).size).toBe(records.length);
    expect(decoded.flatMap((r) => r['events'].map((e: { sourceOffset: number }) => e.sourceOffset))).toEqual(
      members.map((_, i) => i),
    );
    let from = 0;
    for (const record of records) {
      const part: DisclosureGroup = { kind: 'DELIVERY', members: members.slice(from, from + record.events) };
      expectWholeRecord(codec, part, record, now);
      from += record.events;
    }
  });

  it('refuses only the event that breaks the schema, naming its field; the rest are disclosed', () => {
    const encode = createDisclosureEncoder(codec);
    const members = Array.from({ length: 5 }, (_, i) =>
      delivery({
        feed: usToMx,
        principal: ANAM,
        event: manifest(i === 2 ? { eventId: 'not-a-uuid' } : {}),
        offset: i,
      }),
    );
    const now = new Date();
    const { records, refused } = encode({ kind: 'DELIVERY', members }, now, 512 * 1024);
    expect(refused.map((r) => r.delivered)).toEqual([members[2]]);
    const error = refused[0]!.error as AvroError;
    expect(error).toBeInstanceOf(AvroError);
    expect(error.code).toBe('SCHEMA_VALIDATION');
    expect(error.message).toContain('events[0].eventId');
    expect(error.message).not.toContain('not-a-uuid');
    expect(records).toHaveLength(1);
    const kept: DisclosureGroup = { kind: 'DELIVERY', members: members.filter((_, i) => i !== 2) };
    expectWholeRecord(codec, kept, records[0]!, now);
  });

  it('refuses every delivery of a group whose header breaks the schema', () => {
    const encode = createDisclosureEncoder(codec);
    const members: DeliveredRecord[] = [0, 1].map((offset) =>
      delivery({ feed: usToMx, principal: ANAM, event: manifest(), offset, declaredPurposes: ['SIGHTSEEING'] }),
    );
    const { records, refused } = encode({ kind: 'DELIVERY', members }, new Date(), 512 * 1024);
    expect(records).toEqual([]);
    expect(refused.map((r) => r.delivered)).toEqual(members);
    expect((refused[0]!.error as AvroError).message).toContain('declaredPurposes');
  });
});
