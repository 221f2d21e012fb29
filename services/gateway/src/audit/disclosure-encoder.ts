// Encodes a group of deliveries as disclosure records, byte for byte what encoding each whole
// record gives: each event is written once with the DisclosedEvent type, so an event that breaks
// the schema is found alone (its delivery set aside, the others still disclosed), the events'
// sizes are known before any record is made (a group too big for one record is split, each part
// with the group's header), and the header is encoded once per record with an empty `events`
// array, whose single 0 byte (just before `deliveredAt`, the last field) the events replace.
import { AvroError, type AvroCodec } from '@puente/contracts';
import { internalsOf } from '@puente/contracts/avsc';
import { writeZigzagVarint, zigzagVarintLength } from '@puente/contracts/binary';
import { DISCLOSURE_TOPIC } from '@puente/runtime';

import type { DeliveredRecord } from '../subscribe/record-evaluation.js';
import { disclosedEvent, disclosureHeader, type DisclosureGroup } from './disclosure-record.js';

export interface EncodedDisclosure {
  /** The disclosure id: the record's Kafka key. */
  readonly key: string;
  readonly value: Buffer;
  /** How many deliveries (events) the record discloses. */
  readonly events: number;
}

export interface EncodedGroup {
  /** The group's records, in the order sent; more than one only when it exceeds maxRecordBytes. */
  readonly records: readonly EncodedDisclosure[];
  /** Deliveries whose disclosure cannot be encoded, with why (an AvroError naming the field). */
  readonly refused: readonly { readonly delivered: DeliveredRecord; readonly error: unknown }[];
}

export type DisclosureEncoder = (group: DisclosureGroup, now: Date, maxRecordBytes: number) => EncodedGroup;

/** The `encode(value, buffer, pos)` of avsc's DisclosedEvent type: the next position, negative when short. */
type EventWriter = (value: unknown, buffer: Buffer, pos: number) => number;

function eventWriterOf(codec: AvroCodec): EventWriter {
  const record = internalsOf(codec.catalog.typeOf(codec.schemaIdOf(DISCLOSURE_TOPIC)));
  const events = record.fields?.find((field) => field.name === 'events');
  const items = events ? internalsOf(events.type).itemsType : undefined;
  if (!items || internalsOf(items).name !== 'org.puente.v1.DisclosedEvent') {
    throw new Error(`disclosure encoding: ${DISCLOSURE_TOPIC}'s schema has no events array of DisclosedEvent`);
  }
  return (value, buffer, pos) => items.encode(value, buffer, pos);
}

const INITIAL_SCRATCH = 64 * 1024;
/** A batch of huge keys must not pin a huge buffer for the life of the process. */
const MAX_RETAINED_SCRATCH = 1024 * 1024;

export function createDisclosureEncoder(codec: AvroCodec): DisclosureEncoder {
  const writeEvent = eventWriterOf(codec);
  let scratch = Buffer.allocUnsafe(INITIAL_SCRATCH);

  /** Writes one event at `pos`; the position after it, or undefined when the event breaks the schema. */
  const write = (event: Record<string, unknown>, pos: number): number | undefined => {
    for (;;) {
      let end: number;
      try {
        end = writeEvent(event, scratch, pos);
      } catch {
        return undefined;
      }
      if (end >= 0) return end;
      // avsc says how many bytes were missing as a negative number.
      const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
      scratch.copy(grown, 0, 0, pos);
      scratch = grown;
    }
  };

  /** Why an event cannot be written: codec.encode of a one-event record names the field. */
  const refusal = (group: DisclosureGroup, event: Record<string, unknown>, now: Date): unknown => {
    try {
      codec.encode(DISCLOSURE_TOPIC, { ...disclosureHeader(group, now), events: [event] } as never);
    } catch (error) {
      return error;
    }
    return new AvroError({ code: 'SCHEMA_VALIDATION', message: `${DISCLOSURE_TOPIC}: event cannot be encoded` });
  };

  return (group, now, maxRecordBytes) => {
    // Every event into the scratch buffer, one after another: [start, end) of each written one.
    const written: { delivered: DeliveredRecord; start: number; end: number }[] = [];
    const refused: { delivered: DeliveredRecord; error: unknown }[] = [];
    let pos = 0;
    for (const delivered of group.members) {
      const event = disclosedEvent(delivered);
      const end = write(event, pos);
      if (end === undefined) refused.push({ delivered, error: refusal(group, event, now) });
      else {
        written.push({ delivered, start: pos, end });
        pos = end;
      }
    }
    if (written.length === 0) return { records: [], refused };
    const kept: DisclosureGroup = { kind: group.kind, members: written.map((w) => w.delivered) };
    const encodeHeader = (): { key: string; bytes: Buffer } => {
      const header = disclosureHeader(kept, now);
      return { key: header['disclosureId'] as string, bytes: codec.encode(DISCLOSURE_TOPIC, header as never) };
    };
    let first: { key: string; bytes: Buffer };
    try {
      first = encodeHeader();
    } catch (error) {
      // The header itself breaks the schema: no event of the group can be disclosed.
      return { records: [], refused: [...refused, ...kept.members.map((delivered) => ({ delivered, error }))] };
    }
    const at = first.bytes.length - zigzagVarintLength(now.getTime()) - 1;
    if (first.bytes[at] !== 0) throw new Error('disclosure encoding: the events array is not where the schema puts it');
    // Records of at most maxRecordBytes (but at least one event each), events in the order sent.
    const room = maxRecordBytes - first.bytes.length - 10;
    const records: EncodedDisclosure[] = [];
    let from = 0;
    while (from < written.length) {
      let to = from + 1;
      while (to < written.length && written[to]!.end - written[from]!.start <= room) to++;
      const header = records.length === 0 ? first : encodeHeader();
      records.push({
        key: header.key,
        value: spliced(header.bytes, at, scratch, written.slice(from, to)),
        events: to - from,
      });
      from = to;
    }
    if (scratch.length > MAX_RETAINED_SCRATCH) scratch = Buffer.allocUnsafe(INITIAL_SCRATCH);
    return { records, refused };
  };
}

/** The header's bytes with its empty events array (the 0 byte at `at`) replaced by the events. */
function spliced(
  header: Buffer,
  at: number,
  scratch: Buffer,
  events: readonly { readonly start: number; readonly end: number }[],
): Buffer {
  const start = events[0]!.start;
  const end = events[events.length - 1]!.end;
  const out = Buffer.allocUnsafe(header.length + zigzagVarintLength(events.length) + (end - start));
  header.copy(out, 0, 0, at);
  let pos = writeZigzagVarint(out, at, events.length);
  pos += scratch.copy(out, pos, start, end);
  header.copy(out, pos, at);
  return out;
}
