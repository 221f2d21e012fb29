// The one error type of @puente/kafka-local: a stable `code` for callers and tests, the
// underlying `cause`, and whether trying again could help.

export type KafkaLocalErrorCode =
  | 'JAVA_MISSING'
  | 'MAVEN_MISSING'
  | 'CLASSPATH_FAILED'
  | 'INVALID_OPTIONS'
  | 'FORMAT_FAILED'
  | 'BROKER_EXITED'
  | 'START_TIMEOUT'
  | 'INVALID_BROKER_LIST'
  | 'OUTAGE_UNSUPPORTED';

export class KafkaLocalError extends Error {
  override readonly name = 'KafkaLocalError';
  readonly code: KafkaLocalErrorCode;
  readonly retriable: boolean;

  constructor(options: { code: KafkaLocalErrorCode; message: string; retriable?: boolean; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retriable = options.retriable ?? false;
  }
}
