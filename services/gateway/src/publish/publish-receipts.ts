// The record format of the publish-receipts topic: what Kafka acknowledged for a few
// milliseconds' worth of events, so every gateway instance can answer a repeat as a duplicate.
// JSON with one array per entry keeps a record small and cheap to write; a reader trusts no
// field of it (another instance, an older version or a stray producer may have written it).
import type { Acknowledged } from './dedupe-window.js';

/** One acknowledged event as another instance learns it. */
export interface Receipt extends Acknowledged {
  /** Publisher name + eventId: the key a repeat is recognised by (PreparedEvent.dedupeKey). */
  readonly dedupeKey: string;
  /** When Kafka acknowledged it (ms): the dedupe window counts from here. */
  readonly acknowledgedAt: number;
}

/** The header naming the gateway instance that wrote a receipts record. */
export const INSTANCE_HEADER = 'puente.instance';

/** Bumped when an entry's layout changes; a reader skips records of a version it does not know. */
const VERSION = 1;

/**
 * `{"v":1,"r":[[dedupeKey, topic, partition, offset, schemaId, timestamp, acknowledgedAt], …]}`,
 * written by hand: building an array per entry for JSON.stringify cost several µs an event.
 */
export function encodeReceipts(receipts: readonly Receipt[]): Buffer {
  let text = `{"v":${VERSION},"r":[`;
  for (let i = 0; i < receipts.length; i++) {
    const r = receipts[i]!;
    text += `${i === 0 ? '' : ','}[${JSON.stringify(r.dedupeKey)},${JSON.stringify(r.topic)},${r.partition},"${r.offset}",${r.schemaId},${r.timestamp},${r.acknowledgedAt}]`;
  }
  return Buffer.from(`${text}]}`, 'utf8');
}

export interface DecodedReceipts {
  readonly receipts: Receipt[];
  /** Why the record, or some of its entries, could not be read; empty when all were. */
  readonly problems: string[];
}

/** Reads a receipts record; never throws: what cannot be read is reported and left out. */
export function decodeReceipts(value: Buffer | null): DecodedReceipts {
  if (value === null) return { receipts: [], problems: ['the record has no value'] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return { receipts: [], problems: ['the record is not JSON'] };
  }
  if (typeof parsed !== 'object' || parsed === null) return { receipts: [], problems: ['the record is not an object'] };
  const { v, r } = parsed as { v?: unknown; r?: unknown };
  if (v !== VERSION) return { receipts: [], problems: [`unknown receipts version ${JSON.stringify(v)}`] };
  if (!Array.isArray(r)) return { receipts: [], problems: ['the record has no receipts array'] };
  const receipts: Receipt[] = [];
  const problems: string[] = [];
  r.forEach((entry: unknown, i) => {
    const receipt = receiptOf(entry);
    if (receipt) receipts.push(receipt);
    else problems.push(`receipt ${i} is malformed`);
  });
  return { receipts, problems };
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function receiptOf(entry: unknown): Receipt | undefined {
  if (!Array.isArray(entry) || entry.length !== 7) return undefined;
  const [dedupeKey, topic, partition, offset, schemaId, timestamp, acknowledgedAt] = entry as unknown[];
  if (typeof dedupeKey !== 'string' || dedupeKey === '' || typeof topic !== 'string' || topic === '') return undefined;
  if (typeof offset !== 'string' || !/^\d{1,19}$/.test(offset)) return undefined;
  if (!isCount(partition) || !isCount(schemaId) || !isCount(timestamp) || !isCount(acknowledgedAt)) return undefined;
  return { dedupeKey, topic, partition, offset, schemaId, timestamp, acknowledgedAt };
}
