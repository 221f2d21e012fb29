// A circuit breaker (opossum) for calls to infrastructure: after repeated failures or timeouts it
// opens and fails calls at once, so callers get a fast answer instead of hanging. Errors that
// say "your input is bad" (retriable: false) never count against the breaker.
import CircuitBreakerImpl from 'opossum';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  readonly name: string;
  /** A call slower than this fails (the work itself continues; its outcome is not lost). */
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

export function createBreaker(options: BreakerOptions): Breaker {
  const breaker = new CircuitBreakerImpl((work: () => Promise<unknown>) => work(), {
    name: options.name,
    timeout: options.timeoutMs ?? 1_000,
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
