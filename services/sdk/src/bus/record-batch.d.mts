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
