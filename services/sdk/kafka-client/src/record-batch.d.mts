// Types of record-batch.mjs (plain JavaScript so the producer thread loads it without a
// TypeScript loader).
export interface PartitionRecordsInput {
  readonly partition: number;
  readonly messages: readonly {
    readonly key?: unknown;
    readonly value?: unknown;
    readonly headers?: Readonly<Record<string, unknown>>;
    readonly timestamp?: string | number | null;
  }[];
  readonly firstSequence?: number;
  readonly producerId: bigint | number | string | { toString(): string };
  readonly producerEpoch: number;
  readonly transactional: boolean;
  /** The time of messages without a timestamp (ms); Date.now() when omitted. */
  readonly now?: number;
}

/** Bytes of a RecordBatch before its records (FirstOffset and Length included). */
export const RECORD_BATCH_OVERHEAD: number;

/**
 * A record's body bytes apart from its timestamp and offset deltas; a TypeError names a key,
 * value or header of the wrong type.
 */
export function recordBodyBase(message: {
  readonly key: string | Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers?: Readonly<Record<string, string | Uint8Array>> | undefined;
}): number;

/** The exact bytes one record takes in a batch (length prefix included). */
export function recordSize(base: number, offsetDelta: number, timestampDelta: number): number;

/** `Partition i32, RecordSet` of a Produce request (v3+), as kafkajs writes it, in one pass. */
export function encodePartitionRecords(input: PartitionRecordsInput): Buffer;

/** kafkajs's batch context for the records of one batch. */
export interface RecordBatchContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly magicByte?: number;
  readonly isControlBatch?: boolean;
  readonly timestampType?: number;
  readonly maxTimestamp?: string;
}

/** One record from kafkajs's decoder over its bytes: exactly what kafkajs's record decoder returns. */
export function decodeRecord(
  decoder: { buffer: Buffer; offset: number },
  batchContext?: RecordBatchContext,
): {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
  batchContext: RecordBatchContext;
};
