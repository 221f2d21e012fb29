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
