// Grouping a batch's deliveries into disclosures: one group per header (recipient, agreement
// version, rule and field decisions, view, source topic, kind), in order of first delivery,
// members in the order sent; a group's meta purposes are those of its events.
import { randomUUID } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import type { DeliveredRecord } from '../subscribe/record-evaluation.js';
import { disclosureHeader, groupDeliveries, sameHeader } from './disclosure-record.js';
import { auditFixture, delivery, exampleEvent, feedOf, subscriberOf, US_CARGO } from './testing/deliveries.js';

const fx = auditFixture();
const ANAM = subscriberOf('MX', 'ANAM');
const feed = feedOf(fx, ANAM, US_CARGO);
const manifest = (purposes?: string[]) => {
  const { event } = exampleEvent(fx, 'cargo-manifests/us-northbound-laredo.json', { eventId: randomUUID() });
  return purposes ? { ...event, meta: { ...(event['meta'] as object), purposes } } : event;
};
const base = (offset: number, overrides: Partial<Parameters<typeof delivery>[0]> = {}): DeliveredRecord =>
  delivery({ feed, principal: ANAM, event: manifest(), offset, ...overrides });

describe('groupDeliveries', () => {
  it('puts a batch with one header in one group, in the order sent', () => {
    const batch = [0, 1, 2, 3].map((i) => base(i));
    expect(groupDeliveries(batch)).toEqual([{ kind: 'DELIVERY', members: batch }]);
  });

  it('separates whatever the header depends on, keeping groups in order of their first delivery', () => {
    const a0 = base(0);
    const otherSubscription = base(1, { subscriptionId: 'another.sub' });
    const a2 = base(2);
    const otherView = base(3, { viewSchemaId: 13 });
    const otherPurposes = base(4, { declaredPurposes: ['CUSTOMS', 'BORDER_SECURITY'] });
    const otherRecipient = base(5, { principal: subscriberOf('MX', 'ANAM', 'another-principal') });
    const otherRule: DeliveredRecord = { ...base(6), decision: { ...a0.decision, rule: 'another-rule' } };
    const otherFields: DeliveredRecord = { ...base(7), decision: { ...a0.decision, fields: [...a0.decision.fields] } };
    const otherVersion: DeliveredRecord = {
      ...base(8),
      feed: { ...feed, agreement: { ...feed.agreement, version: feed.agreement.version + 1 } },
    };
    const otherTopic: DeliveredRecord = { ...base(9), record: { ...a0.record, topic: 'us.other.v1' } };
    const retraction = base(10, { retraction: { retractedEventId: randomUUID(), reason: 'withdrawn' } });
    const a11 = base(11);
    const batch = [
      a0,
      otherSubscription,
      a2,
      otherView,
      otherPurposes,
      otherRecipient,
      otherRule,
      otherFields,
      otherVersion,
      otherTopic,
      retraction,
      a11,
    ];
    const groups = groupDeliveries(batch);
    expect(groups.map((g) => g.members)).toEqual([
      [a0, a2, a11],
      [otherSubscription],
      [otherView],
      [otherPurposes],
      [otherRecipient],
      [otherRule],
      [otherFields],
      [otherVersion],
      [otherTopic],
      [retraction],
    ]);
    expect(groups.map((g) => g.kind)).toEqual([...Array<string>(9).fill('DELIVERY'), 'RETRACTION']);
  });

  it('compares recipients and purposes by value, and groups retractions whatever their rule or view', () => {
    const a = base(0);
    const sameByValue = base(1, { principal: { ...ANAM }, declaredPurposes: ['CUSTOMS'] });
    expect(sameHeader(a, sameByValue)).toBe(true);
    const notice = { retractedEventId: randomUUID(), reason: 'withdrawn' };
    const r1 = base(2, { retraction: notice });
    const r2: DeliveredRecord = {
      ...base(3, { retraction: notice, viewSchemaId: 99 }),
      decision: { rule: 'another-rule', fields: [] },
    };
    expect(groupDeliveries([r1, a, r2, sameByValue]).map((g) => g.members)).toEqual([
      [r1, r2],
      [a, sameByValue],
    ]);
  });
});

describe('disclosureHeader', () => {
  it('carries every purpose of its events once, in order of appearance, and fresh ids each time', () => {
    const members = [
      base(0, { event: manifest(['CUSTOMS']) }),
      base(1, { event: manifest(['BORDER_SECURITY', 'CUSTOMS']) }),
      base(2, { event: manifest(['TRADE_FACILITATION']) }),
    ];
    const now = new Date();
    const one = disclosureHeader({ kind: 'DELIVERY', members }, now);
    const two = disclosureHeader({ kind: 'DELIVERY', members }, now);
    expect((one['meta'] as { purposes: string[] }).purposes).toEqual([
      'CUSTOMS',
      'BORDER_SECURITY',
      'TRADE_FACILITATION',
    ]);
    expect(one['disclosureId']).not.toBe(two['disclosureId']);
    expect((one['meta'] as { eventId: string }).eventId).not.toBe((two['meta'] as { eventId: string }).eventId);
    expect(one['events']).toEqual([]);
  });
});
