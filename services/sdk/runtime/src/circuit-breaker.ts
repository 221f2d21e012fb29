// A circuit breaker (opossum) for calls to infrastructure: after repeated failures or timeouts it
// opens and fails calls at once, so callers get a fast answer instead of hanging. Errors that
// say "your input is bad" (retriable: false) never count against the breaker. A call times out
// when nothing run through the breaker has completed for the timeout, not merely when it took
// that long: behind a long queue that is moving, a call waits its turn (callers are bounded by
// their own in-flight limits); when nothing moves, every waiting call fails within the timeout.
import CircuitBreakerImpl from 'opossum';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  readonly name: string;
  /**
   * A call fails when it has waited this long with no call completing meanwhile (the work
   * itself continues; its outcome is not lost).
   */
  readonly timeoutMs?: number;
  /** Failure percentage over the rolling window that opens the breaker. */
  readonly errorThresholdPercentage?: number;
  /** How long it stays open before letting one trial call through. */
  readonly resetTimeoutMs?: number;
  /** Minimum calls in the window before it may open. */
  readonly volumeThreshold?: number;
  /** Length of the rolling window the failure percentage is computed over. */
  readonly rollingWindowMs?: number;
  readonly onStateChange?: (state: BreakerState) => void;
}

export interface Breaker {
  /** Runs the work through the breaker; rejects with a BreakerOpenError while open. */
  run<T>(work: () => Promise<T>): Promise<T>;
  state(): BreakerState;
  shutdown(): void;
}

export class BreakerOpenError extends Error {
  override readonly name = 'BreakerOpenError';
  readonly retriable = true;
  constructor(
    readonly breaker: string,
    readonly reason: 'open' | 'timeout',
  ) {
    super(reason === 'open' ? `circuit '${breaker}' is open after repeated failures` : `'${breaker}' timed out`);
  }
}

const isCallerFault = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === false;

/** opossum's code for a timeout, so both kinds read the same below. */
const timedOut = () => Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });

export function createBreaker(options: BreakerOptions): Breaker {
  const timeoutMs = options.timeoutMs ?? 1_000;
  /** When a call last completed successfully: a call waiting since before then is not stuck. */
  let lastProgress = 0;
  const watched = (work: () => Promise<unknown>): Promise<unknown> => {
    const started = performance.now();
    const pending = work();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        const due = Math.max(started, lastProgress) + timeoutMs - performance.now();
        if (due <= 0) reject(timedOut());
        else timer = setTimeout(check, due);
      };
      timer = setTimeout(check, timeoutMs);
      pending.then(
        (value) => {
          clearTimeout(timer);
          lastProgress = performance.now();
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          // Passed on as it came: the breaker and the caller classify it.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      );
    });
  };
  const breaker = new CircuitBreakerImpl(watched, {
    name: options.name,
    // Timeouts are the watch above: no completion for timeoutMs.
    timeout: false,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    resetTimeout: options.resetTimeoutMs ?? 2_000,
    volumeThreshold: options.volumeThreshold ?? 3,
    // A short window so an outage opens the breaker within seconds even after a busy period.
    rollingCountTimeout: options.rollingWindowMs ?? 2_000,
    rollingCountBuckets: 4,
    errorFilter: isCallerFault,
  });
  const report = (state: BreakerState) => () => options.onStateChange?.(state);
  breaker.on('open', report('open'));
  breaker.on('halfOpen', report('half-open'));
  breaker.on('close', report('closed'));
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      try {
        return (await breaker.fire(work)) as T;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'EOPENBREAKER') throw new BreakerOpenError(options.name, 'open');
        if (code === 'ETIMEDOUT') throw new BreakerOpenError(options.name, 'timeout');
        throw error;
      }
    },
    state: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed'),
    shutdown: () => breaker.shutdown(),
  };
}
