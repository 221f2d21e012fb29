// The bus's one error type: a stable code callers can switch on, whether retrying can help,
// and the underlying cause kept for logs.
import { PuenteError } from '@puente/runtime';

export type BusErrorCode =
  | 'UNKNOWN_TOPIC'
  | 'INVALID_ARGUMENT'
  | 'NOT_STARTED'
  | 'STOPPED'
  | 'RECORD_TOO_LARGE'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'INTERNAL';

export class BusError extends PuenteError<BusErrorCode> {
  override readonly name = 'BusError';
  /**
   * A failed publish whose records may have been written all the same, in whole or in part: its
   * request was sent and failed (Kafka may have written other partitions of it), or part of a
   * split call was written. A retry can write them twice.
   */
  readonly mayHaveWritten: boolean;

  constructor(options: {
    code: BusErrorCode;
    message: string;
    retriable?: boolean;
    mayHaveWritten?: boolean;
    cause?: unknown;
  }) {
    super(options);
    this.mayHaveWritten = options.mayHaveWritten ?? false;
  }
}

export function unknownTopic(topic: string): BusError {
  return new BusError({
    code: 'UNKNOWN_TOPIC',
    message: `topic '${topic}' does not exist (topics are never created implicitly; create it with ensureTopics)`,
  });
}
