// Disclosure records: for every delivery, which event went to whom under which agreement version
// and what happened to each field. Written to audit.disclosures.v1 before the partner receives
// the batch, so nothing leaves the country unaudited; the audit service chains them.
import { randomUUID } from 'node:crypto';

import type { AvroCodec, Bus } from '@puente/sdk';

import type { DeliveredRecord } from './subscriptions/session.js';

export const DISCLOSURE_TOPIC = 'audit.disclosures.v1';

const TRANSFORM_ACTIONS: Record<string, 'MASK' | 'HASH' | 'GENERALIZE'> = {
  mask: 'MASK',
  hash: 'HASH',
  generalize: 'GENERALIZE',
};

export function disclosureRecord(delivered: DeliveredRecord, now: Date): Record<string, unknown> {
  const { decision, feed, record, event, principal } = delivered;
  const meta = event['meta'] as { eventId: string; purposes: string[] };
  const released: string[] = [];
  const removed: string[] = [];
  const transformed: { path: string; action: string; method: string | null }[] = [];
  for (const field of decision.fields) {
    if (field.action === 'keep') released.push(field.path);
    else if (field.action === 'drop' || field.action === 'removed') removed.push(field.path);
    else {
      const [kind, method] = field.action.split(':');
      transformed.push({ path: field.path, action: TRANSFORM_ACTIONS[kind ?? ''] ?? 'MASK', method: method ?? null });
    }
  }
  return {
    meta: {
      eventId: randomUUID(),
      occurredAt: now,
      originCountry: feed.agreement.from,
      originAgency: 'PUENTE',
      classification: 'SENSITIVE',
      releasableTo: [feed.agreement.from],
      purposes: meta.purposes,
      correlationId: meta.eventId,
      supersedes: null,
    },
    disclosureId: randomUUID(),
    sourceTopic: record.topic,
    sourcePartition: record.partition,
    sourceOffset: Number(record.offset),
    sourceEventId: meta.eventId,
    entityId: record.key ?? '',
    recipient: {
      country: principal.country,
      agency: principal.agency,
      subscription: delivered.subscriptionId,
      principal: principal.name,
    },
    agreementId: feed.agreement.id,
    agreementVersion: String(feed.agreement.version),
    ruleId: decision.rule,
    viewSchemaId: delivered.viewSchemaId,
    fieldsReleased: released,
    fieldsTransformed: transformed,
    fieldsRemoved: removed,
    deliveredAt: now,
  };
}

/** Produce requests stay well under Kafka's default 1 MiB message limit, whatever the batch size. */
const MAX_AUDIT_CHUNK_BYTES = 512 * 1024;

export function createAuditWriter(bus: Bus, codec: AvroCodec) {
  return async (delivered: readonly DeliveredRecord[]): Promise<void> => {
    if (delivered.length === 0) return;
    const now = new Date();
    const records = delivered.map((d) => ({
      key: d.record.key,
      value: codec.encode(DISCLOSURE_TOPIC, disclosureRecord(d, now) as never),
    }));
    // A disclosure lists every field path, so it can be several times the event: chunk by size.
    let chunk: typeof records = [];
    let bytes = 0;
    for (const record of records) {
      if (chunk.length > 0 && bytes + record.value.length > MAX_AUDIT_CHUNK_BYTES) {
        await bus.publish(DISCLOSURE_TOPIC, chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(record);
      bytes += record.value.length + (record.key?.length ?? 0);
    }
    if (chunk.length > 0) await bus.publish(DISCLOSURE_TOPIC, chunk);
  };
}
