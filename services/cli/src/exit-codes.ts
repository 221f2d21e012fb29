// The exit codes scripts rely on (services/cli/README.md lists them), and the one error type a
// command throws to end with one of them. Every failure becomes a CliError before it is printed.
export const ExitCode = {
  OK: 0,
  /** The answer is negative: lint problems, a ledger not intact, a publish line failed, a check failed. */
  NEGATIVE: 1,
  /** The command line is wrong: unknown option, missing argument, unreadable input file. */
  USAGE: 2,
  /** The gateway cannot be reached or cannot serve the request now. */
  UNAVAILABLE: 3,
  /** Credentials missing or invalid, or the caller may not do this. */
  DENIED: 4,
  /** What was asked for does not exist (topic, agreement, checkpoint …). */
  NOT_FOUND: 5,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure to report in one or two lines (never a stack trace) and the exit code it ends with. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: ExitCode;
  /** Machine-readable reason (the gateway's ErrorInfo reason, or the CLI's own). */
  readonly reason: string;
  /** Further lines (field violations, hints). */
  readonly details: readonly string[];

  constructor(options: {
    exitCode: ExitCode;
    reason: string;
    message: string;
    details?: readonly string[];
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.exitCode = options.exitCode;
    this.reason = options.reason;
    this.details = options.details ?? [];
  }
}

export const usageError = (message: string, details?: readonly string[]): CliError =>
  new CliError({ exitCode: ExitCode.USAGE, reason: 'USAGE', message, ...(details ? { details } : {}) });
