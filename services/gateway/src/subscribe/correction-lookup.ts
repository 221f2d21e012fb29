// Asks the origin's disclosure ledger whether a subscriber received the event a withheld
// correction supersedes (on the correction's own topic), for a whole delivery batch at once.
// "Not received" is only believed from a ledger that has chained every disclosure written before
// the question: the original's disclosure was written before it was delivered, so before the
// correction was read. A ledger that lags (its audit service is behind or down) is waited for a
// while; a ledger that fails is asked again after a short back-off; when either lasts, the caller
// gets a retriable LEDGER_UNAVAILABLE error, so the stream ends and the partner resumes at the
// correction: no notice owed is ever skipped.
import { ErrorReason } from '@puente/proto';
import type { LedgerReader } from '@puente/ledger';
import { type Country, DISCLOSURE_TOPIC, type Logger } from '@puente/runtime';

import { GatewayError } from '../grpc/errors.js';
import type { WithheldCorrection } from './record-evaluation.js';

export interface CorrectionLookup {
  /**
   * Whether corrections of `origin`'s data can be checked against its ledger. Without a ledger a
   * correction is withheld like any record (one warning per country, then silence).
   */
  covers(origin: Country): boolean;
  /**
   * For each correction, in order, whether `recipient` (country and agency) received a DELIVERY
   * of the event it supersedes. Rejects with a retriable GatewayError once the retries are spent.
   */
  received(
    corrections: readonly WithheldCorrection[],
    recipient: { readonly country: Country; readonly agency: string },
  ): Promise<boolean[]>;
}

/** Where a topic ends now: per partition, the offset the next record will get. */
export type TopicEnds = () => Promise<readonly { readonly partition: number; readonly high: string }[]>;

export interface CorrectionLookupOptions {
  readonly ledgers: Partial<Record<Country, LedgerReader>>;
  readonly logger: Logger;
  /** Where the disclosure topic ends now (the gateway's bus). */
  readonly disclosureEnds: TopicEnds;
  /** How long a ledger that has not chained the disclosures written so far is waited for. Default 10 s. */
  readonly catchUpTimeoutMs?: number;
  /** How often its positions are read while waiting. Default 100 ms. */
  readonly catchUpPollMs?: number;
  /** Waits before each further attempt; its length is the number of retries (default 100, 400, 1600 ms). */
  readonly retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_DELAYS_MS = [100, 400, 1_600];

export function createCorrectionLookup(options: CorrectionLookupOptions): CorrectionLookup {
  const { ledgers, logger } = options;
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const catchUpTimeoutMs = options.catchUpTimeoutMs ?? 10_000;
  const catchUpPollMs = options.catchUpPollMs ?? 100;
  const warned = new Set<Country>();
  return {
    covers(origin) {
      if (ledgers[origin]) return true;
      if (!warned.has(origin)) {
        warned.add(origin);
        logger.warn(
          { country: origin },
          `no disclosure ledger is configured for ${origin}: corrections of its data that an agreement withholds are withheld without retraction notices`,
        );
      }
      return false;
    },
    async received(corrections, recipient) {
      // Every ledger asked has first chained what was written to the disclosure topic until now.
      const origins = [...new Set(corrections.map((c) => c.origin))];
      if (origins.length > 0) {
        const ends = await retrying('where the disclosure topic ends', origins[0]!, () => options.disclosureEnds());
        await Promise.all(origins.map((origin) => caughtUp(origin, ends)));
      }
      // One question per distinct (origin, topic, superseded event) of the batch, asked together.
      const asked = new Map<string, Promise<boolean>>();
      const answers = corrections.map((correction) => {
        const key = `${correction.origin}\u0000${correction.topic}\u0000${correction.supersedes}`;
        let answer = asked.get(key);
        if (!answer) {
          answer = ask(correction, recipient);
          asked.set(key, answer);
        }
        return answer;
      });
      return Promise.all(answers);
    },
  };

  /** Waits until the origin's ledger has read the disclosure topic up to `ends`; else LEDGER_UNAVAILABLE. */
  async function caughtUp(
    origin: Country,
    ends: readonly { readonly partition: number; readonly high: string }[],
  ): Promise<void> {
    const ledger = ledgers[origin];
    if (!ledger) return;
    const deadline = Date.now() + catchUpTimeoutMs;
    for (;;) {
      const read = new Map(
        (await retrying('how far it has read', origin, () => ledger.positions(DISCLOSURE_TOPIC))).map((p) => [
          p.partition,
          BigInt(p.offset),
        ]),
      );
      const behind = ends.filter((end) => (read.get(end.partition) ?? 0n) < BigInt(end.high));
      if (behind.length === 0) return;
      if (Date.now() >= deadline) {
        throw unavailable(
          origin,
          `the ${origin} disclosure ledger has not chained the disclosures written before this correction (its audit service is behind on partition(s) ${behind.map((b) => b.partition).join(', ')}); the subscription resumes at the correction`,
        );
      }
      await sleep(catchUpPollMs);
    }
  }

  async function ask(
    correction: WithheldCorrection,
    recipient: { readonly country: Country; readonly agency: string },
  ): Promise<boolean> {
    const ledger = ledgers[correction.origin];
    if (!ledger) return false;
    return retrying(`who received event ${correction.supersedes}`, correction.origin, () =>
      ledger.delivered(
        correction.supersedes,
        { country: recipient.country, agency: recipient.agency },
        correction.topic,
      ),
    );
  }

  /** A ledger (or bus) call, retried after the back-offs; then a retriable LEDGER_UNAVAILABLE. */
  async function retrying<T>(what: string, origin: Country, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const delay = delays[attempt];
        if (delay === undefined) {
          throw unavailable(
            origin,
            `the ${origin} disclosure ledger cannot say ${what} (${delays.length + 1} attempts); the subscription resumes at its correction`,
            error,
          );
        }
        logger.warn(
          { err: error, country: origin, attempt: attempt + 1 },
          `disclosure ledger lookup (${what}) failed; retrying`,
        );
        await sleep(delay);
      }
    }
  }
}

function unavailable(origin: Country, message: string, cause?: unknown): GatewayError {
  return new GatewayError({
    code: 'UNAVAILABLE',
    reason: ErrorReason.LEDGER_UNAVAILABLE,
    message,
    retryAfterMs: 1_000,
    metadata: { country: origin },
    ...(cause === undefined ? {} : { cause }),
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
