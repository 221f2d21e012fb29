// Live revocation: every agreement change — a reload of the agreements folder, or a validFrom /
// validUntil boundary passing — re-evaluates every open Subscribe stream at once. Boundaries are
// met by one timer set for the earliest one ahead (re-armed after each change), not by polling:
// it fires within milliseconds of the boundary and costs nothing in between.
import type { CompiledAgreement, PolicySet } from '@puente/policy';
import type { Logger } from '@puente/runtime';

import { nextBoundary, notInForceAt } from './reevaluate.js';
import type { Reevaluation, SubscriptionSession } from './session.js';

/** What happened to an agreement, as the metrics and logs name it. */
export type AgreementChange = 'added' | 'removed' | 'changed' | 'expired' | 'in-force';

export interface RevocationDeps {
  /** The agreements in force now. */
  readonly policies: () => PolicySet;
  /** Every open Subscribe stream, started or starting. */
  readonly sessions: () => Iterable<SubscriptionSession>;
  readonly logger: Logger;
  readonly onChange?: (agreement: string, change: AgreementChange) => void;
  /** How long one re-evaluation of every stream took, in seconds. */
  readonly onReevaluated?: (seconds: number) => void;
  readonly now?: () => number;
}

export interface Revocation {
  /** Takes the agreements in force as the ones streams are checked against, and arms the boundary timer. */
  start(): void;
  /** The agreements changed (the policy store reloaded): re-evaluates every open stream now. */
  changed(): void;
  stop(): void;
}

/** Timers longer than this overflow in Node (about 24.8 days): a far boundary is approached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createRevocation(deps: RevocationDeps): Revocation {
  const now = deps.now ?? Date.now;
  let known: PolicySet | undefined;
  let checkedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const arm = (set: PolicySet, at: number) => {
    clearTimeout(timer);
    if (stopped) return;
    const next = nextBoundary(set.agreements, at);
    if (next === undefined) return;
    // +1: a timer may fire in the millisecond before the boundary, when nothing has changed yet.
    timer = setTimeout(check, Math.min(next - at + 1, MAX_TIMER_MS));
    timer.unref();
  };

  function check(): void {
    if (stopped || !known) return;
    const set = deps.policies();
    const at = now();
    const started = performance.now();
    const changes = changesBetween(known, set, checkedAt, at);
    const reloaded = set !== known;
    known = set;
    checkedAt = at;
    // A reload re-evaluates even when no version changed: cheap, and it needs no trust in versions.
    if (changes.length > 0 || reloaded) {
      const effects = reevaluateAll(deps.sessions(), set, at, deps.logger);
      deps.onReevaluated?.((performance.now() - started) / 1_000);
      for (const change of changes) {
        deps.onChange?.(change.agreement, change.change);
        const effect = effects.get(change.agreement);
        deps.logger.info(
          {
            agreement: change.agreement,
            change: change.change,
            from: change.from ?? null,
            to: change.to ?? null,
            streamsEnded: effect?.streamsEnded ?? 0,
            feedsReversioned: effect?.feedsReversioned ?? 0,
          },
          describeChange(change),
        );
      }
    }
    arm(set, at);
  }

  return {
    start() {
      stopped = false;
      known = deps.policies();
      checkedAt = now();
      arm(known, checkedAt);
    },
    changed: check,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

interface Change {
  readonly agreement: string;
  readonly change: AgreementChange;
  /** The version before (undefined when added). */
  readonly from?: number;
  /** The version after (undefined when removed). */
  readonly to?: number;
}

/**
 * What changed from `before` (as of `since`) to `after` (at `at`): agreements added, removed or
 * given a new version, and agreements whose validity began or ended in between.
 */
export function changesBetween(before: PolicySet, after: PolicySet, since: number, at: number): Change[] {
  const changes: Change[] = [];
  const old = new Map(before.agreements.map((agreement) => [agreement.id, agreement]));
  for (const agreement of after.agreements) {
    const previous = old.get(agreement.id);
    old.delete(agreement.id);
    if (!previous) changes.push({ agreement: agreement.id, change: 'added', to: agreement.version });
    else if (previous.version !== agreement.version) {
      changes.push({ agreement: agreement.id, change: 'changed', from: previous.version, to: agreement.version });
    } else {
      const boundary = boundaryPassed(agreement, since, at);
      if (boundary)
        changes.push({ agreement: agreement.id, change: boundary, from: previous.version, to: agreement.version });
    }
  }
  for (const removed of old.values()) changes.push({ agreement: removed.id, change: 'removed', from: removed.version });
  return changes;
}

/** One line for the log: `agreement us-to-mx changed: v1 → v2`, `agreement us-to-mx expired (v1)`. */
function describeChange({ agreement, change, from, to }: Change): string {
  if (change === 'added') return `agreement ${agreement} added: v${to}`;
  if (change === 'removed') return `agreement ${agreement} removed: v${from} → removed`;
  if (change === 'changed') return `agreement ${agreement} changed: v${from} → v${to}`;
  return `agreement ${agreement} ${change} (v${to})`;
}

/** Whether the agreement stopped or started being in force between `since` and `at`. */
function boundaryPassed(agreement: CompiledAgreement, since: number, at: number): 'expired' | 'in-force' | undefined {
  const wasIn = notInForceAt(agreement, since) === undefined;
  const isIn = notInForceAt(agreement, at) === undefined;
  if (wasIn === isIn) return undefined;
  return isIn ? 'in-force' : 'expired';
}

/** Re-evaluates every stream; per agreement, the streams it ended and the feeds it moved. */
function reevaluateAll(
  sessions: Iterable<SubscriptionSession>,
  set: PolicySet,
  at: number,
  logger: Logger,
): Map<string, { streamsEnded: number; feedsReversioned: number }> {
  const effects = new Map<string, { streamsEnded: number; feedsReversioned: number }>();
  const effectOf = (agreement: string) => {
    let effect = effects.get(agreement);
    if (!effect) effects.set(agreement, (effect = { streamsEnded: 0, feedsReversioned: 0 }));
    return effect;
  };
  // A copy: a revoked stream leaves the set as it closes.
  for (const session of [...sessions]) {
    let outcome: Reevaluation;
    try {
      outcome = session.reevaluate(set, at);
    } catch (error) {
      // Fail closed: a stream whose feeds cannot be judged against the new agreements ends, and
      // the others are still re-evaluated.
      logger.error({ err: error, stream: session.streamId }, 'a stream could not be re-evaluated; ending it');
      session.fail(error);
      continue;
    }
    if (outcome.revoked) effectOf(outcome.revoked.agreement.id).streamsEnded++;
    for (const feed of outcome.reversioned) effectOf(feed.agreement.id).feedsReversioned++;
  }
  return effects;
}
