// Disclosure records: for every delivery, which event went to whom under which agreement version
// and what happened to each field. Written to audit.disclosures.v1 before the partner receives
// the batch, so nothing leaves the country unaudited; the audit service chains them.
import { randomUUID } from 'node:crypto';

import { type Bus, classifyFailure, type ConsumedRecord } from '@puente/bus';
import { type AvroCodec } from '@puente/contracts';
import { zigzagVarintLength } from '@puente/contracts/binary';
import { DISCLOSURE_TOPIC } from '@puente/runtime';

import type { DeliveredRecord } from '../subscribe/record-evaluation.js';

const TRANSFORM_ACTIONS: Record<string, 'MASK' | 'HASH' | 'GENERALIZE'> = {
  mask: 'MASK',
  hash: 'HASH',
  generalize: 'GENERALIZE',
};

interface FieldLists {
  readonly fieldsReleased: string[];
  readonly fieldsTransformed: {
    path: string;
    action: string;
    method: string | null;
    normalization: string | null;
    keyIds: string[];
  }[];
  readonly fieldsRemoved: string[];
}

interface PathNode {
  /** The action of a leaf field: keep, removed, or a transform such as hash:hmac-sha256. */
  action?: string;
  readonly children: Map<string, PathNode>;
}

/**
 * A leaf's action as one string, so that equal fates compare equal: a hash names its method,
 * normalisation and key ids (`hash:hmac-sha256|document-number|k2026,k2025`).
 */
function leafAction(field: DeliveredRecord['decision']['fields'][number]): string {
  if (field.action !== 'hash') return field.action;
  return `hash:hmac-sha256|${field.normalization ?? ''}|${(field.keyIds ?? []).join(',')}`;
}

/** What a leaf's action says in the record: drop and removed are both "removed". */
const listed = (action: string): string => (action === 'drop' || action === 'removed' ? 'removed' : action);

/** The one listed action of every leaf under a node, or undefined when they differ. */
function uniform(node: PathNode): string | undefined {
  if (node.action !== undefined) return listed(node.action);
  let common: string | undefined;
  for (const child of node.children.values()) {
    const action = uniform(child);
    if (action === undefined || (common !== undefined && action !== common)) return undefined;
    common = action;
  }
  return common;
}

/**
 * The field lists of a decision, shortest form: where every field under a record or an array's
 * elements has the same fate, the list names that record or array (`carrier`, `goods[*]`,
 * `driver.address`) instead of each field beneath it. Decisions list every leaf of the schema,
 * so a named subtree always means all of it; the top level is never collapsed.
 */
