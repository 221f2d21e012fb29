// The canonical encodings the chain hashes (README.md, "Canonical encoding", is the reference for
// other languages): a disclosure's own encoding, hashed once, and each entry's encoding, which
// carries that disclosure hash and the hash of the entry before.
import { hash } from 'node:crypto';

import type { DisclosedEventInput, DisclosureInput } from './types.js';

export const DISCLOSURE_TAG = 'puente-ledger-disclosure/v1';
export const ENTRY_TAG = 'puente-ledger-entry/v1';
export const ZERO_HASH: Buffer = Buffer.alloc(32);

/** The fields of a disclosure that its hash covers: everything but its events. */
export type DisclosureContent = Omit<DisclosureInput, 'events'>;

/** A growable scratch buffer with big-endian writers; one per encoder, reused for every record. */
class Writer {
  private buffer = Buffer.allocUnsafe(4096);
  private position = 0;

  reset(): void {
    this.position = 0;
  }

  private room(bytes: number): void {
    if (this.position + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + bytes));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  u8(value: number): void {
    this.room(1);
    this.buffer[this.position++] = value;
  }

  u32(value: number): void {
    this.room(4);
    this.buffer.writeUInt32BE(value, this.position);
    this.position += 4;
  }

  i32(value: number): void {
    this.room(4);
    this.buffer.writeInt32BE(value, this.position);
    this.position += 4;
  }

  /** A non-negative safe integer as 8 bytes big-endian. */
  u64(value: number): void {
    this.u32(Math.floor(value / 0x1_0000_0000));
    this.u32(value >>> 0);
  }

  i64(value: number): void {
    this.room(8);
    this.buffer.writeBigInt64BE(BigInt(value), this.position);
    this.position += 8;
  }

  /** u32 byte length, then the UTF-8 bytes. */
  str(value: string): void {
    this.room(4 + value.length * 3);
    const written = this.buffer.write(value, this.position + 4, 'utf8');
    this.buffer.writeUInt32BE(written, this.position);
    this.position += 4 + written;
  }

  bytes(value: Uint8Array): void {
    this.room(value.length);
    this.buffer.set(value, this.position);
    this.position += value.length;
  }

  strs(values: readonly string[]): void {
    this.u32(values.length);
    for (const value of values) this.str(value);
  }

  optStr(value: string | null): void {
    if (value === null) this.u8(0);
    else {
      this.u8(1);
      this.str(value);
    }
  }

  sha256(): Buffer {
    // One-shot crypto.hash (Node ≥ 20.12): no Hash object per entry.
    return hash('sha256', this.buffer.subarray(0, this.position), 'buffer');
  }

  view(): Buffer {
    return this.buffer.subarray(0, this.position);
  }
}

function writeDisclosure(w: Writer, d: DisclosureContent): void {
  w.str(DISCLOSURE_TAG);
  w.str(d.disclosureId);
  w.str(d.kind);
  w.str(d.originCountry);
  w.str(d.sourceTopic);
  w.str(d.recipient.country);
  w.str(d.recipient.agency);
  w.str(d.recipient.subscription);
  w.str(d.recipient.principal);
  w.str(d.agreementId);
  w.str(d.agreementVersion);
  w.str(d.ruleId);
  if (d.viewSchemaId === null) w.u8(0);
  else {
    w.u8(1);
    w.i32(d.viewSchemaId);
  }
  w.strs(d.declaredPurposes);
  w.strs(d.fieldsReleased);
  w.u32(d.fieldsTransformed.length);
  for (const t of d.fieldsTransformed) {
    w.str(t.path);
    w.str(t.action);
    w.optStr(t.method);
    w.optStr(t.normalization);
    w.strs(t.keyIds);
  }
  w.strs(d.fieldsRemoved);
  w.i64(d.deliveredAt.getTime());
}

function writeEntry(
  w: Writer,
  entry: number,
  e: DisclosedEventInput,
  disclosureHash: Buffer,
  previousHash: Buffer,
): void {
  w.str(ENTRY_TAG);
  w.u64(entry);
  w.bytes(disclosureHash);
  w.str(e.eventId);
  w.str(e.entityId);
  w.i32(e.sourcePartition);
  w.str(e.sourceOffset);
  w.optStr(e.supersedes);
  if (e.digest === null) w.u8(0);
  else {
    w.u8(1);
    w.bytes(e.digest);
  }
  w.bytes(previousHash);
}

/** Encodes and hashes records; keeps one scratch buffer, so use one per caller at a time. */
export class ChainHasher {
  private readonly writer = new Writer();

  disclosureHash(d: DisclosureContent): Buffer {
    this.writer.reset();
    writeDisclosure(this.writer, d);
    return this.writer.sha256();
  }

  /** The hash of entry number `entry`, holding event `e` of the disclosure hashed `disclosureHash`. */
  entryHash(entry: number, e: DisclosedEventInput, disclosureHash: Buffer, previousHash: Buffer): Buffer {
    this.writer.reset();
    writeEntry(this.writer, entry, e, disclosureHash, previousHash);
    return this.writer.sha256();
  }

  /**
   * The same entry hash from raw column bytes (verify's fast path, packed-chunk.ts): `core` is
   * the encoding from the event id to the source offset, exactly as str/str/i32/str writes it;
   * `supersedes` is the UTF-8 of the id without its length.
   */
  entryHashFromParts(
    entry: number,
    disclosureHash: Buffer,
    core: Uint8Array,
    supersedes: Uint8Array | null,
    digest: Uint8Array | null,
    previousHash: Uint8Array,
  ): Buffer {
    const w = this.writer;
    w.reset();
    w.str(ENTRY_TAG);
    w.u64(entry);
    w.bytes(disclosureHash);
    w.bytes(core);
    if (supersedes === null) w.u8(0);
    else {
      w.u8(1);
      w.u32(supersedes.length);
      w.bytes(supersedes);
    }
    if (digest === null) w.u8(0);
    else {
      w.u8(1);
      w.bytes(digest);
    }
    w.bytes(previousHash);
    return w.sha256();
  }

  /** The exact bytes hashed for a disclosure (for tests and other-language checks). */
  disclosureBytes(d: DisclosureContent): Buffer {
    this.writer.reset();
    writeDisclosure(this.writer, d);
    return Buffer.from(this.writer.view());
  }

  entryBytes(entry: number, e: DisclosedEventInput, disclosureHash: Buffer, previousHash: Buffer): Buffer {
    this.writer.reset();
    writeEntry(this.writer, entry, e, disclosureHash, previousHash);
    return Buffer.from(this.writer.view());
  }
}
