// What one disclosure record says: a batch's deliveries grouped by everything the record's header
// depends on (recipient, agreement version, rule and its field decisions, view, source topic,
// kind), the header of a group, and each delivery as one of the record's events.
import { createHash, randomUUID } from 'node:crypto';

import type { DeliveredRecord } from '../subscribe/record-evaluation.js';
import { cachedFieldLists, NO_FIELDS } from './field-lists.js';

export type DisclosureKind = 'DELIVERY' | 'RETRACTION';

/** Deliveries that share one header, in the order they were sent. */
export interface DisclosureGroup {
  readonly kind: DisclosureKind;
  /** Deliveries in the order sent; the first one's header is everyone's. */
  readonly members: readonly DeliveredRecord[];
}

export const kindOf = (delivered: DeliveredRecord): DisclosureKind =>
  delivered.retraction ? 'RETRACTION' : 'DELIVERY';

const samePurposes = (a: readonly string[], b: readonly string[]): boolean =>
  a === b || (a.length === b.length && a.every((purpose, i) => purpose === b[i]));

/**
 * Whether two deliveries' disclosures have the same header. A retraction lists no fields and
 * names no rule or view, so those do not separate retractions.
 */
export function sameHeader(a: DeliveredRecord, b: DeliveredRecord): boolean {
  const kind = kindOf(a);
  if (kind !== kindOf(b)) return false;
  if (a.subscriptionId !== b.subscriptionId || a.record.topic !== b.record.topic) return false;
  if (
    a.principal !== b.principal &&
    (a.principal.country !== b.principal.country ||
      a.principal.agency !== b.principal.agency ||
      a.principal.name !== b.principal.name)
  ) {
    return false;
  }
  const [x, y] = [a.feed.agreement, b.feed.agreement];
  if (x !== y && (x.id !== y.id || x.version !== y.version || x.from !== y.from)) return false;
  if (!samePurposes(a.declaredPurposes, b.declaredPurposes)) return false;
  if (kind === 'RETRACTION') return true;
  return (
    a.decision.fields === b.decision.fields && a.decision.rule === b.decision.rule && a.viewSchemaId === b.viewSchemaId
  );
}

/** A batch's deliveries by header, groups in order of their first delivery, members in order sent. */
export function groupDeliveries(delivered: readonly DeliveredRecord[]): DisclosureGroup[] {
  const groups: { kind: DisclosureKind; members: DeliveredRecord[] }[] = [];
  let last: (typeof groups)[number] | undefined;
  for (const d of delivered) {
    // A batch is mostly one group: the last one is tried first.
    const first = last?.members[0];
    let group = first && sameHeader(first, d) ? last : groups.find((g) => sameHeader(g.members[0]!, d));
    if (!group) {
      group = { kind: kindOf(d), members: [] };
      groups.push(group);
    }
    group.members.push(d);
    last = group;
  }
  return groups;
}

/** Every purpose of the group's events, each once, in order of first appearance. */
function purposesOf(members: readonly DeliveredRecord[]): string[] {
  const first = members[0]?.purposes ?? [];
  if (members.every((m) => samePurposes(m.purposes, first))) return [...first];
  const seen = new Set<string>();
  for (const member of members) for (const purpose of member.purposes) seen.add(purpose);
  return [...seen];
}

/**
 * The record of a group (or of a part of one) with its events left out (`events: []`): fresh
 * disclosure and meta ids, the group's header. The encoder writes the events in.
 */
export function disclosureHeader(group: DisclosureGroup, now: Date): Record<string, unknown> {
  const first = group.members[0];
  if (!first) throw new Error('a disclosure group has at least one delivery');
  const { feed, record, principal } = first;
  const delivery = group.kind === 'DELIVERY';
  return {
    meta: {
      eventId: randomUUID(),
      occurredAt: now,
      originCountry: feed.agreement.from,
      originAgency: 'PUENTE',
      classification: 'SENSITIVE',
      releasableTo: [feed.agreement.from],
      purposes: purposesOf(group.members),
      correlationId: null,
      supersedes: null,
    },
    disclosureId: randomUUID(),
    kind: group.kind,
    sourceTopic: record.topic,
    sourcePartition: null,
    sourceOffset: null,
    sourceEventId: null,
    entityId: null,
    recipient: {
      country: principal.country,
      agency: principal.agency,
      subscription: first.subscriptionId,
      principal: principal.name,
    },
    agreementId: feed.agreement.id,
    agreementVersion: String(feed.agreement.version),
    ruleId: delivery ? first.decision.rule : '',
    viewSchemaId: delivery ? first.viewSchemaId : null,
    declaredPurposes: [...first.declaredPurposes],
    ...(delivery ? cachedFieldLists(first.decision.fields) : NO_FIELDS),
    events: [],
    deliveredAt: now,
  };
}

/**
 * One delivery as an event of its disclosure. A retraction notice names the retracted event, at
 * the correcting record's position, with the digest of the retracted id's UTF-8 (what the notice
 * carries).
 */
export function disclosedEvent(delivered: DeliveredRecord): Record<string, unknown> {
  const { record, retraction } = delivered;
  const position = {
    entityId: record.key ?? '',
    sourcePartition: record.partition,
    sourceOffset: Number(record.offset),
  };
  if (retraction) {
    return {
      eventId: retraction.retractedEventId,
      ...position,
      supersedes: null,
      digest: createHash('sha256').update(retraction.retractedEventId, 'utf8').digest(),
    };
  }
  return { eventId: delivered.eventId, ...position, supersedes: delivered.supersedes, digest: delivered.digest };
}