export function fieldLists(fields: DeliveredRecord['decision']['fields']): FieldLists {
  const root: PathNode = { children: new Map() };
  for (const field of fields) {
    let node = root;
    for (const segment of field.path.split('.')) {
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.action = leafAction(field);
  }
  const lists: FieldLists = { fieldsReleased: [], fieldsTransformed: [], fieldsRemoved: [] };
  const emit = (path: string, action: string) => {
    if (action === 'keep') lists.fieldsReleased.push(path);
    else if (action === 'removed') lists.fieldsRemoved.push(path);
    else {
      const [kind, method] = action.split(':');
      const [variant, normalization, keyIds] = (method ?? '').split('|');
      lists.fieldsTransformed.push({
        path,
        action: TRANSFORM_ACTIONS[kind ?? ''] ?? 'MASK',
        method: variant || null,
        normalization: normalization || null,
        keyIds: keyIds ? keyIds.split(',') : [],
      });
    }
  };
  const walk = (node: PathNode, path: string) => {
    const action = uniform(node);
    if (action !== undefined && (node.action !== undefined || node.children.size > 0)) emit(path, action);
    else for (const [segment, child] of node.children) walk(child, `${path}.${segment}`);
  };
  for (const [segment, child] of root.children) walk(child, segment);
  return lists;
}

const NO_FIELDS: FieldLists = { fieldsReleased: [], fieldsTransformed: [], fieldsRemoved: [] };

export function disclosureRecord(
  delivered: DeliveredRecord,
  now: Date,
  lists: FieldLists = fieldLists(delivered.decision.fields),
): Record<string, unknown> {
  const { decision, feed, record, principal } = delivered;
  return {
    meta: {
      eventId: randomUUID(),
      occurredAt: now,
      originCountry: feed.agreement.from,
      originAgency: 'PUENTE',
      classification: 'SENSITIVE',
      releasableTo: [feed.agreement.from],
      purposes: delivered.purposes,
      correlationId: delivered.eventId,
      supersedes: null,
    },
    disclosureId: randomUUID(),
    sourceTopic: record.topic,
    sourcePartition: record.partition,
    sourceOffset: Number(record.offset),
    sourceEventId: delivered.eventId,
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
    declaredPurposes: delivered.declaredPurposes,
    ...lists,
    deliveredAt: now,
  };
}

/**
 * Encodes disclosure records. The three field lists (some forty paths for a manifest, most
 * of a record's bytes) depend only on the rule that admitted the event, so they are encoded once
 * per rule: a record is the Avro of its other fields with empty lists, with the lists' cached
 * bytes spliced in where the three empty arrays (one 0 byte each) stand, just before
 * `deliveredAt`, the last field. The result is byte for byte what encoding the whole record gives.
 */
export function createDisclosureEncoder(codec: AvroCodec): (delivered: DeliveredRecord, now: Date) => Buffer {
  const cache = new WeakMap<object, Buffer>();
  const listsBytes = (delivered: DeliveredRecord, now: Date): Buffer => {
    const fields = delivered.decision.fields;
    let bytes = cache.get(fields);
    if (!bytes) {
      const full = codec.encode(DISCLOSURE_TOPIC, disclosureRecord(delivered, now) as never);
      const empty = codec.encode(DISCLOSURE_TOPIC, disclosureRecord(delivered, now, NO_FIELDS) as never);
      const head = empty.length - 4 - zigzagVarintLength(now.getTime());
      bytes = full.subarray(head, full.length - (empty.length - head - 3));
      cache.set(fields, bytes);
    }
    return bytes;
  };
  return (delivered, now) => {
    const lists = listsBytes(delivered, now);
    const empty = codec.encode(DISCLOSURE_TOPIC, disclosureRecord(delivered, now, NO_FIELDS) as never);
    const tail = zigzagVarintLength(now.getTime());
    const head = empty.length - 4 - tail;
    if (empty[head] !== 0 || empty[head + 1] !== 0 || empty[head + 2] !== 0) {
      throw new Error('disclosure encoding: the field lists are not where the schema puts them');
    }
    return Buffer.concat([empty.subarray(0, head), lists, empty.subarray(head + 3)]);
  };
}

/** Produce requests stay well under Kafka's default 1 MiB message limit, whatever the batch size. */
const MAX_AUDIT_CHUNK_BYTES = 512 * 1024;

/** Writes a batch's disclosures; resolves with the deliveries set aside instead (not to be sent). */
export type AuditWriter = (delivered: readonly DeliveredRecord[]) => Promise<readonly DeliveredRecord[]>;

export interface AuditWriterOptions {
  /**
   * Where a delivery whose disclosure cannot be written (its event breaks the disclosure schema,
   * e.g. an eventId that is not a UUID) sends its source record; that delivery is then set aside.
   * Without it, such a batch fails as a whole.
   */
  readonly deadLetter?: (record: ConsumedRecord, error: unknown) => Promise<void>;
}

export function createAuditWriter(bus: Bus, codec: AvroCodec, options: AuditWriterOptions = {}): AuditWriter {
  const encode = createDisclosureEncoder(codec);
  return async (delivered) => {
    if (delivered.length === 0) return [];
    const now = new Date();
    const records: { key: string | null; value: Buffer }[] = [];
    const setAside: DeliveredRecord[] = [];
    const letters: Promise<void>[] = [];
    for (const d of delivered) {
      let value: Buffer;
      try {
        value = encode(d, now);
      } catch (error) {
        // Nothing leaves unaudited: a record whose disclosure cannot be written is not sent, and
        // is set aside so it no longer blocks the feed (each reconnect would meet it again).
        if (!options.deadLetter || classifyFailure(error) === undefined) throw error;
        setAside.push(d);
        letters.push(options.deadLetter(d.record, error));
        continue;
      }
      records.push({ key: d.record.key, value });
    }
    // Chunked by size; the chunks are handed to the bus together and in order, so they share
    // produce requests where they fit and none waits for the one before it.
    const chunks: (typeof records)[] = [];
    let chunk: typeof records = [];
    let bytes = 0;
    for (const record of records) {
      if (chunk.length > 0 && bytes + record.value.length > MAX_AUDIT_CHUNK_BYTES) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(record);
      bytes += record.value.length + (record.key?.length ?? 0);
    }
    if (chunk.length > 0) chunks.push(chunk);
    await Promise.all([...chunks.map((c) => bus.publish(DISCLOSURE_TOPIC, c)), ...letters]);
    return setAside;
  };
}
