// Which buffered crossings the trusted-traveller registry is known to be current for. A status the
// registry published before a crossing (a suspension, say) must count when the crossing is assessed.
// Every crossing buffered before a registry catch-up started was published after any status that
// catch-up reads, so it is covered; later ones wait for the next catch-up. Catch-ups ask the broker
// for the registry topic's offsets, so they run at most once per interval, however busy the input.
import type { TrustedTravellerFollower } from './trusted-traveller-follower.js';
import type { PendingCrossing, TravellerJoinBuffer } from './traveller-join-buffer.js';

export interface TravellerRegistryGateOptions {
  readonly registry: Pick<TrustedTravellerFollower, 'catchUp'>;
  readonly buffer: Pick<TravellerJoinBuffer, 'lastSeq'>;
  readonly now: () => number;
  /** Least time between two registry catch-ups. */
  readonly minIntervalMs: number;
}

export class TravellerRegistryGate {
  /** Crossings with a seq up to this one were buffered before the last catch-up that finished started. */
  private currentTo = 0;
  private lastStartedAt: number | undefined;
  private catchUpCount = 0;

  constructor(private readonly options: TravellerRegistryGateOptions) {}

  /** Registry catch-ups started. */
  get catchUps(): number {
    return this.catchUpCount;
  }

  /** Called once the registry was read to its end before any crossing was buffered (at start). */
  caughtUp(): void {
    this.currentTo = this.options.buffer.lastSeq;
  }

  /**
   * The crossings of `ready` the registry is current for, catching it up first when one is not and the
   * interval allows; the others are left for a later call (the sweep comes round every second).
   */
  async admit(ready: readonly PendingCrossing[]): Promise<PendingCrossing[]> {
    const { registry, buffer, now } = this.options;
    if (ready.some((p) => p.seq > this.currentTo) && this.intervalPassed(now())) {
      // Taken before the catch-up asks for the topic's end: a crossing buffered after it may not be covered.
      const mark = buffer.lastSeq;
      this.lastStartedAt = now();
      this.catchUpCount += 1;
      await registry.catchUp();
      this.currentTo = mark;
    }
    return ready.filter((p) => p.seq <= this.currentTo);
  }

  private intervalPassed(at: number): boolean {
    const last = this.lastStartedAt;
    // A clock stepped back counts as the interval passed rather than stalling the gate.
    return last === undefined || at < last || at - last >= this.options.minIntervalMs;
  }
}
