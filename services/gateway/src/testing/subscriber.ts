// A partner's Subscribe stream for tests: opened with a dev token and a start, it acknowledges
// every delivery it receives and keeps them, and tells how the stream ended.
import { Metadata, type ClientDuplexStream, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import {
  errorReasonOf,
  fromRpcStatus,
  rpcStatusFromError,
  type Delivery,
  type ErrorReason,
  type ShareServiceClient,
  type StartSubscription,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';

export interface TestSubscriber {
  readonly call: ClientDuplexStream<SubscribeRequest, SubscribeResponse>;
  /** Every delivery received, in order; each was acknowledged on receipt. */
  readonly received: Delivery[];
  /** The error the stream ended with (never resolves when it ends OK). */
  readonly ended: Promise<ServiceError>;
  /** The stream's final status, however it ended. */
  readonly status: Promise<StatusObject>;
  readonly started: () => boolean;
  readonly error: () => ServiceError | undefined;
}

export function openTestSubscriber(
  client: ShareServiceClient,
  token: string,
  start: StartSubscription,
): TestSubscriber {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const call = client.subscribe(metadata);
  const received: Delivery[] = [];
  let started = false;
  let error: ServiceError | undefined;
  const ended = new Promise<ServiceError>((resolve) =>
    call.on('error', (e: ServiceError) => {
      error = e;
      resolve(e);
    }),
  );
  const status = new Promise<StatusObject>((resolve) => call.on('status', resolve));
  call.on('data', (message: SubscribeResponse) => {
    const kind = message.kind;
    if (kind?.$case === 'started') started = true;
    if (kind?.$case === 'deliveries') {
      received.push(...kind.value.deliveries);
      call.write({ kind: { $case: 'ack', value: { cursors: kind.value.deliveries.map((d) => d.cursor) } } });
    }
  });
  call.write({ kind: { $case: 'start', value: start } });
  return { call, received, ended, status, started: () => started, error: () => error };
}

/** The ErrorInfo reason and metadata of a status error. */
export function errorDetailsOf(error: ServiceError | undefined): {
  reason: ErrorReason | undefined;
  metadata: Record<string, string>;
} {
  const rpc = error && rpcStatusFromError(error);
  const details = rpc ? fromRpcStatus(rpc) : {};
  return { reason: errorReasonOf(details), metadata: details.errorInfo?.metadata ?? {} };
}
