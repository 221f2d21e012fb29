// Durable subscription cursors: the next offset to deliver per (subscription, topic, partition),
// kept in a compacted Kafka topic so any gateway instance resumes where another left off.
// Puente holds no state of its own: restarting reads the topic back. The same single partition
// orders which stream holds each subscription (claim-log.ts): every instance applies cursors and
// claims in log order, so a commit from a stream that lost its subscription moves no cursor.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';

import type { Bus, ConsumedRecord, Reader } from '@puente/bus';
import { SUBSCRIPTION_CURSOR_TOPIC } from '@puente/runtime';

import {
  ClaimLog,
  claimKey,
  decodeClaim,
  encodeClaim,
  STREAM_HEADER,
  subscriptionOfClaimKey,
  type ClaimKind,
} from './claim-log.js';
import { subscriptionSuperseded } from './superseded.js';

/** topic → partition → next offset to deliver (everything before it is acknowledged or withheld). */
export type CursorPositions = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** A stream a newer claim superseded, and the stream that claimed. */
export interface Supersession {
  readonly subscriptionId: string;
  readonly stream: string;
  readonly by: { readonly stream: string; readonly instance: string };
}

/** How a claim went: whether it had to wait, and for whom it stopped waiting at the timeout. */
export interface ClaimOutcome {
  readonly waitedMs: number;
  /** Streams that never released (their instance crashed or hung): taken over at the timeout. */
  readonly abandoned: readonly string[];
}

export interface CursorStore {
  /** This gateway instance's name in claim records. */
  readonly instance: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  get(subscriptionId: string): CursorPositions | undefined;
  /**
   * Durably records new positions of one topic, written with the subscription's other topics'
   * positions (compaction keeps only the last record); resolves once the log has applied it.
   * With `stream`, a commit after another stream took the subscription is ignored and rejects
   * ABORTED (SUBSCRIPTION_SUPERSEDED).
   */
  commit(subscriptionId: string, topic: string, positions: ReadonlyMap<number, number>, stream?: string): Promise<void>;
  /** Resolves once every commit made so far has landed or failed. */
  flush(): Promise<void>;
  all(): ReadonlyMap<string, CursorPositions>;
  /**
   * Makes `stream` the subscription's holder: claims it, waits (at most `timeoutMs`) for the
   * streams claimed before to release, records that it took it, and resolves once this store
   * has read that far (so `get` has every commit the earlier holder made). Rejects ABORTED
   * (SUBSCRIPTION_SUPERSEDED) when a newer claim comes first.
   */
  claim(subscriptionId: string, stream: string, timeoutMs: number): Promise<ClaimOutcome>;
  /** Lets the next claim go ahead at once; best effort (a failure is ignored). */
  release(subscriptionId: string, stream: string): Promise<void>;
  /** Called for each stream a newer claim supersedes, on every instance; returns an unsubscribe. */
  onSuperseded(listener: (supersession: Supersession) => void): () => void;
}

export interface CursorStoreOptions {
  readonly topic?: string;
  readonly instance?: string;
}

/** Tells this instance's records apart when read back (commit outcomes are only kept for them). */
const INSTANCE_HEADER = 'puente-instance';

