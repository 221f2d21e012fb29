// One PublishStream of a benchmark driver, for bench:gateway and bench:scale: batches go out with
// increasing sequence numbers and each resolves with its response. Responses come in request
// order, so a FIFO of waiters matches them; a failed stream rejects every waiting batch and each
// later one.
import type { ClientDuplexStream, Metadata, ServiceError } from '@grpc/grpc-js';
import type { PublishRequest, PublishStreamRequest, PublishStreamResponse, ShareServiceClient } from '@puente/proto';

import { withTimeout } from './bench-helpers.js';

export class PublishPipe {
  private readonly call: ClientDuplexStream<PublishStreamRequest, PublishStreamResponse>;
  private readonly waiting: { resolve: (r: PublishStreamResponse) => void; reject: (e: Error) => void }[] = [];
  private sequence = 0;
  private failure: ServiceError | undefined;
  private readonly closed: Promise<void>;

  /** `metadata` carries the publisher's credentials. */
  constructor(client: ShareServiceClient, metadata: Metadata) {
    this.call = client.publishStream(metadata);
    this.call.on('data', (response: PublishStreamResponse) => this.waiting.shift()?.resolve(response));
    this.closed = new Promise<void>((resolve) => {
      this.call.on('status', () => resolve());
      this.call.on('error', (error: ServiceError) => {
        this.failure = error;
        for (const waiter of this.waiting.splice(0)) waiter.reject(error);
        resolve();
      });
    });
  }

  send(requests: readonly PublishRequest[]): Promise<PublishStreamResponse> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write({ sequence: String(this.sequence++), events: [...requests] });
    });
  }

  /** Ends the stream; cancels it when the gateway has not closed it within 10 s. */
  async end(): Promise<void> {
    this.call.end();
    await withTimeout(this.closed, 10_000, 'a publish stream to close').catch(() => this.call.cancel());
  }
}
