// Producing prepared events: drop repeats of an eventId (remembered per publisher for a window),
// bound the events in flight, and produce through the circuit breaker. A result is returned only
// after Kafka acknowledged the record. Preparing an event (validation, stamping) is
// prepare-event.ts's job.
import { ErrorReason, type PublishRequest, type PublishResponse } from '@puente/proto';
import { type Bus, BusError } from '@puente/bus';
import { type AvroCodec } from '@puente/contracts';
import { type Breaker, BreakerOpenError } from '@puente/runtime';

import type { PublishPermissions } from '../auth/authorization.js';
import type { Principal } from '../auth/identity.js';
import { BUS_RETRY_AFTER_MS, busUnavailable, fromUnknown, GatewayError } from '../grpc/errors.js';
import { DedupeWindow, type Acknowledged } from './dedupe-window.js';
import { createEventPreparer, type PreparedEvent } from './prepare-event.js';
import type { Receipt } from './publish-receipts.js';

export interface PublisherOptions {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly breaker: Breaker;
  readonly permissions: PublishPermissions;
  /** Largest accepted payload, in bytes. */
  readonly maxPayloadBytes: number;
  /** Events being produced at once, over all callers; beyond it callers get RESOURCE_EXHAUSTED. */
  readonly maxInFlight: number;
  /** How long an eventId is remembered per publisher to drop repeats. */
  readonly dedupeWindowMs: number;
  /** At most this many eventIds are remembered (the oldest go first), bounding memory under load. */
  readonly dedupeMaxEntries?: number;
  /** The window to remember acknowledged events in, when others fill it too (receipts of other instances). */
  readonly dedupeWindow?: DedupeWindow;
  /** Told what Kafka acknowledged, right after it did (must return at once: the answer waits on it). */
  readonly onAcknowledged?: (receipts: readonly Receipt[]) => void;
  readonly now?: () => number;
  readonly onPublished?: (topic: string, count: number) => void;
}

export type PublishOutcome =
  { readonly ok: true; readonly response: PublishResponse } | { readonly ok: false; readonly error: GatewayError };

const responseOf = (eventId: string, entry: Acknowledged, duplicate: boolean): PublishResponse => ({
  eventId,
  topic: entry.topic,
  partition: entry.partition,
  offset: entry.offset,
  schemaId: entry.schemaId,
  timestamp: new Date(entry.timestamp),
  duplicate,
});

/** Retry hint of PUBLISH_QUEUE_FULL: in-flight produces finish in about this long. */
export const QUEUE_FULL_RETRY_AFTER_MS = 100;

/**
 * What a failed produce tells the caller. Certainly not written: the breaker was open (nothing
 * was sent), or Kafka refused the request for what it is. Perhaps written: the breaker gave up
 * waiting while the produce went on, or the connection failed after the request may have left;
 * the caller finds out by publishing the same eventId again (a written one answers duplicate).
 */
