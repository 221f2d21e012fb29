// The gateway's turns at preparing deliveries: every subscription's pump goes through one
// scheduler that lets at most a budget of records (or a time slice) be collected per turn of the
// event loop across all subscriptions, round-robin, then yields. With one pump loop per session,
// 64 caught-up partners took 64 batches per turn and held the loop for seconds while publishes
// timed out (issue 19); now many partners slow only their own deliveries.

/** A subscription that prepares deliveries when given a turn. */
export interface TurnTaker {
  /**
   * Takes one batch of at most `max` records (set aside ones included) and returns how many it
   * took; 0 when it has nothing to take now (it asks again when that changes).
   */
  takeTurn(max: number): number;
}

export interface DeliveryTurnsOptions {
  /** Most records collected per turn of the event loop, across every subscription. */
  readonly recordsPerTurn: number;
  /** Longest a turn goes on taking batches, in ms (it ends after the batch that passes it). */
  readonly sliceMs: number;
  /** Runs the next turn after pending I/O (setImmediate). */
  readonly defer?: (run: () => void) => void;
  readonly now?: () => number;
  /** Told each turn's record count (tests, and a place for a histogram). */
  readonly onTurn?: (records: number) => void;
}

export interface DeliveryTurns {
  /** `taker` has records to take: it gets turns while it takes some. */
  request(taker: TurnTaker): void;
  /** `taker` closed: no more turns. */
  cancel(taker: TurnTaker): void;
}

export function createDeliveryTurns(options: DeliveryTurnsOptions): DeliveryTurns {
  const defer = options.defer ?? ((run: () => void) => void setImmediate(run));
  const now = options.now ?? (() => performance.now());
  const recordsPerTurn = Math.max(1, options.recordsPerTurn);
  // Insertion-ordered: the first is the next to go; one that took records goes to the back.
  const ready = new Set<TurnTaker>();
  let scheduled = false;

  const schedule = () => {
    if (scheduled || ready.size === 0) return;
    scheduled = true;
    defer(turn);
  };

  function turn(): void {
    scheduled = false;
    const started = now();
    let left = recordsPerTurn;
    // Every taker may find nothing (and ask again at once): visits are bounded all the same.
    let visits = ready.size * 2 + recordsPerTurn;
    try {
      while (left > 0 && visits-- > 0) {
        const taker = ready.values().next().value;
        if (!taker) break;
        ready.delete(taker);
        const took = taker.takeTurn(left);
        if (took > 0) {
          left -= took;
          ready.add(taker);
        }
        if (now() - started >= options.sliceMs) break;
      }
    } finally {
      options.onTurn?.(recordsPerTurn - left);
      schedule();
    }
  }

  return {
    request(taker) {
      ready.add(taker);
      schedule();
    },
    cancel(taker) {
      ready.delete(taker);
    },
  };
}
