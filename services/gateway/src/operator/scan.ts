// Bounded reading of a topic for the OperatorService: a short-lived reader over fixed offset
// ranges that stops at the ranges' ends, a per-partition match limit, a record budget or a
// timeout, whichever comes first, and the merge of its matches into one timestamp order.
import type { Bus, ConsumedRecord, Reader } from '@puente/bus';

export interface ScanPlan<M> {
  readonly topic: string;
  /** Per partition: read offsets [from, to). */
  readonly ranges: ReadonlyMap<number, { readonly from: number; readonly to: number }>;
  /** A partition stops once it has this many matches (later ones sort after them). */
  readonly perPartitionLimit: number;
  /** Most records read in all. */
  readonly budget: number;
  readonly timeoutMs: number;
  readonly accept: (record: ConsumedRecord) => M | undefined;
}

export interface PartitionScan<M> {
  /** Next offset not read yet. */
  next: number;
  readonly to: number;
  readonly matches: M[];
  done: boolean;
}

export interface ScanResult<M> {
  readonly partitions: ReadonlyMap<number, PartitionScan<M>>;
  readonly matches: ReadonlyMap<number, readonly M[]>;
  readonly scanned: number;
}

/**
 * Reads the ranges through a short-lived reader until every partition reached its end (as of
 * the request), had enough matches, the budget ran out, or the time did; never waits for new
 * records. Nothing is committed.
 */
export async function scan<M>(bus: Bus, plan: ScanPlan<M>): Promise<ScanResult<M>> {
  const partitions = new Map<number, PartitionScan<M>>();
  for (const [partition, range] of plan.ranges) {
    partitions.set(partition, { next: range.from, to: range.to, matches: [], done: range.from >= range.to });
  }
  const progress = { scanned: 0 };
  const result = (): ScanResult<M> => ({
    partitions,
    matches: new Map([...partitions].map(([p, s]) => [p, s.matches])),
    scanned: progress.scanned,
  });
  const finished = () => progress.scanned >= plan.budget || [...partitions.values()].every((s) => s.done);
  const wanted = [...partitions].filter(([, s]) => !s.done);
  if (wanted.length === 0) return result();

  let stopped = false;
  let failure: Error | undefined;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const timer = setTimeout(() => finish(), plan.timeoutMs);
  let reader: Reader | undefined;
  const opening = bus
    .readFrom({
      topic: plan.topic,
      positions: wanted.map(([partition, s]) => ({ partition, offset: String(s.next) })),
      handler: async (batch) => {
        const state = partitions.get(batch.partition);
        if (stopped || !state || state.done) return;
        readBatch(plan, state, batch.records, progress);
        if (finished()) finish();
      },
    })
    .then(
      (opened) => {
        reader = opened;
      },
      (error: unknown) => {
        failure = error instanceof Error ? error : new Error('opening a reader failed', { cause: error });
        finish();
      },
    );
  await done;
  stopped = true;
  clearTimeout(timer);
  // Stop the reader outside its handler (stopping waits for the handler to return).
  await opening;
  await reader?.stop();
  if (failure !== undefined) throw failure;
  return result();
}

/**
 * Reads one batch of a partition into its state: records before `next` are skipped (a batch may
 * repeat some), and reading stops at the range's end, the plan's budget (counted in `progress`
 * across partitions) or the per-partition match limit.
 */
function readBatch<M>(
  plan: ScanPlan<M>,
  state: PartitionScan<M>,
  records: readonly ConsumedRecord[],
  progress: { scanned: number },
): void {
  for (const record of records) {
    const offset = Number(record.offset);
    if (offset < state.next) continue;
    if (offset >= state.to) {
      state.done = true;
      break;
    }
    if (progress.scanned >= plan.budget) break;
    progress.scanned++;
    state.next = offset + 1;
    const match = plan.accept(record);
    if (match !== undefined) {
      state.matches.push(match);
      if (state.matches.length >= plan.perPartitionLimit) {
        state.done = true;
        break;
      }
    }
  }
  if (state.next >= state.to) state.done = true;
}

/** Offset order within each partition, merged by timestamp across partitions. */
export function mergeByTime<M extends { readonly record: ConsumedRecord }>(
  byPartition: ReadonlyMap<number, readonly M[]>,
): M[] {
  const heads = [...byPartition].map(([partition, list]) => ({ partition, list, at: 0 }));
  const out: M[] = [];
  for (;;) {
    let best: (typeof heads)[number] | undefined;
    for (const head of heads) {
      const candidate = head.list[head.at];
      if (!candidate) continue;
      const current = best?.list[best.at];
      if (
        !current ||
        candidate.record.timestamp < current.record.timestamp ||
        (candidate.record.timestamp === current.record.timestamp && head.partition < (best?.partition ?? 0))
      ) {
        best = head;
      }
    }
    const next = best?.list[best.at];
    if (!best || !next) return out;
    out.push(next);
    best.at++;
  }
}
