// Which agreements another live gateway instance serves differently from this one: same id,
// another version or another text. Each difference is warned about once (it stays until one side
// reloads), and the gauge counts the differences seen now.
import type { Logger } from '@puente/runtime';

import type { Announcement, ServedAgreement } from './instance-announcement.js';

export interface AgreementMismatch {
  readonly agreement: string;
  readonly instance: string;
  readonly ours: ServedAgreement;
  readonly theirs: ServedAgreement;
}

/** Differences with the instances heard from since `liveSince`; agreements only one side serves are not differences. */
export function findMismatches(
  ours: readonly ServedAgreement[],
  others: Iterable<Announcement>,
  liveSince: number,
): AgreementMismatch[] {
  const byId = new Map(ours.map((a) => [a.id, a]));
  const found: AgreementMismatch[] = [];
  for (const other of others) {
    if (other.at < liveSince) continue;
    for (const theirs of other.agreements) {
      const mine = byId.get(theirs.id);
      if (mine && (mine.version !== theirs.version || mine.digest !== theirs.digest))
        found.push({ agreement: theirs.id, instance: other.instance, ours: mine, theirs });
    }
  }
  return found;
}

export interface MismatchReporter {
  /** Reports the differences seen now: a warning for each new one, the count to `onCount`. */
  report(mismatches: readonly AgreementMismatch[]): void;
}

export function createMismatchReporter(options: {
  readonly logger: Logger;
  readonly self: string;
  readonly onCount: (count: number) => void;
}): MismatchReporter {
  let warned = new Set<string>();
  return {
    report(mismatches) {
      const now = new Set<string>();
      for (const m of mismatches) {
        const key = JSON.stringify([m.instance, m.agreement, m.ours, m.theirs]);
        now.add(key);
        if (warned.has(key)) continue;
        options.logger.warn(
          {
            agreement: m.agreement,
            instance: options.self,
            otherInstance: m.instance,
            ourVersion: m.ours.version,
            theirVersion: m.theirs.version,
            sameText: m.ours.digest === m.theirs.digest,
          },
          'another gateway instance serves a different version of an agreement: partners get different answers depending on the instance they reach',
        );
      }
      // A difference that went away and comes back is warned about again.
      warned = now;
      options.onCount(mismatches.length);
    },
  };
}
