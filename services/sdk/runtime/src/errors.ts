// The one error base every Puente package extends: a stable `code` callers switch on, whether a
// retry can help, and the underlying cause kept for logs.

export interface PuenteErrorOptions<Code extends string> {
  readonly code: Code;
  readonly message: string;
  /** Whether trying the same thing again can succeed. Default false. */
  readonly retriable?: boolean;
  readonly cause?: unknown;
}

export class PuenteError<Code extends string = string> extends Error {
  override readonly name: string = 'PuenteError';
  readonly code: Code;
  readonly retriable: boolean;

  constructor(options: PuenteErrorOptions<Code>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retriable = options.retriable ?? false;
  }
}

/** The message of anything thrown, for logs and for errors that wrap it. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
