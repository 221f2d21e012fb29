// Runs work one piece at a time, in the order it was given: handler batches, sweeps and
// rebalances never interleave. A piece that fails does not stop the pieces after it.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` after everything queued before it; resolves or rejects as `work` does. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
