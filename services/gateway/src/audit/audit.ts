// Disclosure records: for every delivered batch, one record per group of deliveries sharing a
// header (recipient, agreement version, rule, view, source topic, kind) — the field lists once,
// then each event's id, position and the digest of the bytes sent. Written to
// audit.disclosures.v1, and acknowledged, before the partner receives the batch: nothing leaves
// the country unaudited. The audit service chains them into its country's ledger.
import { type Bus, classifyFailure, type ConsumedRecord } from '@puente/bus';
import { type AvroCodec } from '@puente/contracts';
import { DISCLOSURE_TOPIC } from '@puente/runtime';

import type { DeliveredRecord } from '../subscribe/record-evaluation.js';
import { createDisclosureEncoder, type EncodedDisclosure } from './disclosure-encoder.js';
import { groupDeliveries } from './disclosure-record.js';

/** Records, and produce requests, stay well under Kafka's default 1 MiB message limit, whatever the batch. */
export const MAX_AUDIT_CHUNK_BYTES = 512 * 1024;

/** Writes a batch's disclosures; resolves with the deliveries set aside instead (not to be sent). */
export type AuditWriter = (delivered: readonly DeliveredRecord[]) => Promise<readonly DeliveredRecord[]>;

export interface AuditWriterOptions {
  /**
   * Where a delivery whose disclosure cannot be written (its event breaks the disclosure schema,
   * e.g. an eventId that is not a UUID) sends its source record; that delivery is then set aside.
   * Without it, such a batch fails as a whole.
   */
  readonly deadLetter?: (record: ConsumedRecord, error: unknown) => Promise<void>;
  /** Largest disclosure record and produce request, in bytes (default MAX_AUDIT_CHUNK_BYTES). */
  readonly maxChunkBytes?: number;
}

export function createAuditWriter(bus: Bus, codec: AvroCodec, options: AuditWriterOptions = {}): AuditWriter {
  const encode = createDisclosureEncoder(codec);
  const maxBytes = options.maxChunkBytes ?? MAX_AUDIT_CHUNK_BYTES;
  return async (delivered) => {
    if (delivered.length === 0) return [];
    const now = new Date();
    const records: EncodedDisclosure[] = [];
    const setAside: DeliveredRecord[] = [];
    const letters: Promise<void>[] = [];
    try {
      for (const group of groupDeliveries(delivered)) {
        const encoded = encode(group, now, maxBytes);
        for (const { delivered: d, error } of encoded.refused) {
          // Nothing leaves unaudited: a record whose disclosure cannot be written is not sent, and
          // is set aside so it no longer blocks the feed (each reconnect would meet it again).
          if (!options.deadLetter || classifyFailure(error) === undefined) throw error;
          setAside.push(d);
          letters.push(options.deadLetter(d.record, error));
        }
        records.push(...encoded.records);
      }
    } catch (error) {
      // The batch fails as a whole; dead letters already on their way finish first.
      await Promise.allSettled(letters);
      throw error;
    }
    // Chunked by size; the chunks are handed to the bus together and in order, so they share
    // produce requests where they fit and none waits for the one before it.
    const chunks: { key: string; value: Buffer }[][] = [];
    let chunk: { key: string; value: Buffer }[] = [];
    let bytes = 0;
    for (const { key, value } of records) {
      const size = value.length + key.length;
      if (chunk.length > 0 && bytes + size > maxBytes) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push({ key, value });
      bytes += size;
    }
    if (chunk.length > 0) chunks.push(chunk);
    await Promise.all([...chunks.map((c) => bus.publish(DISCLOSURE_TOPIC, c)), ...letters]);
    return setAside;
  };
}
