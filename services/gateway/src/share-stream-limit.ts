// How many Subscribe and PublishStream calls one caller holds open: the contract limits them, so
// one caller cannot take every stream the gateway can serve.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { ErrorReason } from '@puente/proto';

import type { Principal } from './auth/identity.js';
import { GatewayError } from './grpc/errors.js';

/** Counts an open stream of the caller; refuses it beyond the limit. Returns its release. */
export type OpenStream = (principal: Principal) => () => void;

export function createStreamLimit(maxStreamsPerCaller: number): OpenStream {
  const streamsByCaller = new Map<string, number>();
  return (principal) => {
    const open = streamsByCaller.get(principal.name) ?? 0;
    if (open >= maxStreamsPerCaller) {
      throw new GatewayError({
        code: 'RESOURCE_EXHAUSTED',
        reason: ErrorReason.STREAM_LIMIT_REACHED,
        message: `${principal.name} already holds ${open} open streams; at most ${maxStreamsPerCaller} are allowed`,
        metadata: { limit: String(maxStreamsPerCaller) },
      });
    }
    streamsByCaller.set(principal.name, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (streamsByCaller.get(principal.name) ?? 1) - 1;
      if (left <= 0) streamsByCaller.delete(principal.name);
      else streamsByCaller.set(principal.name, left);
    };
  };
}

/** Releases a stream's count whichever way the call ends (once: the release is idempotent). */
export function releaseOnEnd(call: ServerDuplexStream<unknown, unknown>, release: () => void): void {
  for (const event of ['close', 'finish', 'cancelled', 'error']) call.once(event, release);
}
