// The simulators' one error type: a stable code, the cause, and whether retrying can help.
import { status, type ServiceError } from '@grpc/grpc-js';
import { PuenteError } from '@puente/runtime';

export type SimulatorErrorCode =
  'INVALID_OPTIONS' | 'INVALID_REGISTRY' | 'PUBLISH_FAILED' | 'SUBSCRIPTION_FAILED' | 'GENERATION_FAILED';

const RETRIABLE_STATUS = new Set<number>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
  status.ABORTED,
]);

export class SimulatorError extends PuenteError<SimulatorErrorCode> {
  override readonly name = 'SimulatorError';

  /** Normalises anything a gRPC call or a generator threw. */
  static fromUnknown(code: SimulatorErrorCode, context: string, cause: unknown): SimulatorError {
    if (cause instanceof SimulatorError) return cause;
    const grpc = cause as Partial<ServiceError> | undefined;
    const retriable = typeof grpc?.code === 'number' && RETRIABLE_STATUS.has(grpc.code);
    const detail =
      typeof grpc?.details === 'string' && grpc.details !== ''
        ? grpc.details
        : String((cause as Error)?.message ?? cause);
    return new SimulatorError({ code, message: `${context}: ${detail}`, retriable, cause });
  }
}