export function createCursorStore(bus: Bus, options: CursorStoreOptions | string = {}): CursorStore {
  const { topic = SUBSCRIPTION_CURSOR_TOPIC, instance = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}` } =
    typeof options === 'string' ? { topic: options } : options;
  const cursors = new Map<string, CursorPositions>();
  const claims = new ClaimLog();
  let reader: Reader | undefined;
  let position = 0;
  const writing = new Set<Promise<void>>();
  /** Positions this store's streams wrote and the log has not applied yet: the next commit builds on them. */
  const unapplied = new Map<string, { readonly stream: string | undefined; readonly positions: CursorPositions }>();
  /** Whether each of this instance's commits (by offset) was applied, until its commit call takes it. */
  const decided = new Map<number, boolean>();
  const deciding = new Map<number, (applied: boolean) => void>();
  const readers = new Set<{ readonly offset: number; readonly resolve: () => void }>();
  const changes = new Map<string, Set<() => void>>();
  const listeners = new Set<(supersession: Supersession) => void>();

  const readRecord = (record: ConsumedRecord) => {
    if (!record.key || !record.value) return;
    const offset = Number(record.offset);
    const claimed = subscriptionOfClaimKey(record.key);
    if (claimed !== undefined) {
      const claim = decodeClaim(record.value);
      if (!claim) return;
      const { superseded } = claims.apply(claimed, claim, offset);
      for (const old of superseded) {
        const by = { stream: claim.stream, instance: claim.instance };
        for (const listener of listeners) listener({ subscriptionId: claimed, stream: old.stream, by });
      }
      for (const changed of changes.get(claimed) ?? []) changed();
      return;
    }
    const stream = record.headers[STREAM_HEADER]?.toString('utf8');
    const applied = claims.accepts(record.key, stream);
    const positions = applied ? parsePositions(record.value) : undefined;
    if (positions) merge(cursors, record.key, positions);
    if (!applied) heal(record.key);
    if (record.headers[INSTANCE_HEADER]?.toString('utf8') !== instance) return;
    const waiting = deciding.get(offset);
    if (waiting) {
      deciding.delete(offset);
      waiting(applied);
    } else {
      decided.set(offset, applied);
    }
  };

  /** Resolves once the reader has read the record at `offset`. */
  const readPast = (offset: number) =>
    new Promise<void>((resolve) => {
      if (position > offset) resolve();
      else readers.add({ offset, resolve });
    });

  const appliedAt = (offset: number) =>
    new Promise<boolean>((resolve) => {
      const known = decided.get(offset);
      if (known === undefined) {
        deciding.set(offset, resolve);
        return;
      }
      decided.delete(offset);
      resolve(known);
    });

  const track = <T>(work: Promise<T>): Promise<T> => {
    const tracked = work.then(
      () => undefined,
      () => undefined,
    );
    writing.add(tracked);
    void tracked.finally(() => writing.delete(tracked));
    return work;
  };

  const writeClaim = async (id: string, kind: ClaimKind, stream: string, held = false): Promise<number> => {
    const value = encodeClaim({ kind, stream, instance, ...(held ? { held } : {}) });
    const [result] = await bus.publish(topic, [{ key: claimKey(id), value }]);
    return Number(result?.offset ?? position);
  };

  /**
   * A commit was fenced, yet it is now the subscription's last cursor record: compaction would
   * keep it and drop the accepted ones before it. The holder's instance writes the accepted
   * positions again, under the holder's stream, so the last record is one that counts.
   */
  const heal = (id: string) => {
    const holder = claims.holder(id);
    const positions = cursors.get(id);
    if (!holder || holder.instance !== instance || !positions) return;
    // No instance header: nobody awaits its outcome.
    const headers = { [STREAM_HEADER]: holder.stream };
    void track(bus.publish(topic, [{ key: id, value: Buffer.from(JSON.stringify(positions)), headers }])).catch(
      () => undefined, // the next fenced commit, or the holder's next commit, writes them again
    );
  };

  /** Resolves on the next claim record of `id`, or after `ms`. */
  const nextChange = (id: string, ms: number) =>
    new Promise<void>((resolve) => {
      const set = changes.get(id) ?? new Set();
      changes.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) changes.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });

  return {
    instance,
    async start() {
      await bus.admin.ensureTopics([{ topic, partitions: 1, cleanupPolicy: 'compact', retentionMs: -1 }]);
      const info = (await bus.admin.listTopics()).find((t) => t.topic === topic);
      const high = Number(info?.partitions[0]?.high ?? '0');
      position = Number(info?.partitions[0]?.low ?? '0');
      let loaded: () => void = () => undefined;
      const caughtUp = new Promise<void>((resolve) => {
        loaded = resolve;
      });
      if (position >= high) loaded();
      // Keeps reading after start-up, so cursors and claims written by other gateway instances arrive too.
      reader = await bus.readFrom({
        topic,
        positions: [{ partition: 0, offset: String(position) }],
        handler: async (batch) => {
          for (const record of batch.records) {
            readRecord(record);
            position = Number(record.offset) + 1;
          }
          for (const waiter of readers) {
            if (waiter.offset >= position) continue;
            readers.delete(waiter);
            waiter.resolve();
          }
          if (position >= high) loaded();
        },
      });
      await caughtUp;
    },
    async stop() {
      await reader?.stop();
    },
    get: (id) => cursors.get(id),
    all: () => cursors,
    commit(id, t, positions, stream) {
      const update: Record<string, string> = {};
      for (const [partition, offset] of positions) update[String(partition)] = String(offset);
      // The subscription's every topic goes into each record: compaction keeps only the last one.
      const pending = unapplied.get(id);
      const base = pending && pending.stream === stream ? pending.positions : (cursors.get(id) ?? {});
      const whole: CursorPositions = { ...base, [t]: { ...(base[t] ?? {}), ...update } };
      const entry = { stream, positions: whole };
      unapplied.set(id, entry);
      const headers: Record<string, string> = { [INSTANCE_HEADER]: instance };
      if (stream !== undefined) headers[STREAM_HEADER] = stream;
      const written = bus
        .publish(topic, [{ key: id, value: Buffer.from(JSON.stringify(whole)), headers }])
        .then(([result]) => appliedAt(Number(result?.offset)))
        .finally(() => {
          if (unapplied.get(id) === entry) unapplied.delete(id);
        })
        .then((applied) => {
          if (!applied) throw subscriptionSuperseded(id, 'its commit came after another stream took it');
        });
      return track(written);
    },
    async flush() {
      await Promise.all([...writing]);
    },
    async claim(id, stream, timeoutMs) {
      const started = Date.now();
      await readPast(await track(writeClaim(id, 'claim', stream)));
      let abandoned: readonly string[] = [];
      for (;;) {
        const standing = claims.standing(id, stream);
        if (standing.state === 'superseded') {
          await this.release(id, stream);
          throw subscriptionSuperseded(id, 'a newer stream claimed it while this one was starting');
        }
        if (standing.state === 'clear') break;
        const left = started + timeoutMs - Date.now();
        if (left <= 0) {
          abandoned = standing.on;
          break;
        }
        await nextChange(id, left);
      }
      await readPast(await track(writeClaim(id, 'took', stream)));
      return { waitedMs: Date.now() - started, abandoned };
    },
    async release(id, stream) {
      if (unapplied.get(id)?.stream === stream) unapplied.delete(id);
      const held = claims.holder(id)?.stream === stream;
      await track(writeClaim(id, 'release', stream, held)).catch(() => undefined);
    },
    onSuperseded(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Merges one record's positions into the subscription's (older records may name fewer topics). */
function merge(cursors: Map<string, CursorPositions>, id: string, update: CursorPositions): void {
  const current = cursors.get(id) ?? {};
  const merged: Record<string, Record<string, string>> = {};
  for (const [t, partitions] of Object.entries(current)) merged[t] = { ...partitions };
  for (const [t, partitions] of Object.entries(update)) merged[t] = { ...(merged[t] ?? {}), ...partitions };
  cursors.set(id, merged);
}

/** A commit's positions, or undefined for a value that is not (skipped rather than stop the reader). */
function parsePositions(value: Buffer): CursorPositions | undefined {
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as CursorPositions) : undefined;
  } catch {
    return undefined;
  }
}