function produceFailure(error: unknown): GatewayError {
  const unknown = (cause: unknown, why: string) =>
    new GatewayError({
      code: 'UNAVAILABLE',
      reason: ErrorReason.PUBLISH_OUTCOME_UNKNOWN,
      message: `${why}: the events may or may not have been written; publish them again with the same meta.eventId after ${BUS_RETRY_AFTER_MS} ms (a written one is answered as a duplicate)`,
      retryAfterMs: BUS_RETRY_AFTER_MS,
      cause,
    });
  if (error instanceof BreakerOpenError) {
    return error.reason === 'open'
      ? busUnavailable(error.message, error)
      : unknown(error, 'Kafka did not acknowledge in time');
  }
  if (
    error instanceof BusError &&
    (error.mayHaveWritten || error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT' || error.code === 'INTERNAL')
  ) {
    return unknown(error, `the produce failed after it was sent (${error.message})`);
  }
  return fromUnknown(error);
}

export interface Publisher {
  /** Publishes a batch; one outcome per request, in order. Valid events of one topic go to Kafka together. */
  publishBatch(principal: Principal, requests: readonly PublishRequest[]): Promise<PublishOutcome[]>;
  inFlight(): number;
}

export function createPublisher(options: PublisherOptions): Publisher {
  const { bus, breaker } = options;
  const now = options.now ?? Date.now;
  const preparer = createEventPreparer(options);
  const remembered =
    options.dedupeWindow ?? new DedupeWindow(options.dedupeWindowMs, options.dedupeMaxEntries ?? 500_000);
  const { onAcknowledged } = options;
  let inFlight = 0;

  return {
    inFlight: () => inFlight,
    async publishBatch(principal, requests) {
      remembered.expire(now());
      const outcomes: (PublishOutcome | undefined)[] = Array.from({ length: requests.length }, () => undefined);
      const toSend = new Map<string, PreparedEvent[]>();
      /** Index of each eventId's first event in this batch; a repeat is answered as that one is. */
      const seenInBatch = new Map<string, number>();
      const repeats: { index: number; of: number; eventId: string }[] = [];
      // The events of a batch arrive together: one acceptance time for all of them.
      preparer.prepareBatch(principal, requests, new Date(now())).forEach((prepared, index) => {
        if (prepared instanceof GatewayError) {
          outcomes[index] = { ok: false, error: prepared };
          return;
        }
        const known = remembered.get(prepared.dedupeKey);
        if (known) {
          outcomes[index] = { ok: true, response: responseOf(prepared.eventId, known, true) };
          return;
        }
        const first = seenInBatch.get(prepared.dedupeKey);
        if (first !== undefined) {
          repeats.push({ index, of: first, eventId: prepared.eventId });
          return;
        }
        seenInBatch.set(prepared.dedupeKey, index);
        const list = toSend.get(prepared.topic) ?? [];
        list.push(prepared);
        toSend.set(prepared.topic, list);
      });
      const count = [...toSend.values()].reduce((n, list) => n + list.length, 0);
      if (count > 0 && inFlight + count > options.maxInFlight) {
        const error = new GatewayError({
          code: 'RESOURCE_EXHAUSTED',
          reason: ErrorReason.PUBLISH_QUEUE_FULL,
          message: `${inFlight} events are being published; the gateway accepts at most ${options.maxInFlight} at once`,
          retryAfterMs: QUEUE_FULL_RETRY_AFTER_MS,
          metadata: { limit: String(options.maxInFlight) },
          quotaFailure: {
            violations: [
              {
                subject: 'publish-in-flight',
                description: `${inFlight} of ${options.maxInFlight} events in flight; ${count} more do not fit`,
              },
            ],
          },
        });
        for (const list of toSend.values()) for (const p of list) outcomes[p.index] = { ok: false, error };
        toSend.clear();
      }
      inFlight += count;
      try {
        await Promise.all(
          [...toSend].map(async ([topic, prepared]) => {
            // The produce keeps going if the breaker times out: what Kafka acknowledges later is
            // remembered, so the caller's retry is answered as a duplicate, not written twice. It
            // starts inside the breaker: an open breaker must send nothing (BUS_UNAVAILABLE says
            // "certainly not written").
            let produced: Promise<(Acknowledged | undefined)[]> | undefined;
            const produce = () =>
              bus
                .publish(
                  topic,
                  prepared.map((p) => p.record),
                )
                .then((results) => {
                  const at = now();
                  const receipts: Receipt[] = [];
                  const acknowledged = prepared.map((p, i): Acknowledged | undefined => {
                    const result = results[i];
                    if (!result) return undefined;
                    // One object serves as the remembered entry and the receipt (a spread copy
                    // cost ~5 µs an event: V8 takes its slow path for it).
                    const entry: Receipt = {
                      topic,
                      partition: result.partition,
                      offset: result.offset,
                      schemaId: p.schemaId,
                      timestamp: p.timestamp.getTime(),
                      dedupeKey: p.dedupeKey,
                      acknowledgedAt: at,
                    };
                    remembered.add(p.dedupeKey, entry, at);
                    if (onAcknowledged) receipts.push(entry);
                    return entry;
                  });
                  if (onAcknowledged && receipts.length > 0) onAcknowledged(receipts);
                  options.onPublished?.(topic, results.length);
                  return acknowledged;
                });
            try {
              const acknowledged = await breaker.run(() => (produced = produce()));
              prepared.forEach((p, i) => {
                const entry = acknowledged[i];
                if (entry) outcomes[p.index] = { ok: true, response: responseOf(p.eventId, entry, false) };
              });
            } catch (error) {
              produced?.catch(() => undefined);
              const failure = produceFailure(error);
              for (const p of prepared) outcomes[p.index] = { ok: false, error: failure };
            }
          }),
        );
      } finally {
        inFlight -= count;
      }
      // A repeat within the batch has the original's position (share.proto: "those of the
      // original record"), or the original's failure.
      for (const repeat of repeats) {
        const original = outcomes[repeat.of];
        outcomes[repeat.index] = original?.ok
          ? { ok: true, response: { ...original.response, eventId: repeat.eventId, duplicate: true } }
          : original;
      }
      return outcomes.map(
        (outcome) =>
          outcome ?? {
            ok: false,
            error: new GatewayError({ code: 'INTERNAL', reason: ErrorReason.INTERNAL, message: 'no outcome' }),
          },
      );
    },
  };
}
