// Verify's read path: PostgreSQL packs a chunk of entries into one bytea (each column framed by
// its length), so the driver parses one value instead of ten per entry, and the strings go to the
// hash as the server's UTF-8 bytes without being decoded. Chunks are ranges of entry numbers
// (not LIMITs), so the planner walks the primary key even before the table has statistics. The canonical encoding itself stays in
// canonical.ts; this SQL only frames raw column values.

/**
 * The entries numbered in ($1, $2], as one row: `packed` is, per entry in order, int8 entry_no, int8 disclosure_no, then
 * event_id, entity_id (int4 length + UTF-8), int4 source_partition, source_offset as decimal text
 * (int4 length + UTF-8), then supersedes, digest, previous_hash and hash, each int4 length (−1
 * for NULL) + bytes.
 */
export function packedChunkQuery(schema: string): string {
  const text = (column: string) => `int4send(octet_length(${column})) || convert_to(${column}, 'UTF8')`;
  const nullableText = (column: string) =>
    `coalesce(int4send(octet_length(${column})) || convert_to(${column}, 'UTF8'), int4send(-1))`;
  const nullableBytes = (column: string) => `coalesce(int4send(length(${column})) || ${column}, int4send(-1))`;
  return `
    SELECT string_agg(packed, ''::bytea ORDER BY entry_no) AS packed
    FROM (
      SELECT entry_no,
             int8send(entry_no) || int8send(disclosure_no) || ${text('event_id')} || ${text('entity_id')}
             || int4send(source_partition) || ${text('source_offset::text')} || ${nullableText('supersedes')}
             || ${nullableBytes('digest')} || ${nullableBytes('previous_hash')} || ${nullableBytes('hash')} AS packed
      FROM ${schema}.entries
      WHERE entry_no > $1 AND entry_no <= $2
    ) chunk`;
}

/** One entry read from a packed chunk; the byte fields are views into the chunk. */
export interface PackedEntry {
  entry: number;
  disclosureNo: number;
  /** event_id … source_offset, as the canonical encoding writes them. */
  core: Buffer;
  supersedes: Buffer | null;
  digest: Buffer | null;
  previousHash: Buffer | null;
  hash: Buffer | null;
}

/** Walks a packed chunk; `next()` fills and returns one reused PackedEntry, or undefined at the end. */
export class PackedChunkReader {
  private position = 0;
  private readonly current: PackedEntry = {
    entry: 0,
    disclosureNo: 0,
    core: Buffer.alloc(0),
    supersedes: null,
    digest: null,
    previousHash: null,
    hash: null,
  };

  constructor(private readonly chunk: Buffer) {}

  next(): PackedEntry | undefined {
    const b = this.chunk;
    if (this.position >= b.length) return undefined;
    const e = this.current;
    e.entry = this.int8();
    e.disclosureNo = this.int8();
    const coreStart = this.position;
    this.skip(b.readInt32BE(this.position)); // event_id
    this.skip(b.readInt32BE(this.position)); // entity_id
    this.position += 4; // source_partition
    this.skip(b.readInt32BE(this.position)); // source_offset
    e.core = b.subarray(coreStart, this.position);
    e.supersedes = this.nullable();
    e.digest = this.nullable();
    e.previousHash = this.nullable();
    e.hash = this.nullable();
    return e;
  }

  private int8(): number {
    const value = this.chunk.readInt32BE(this.position) * 0x1_0000_0000 + this.chunk.readUInt32BE(this.position + 4);
    this.position += 8;
    return value;
  }

  private skip(length: number): void {
    this.position += 4 + length;
  }

  private nullable(): Buffer | null {
    const length = this.chunk.readInt32BE(this.position);
    this.position += 4;
    if (length < 0) return null;
    const value = this.chunk.subarray(this.position, this.position + length);
    this.position += length;
    return value;
  }
}
