// Asks the origin's disclosure ledger whether a subscriber received the event a withheld
// correction supersedes, for a whole delivery batch at once. A ledger that fails is asked again
// after a short back-off; when it still fails the caller gets a retriable LEDGER_UNAVAILABLE
// error, so the stream ends and the partner resumes at the correction: nothing is skipped.
import { ErrorReason } from '@puente/proto';
import type { LedgerReader } from '@puente/ledger';
import type { Country, Logger } from '@puente/runtime';

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

export interface CorrectionLookupOptions {
  readonly ledgers: Partial<Record<Country, LedgerReader>>;
  readonly logger: Logger;
  /** Waits before each further attempt; its length is the number of retries (default 100, 400, 1600 ms). */
  readonly retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_DELAYS_MS = [100, 400, 1_600];

export function createCorrectionLookup(options: CorrectionLookupOptions): CorrectionLookup {
  const { ledgers, logger } = options;
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
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
      // One question per distinct (origin, superseded event) of the batch, asked together.
      const asked = new Map<string, Promise<boolean>>();
      const answers = corrections.map((correction) => {
        const key = `${correction.origin}\u0000${correction.supersedes}`;
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

  async function ask(
    correction: WithheldCorrection,
    recipient: { readonly country: Country; readonly agency: string },
  ): Promise<boolean> {
    const ledger = ledgers[correction.origin];
    if (!ledger) return false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await ledger.delivered(correction.supersedes, { country: recipient.country, agency: recipient.agency });
      } catch (error) {
        const delay = delays[attempt];
        if (delay === undefined) {
          throw new GatewayError({
            code: 'UNAVAILABLE',
            reason: ErrorReason.LEDGER_UNAVAILABLE,
            message: `the ${correction.origin} disclosure ledger cannot say who received event ${correction.supersedes} (${delays.length + 1} attempts); the subscription resumes at its correction`,
            retryAfterMs: 1_000,
            metadata: { country: correction.origin },
            cause: error,
          });
        }
        logger.warn(
          { err: error, country: correction.origin, event: correction.supersedes, attempt: attempt + 1 },
          'disclosure ledger lookup failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
