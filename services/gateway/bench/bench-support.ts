// Shared by the gateway benchmark drivers and their child server process: the IPC messages they
// exchange, readers of another process's CPU time and resident memory from /proc, and the
// subscriber's start and acknowledgement messages.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

import type { ServiceDefinition } from '@grpc/grpc-js';
import { PayloadFormat, StartPosition, type Delivery, type SubscribeRequest } from '@puente/proto';

/** Driver → child. `loop` returns the figures since the previous `loop` and starts afresh. */
export type ToChild =
  { readonly type: 'memory'; readonly gc: boolean } | { readonly type: 'loop' } | { readonly type: 'stop' };

/** How long the child's event loop was held up, and by garbage collection, over an interval. */
export interface LoopFigures {
  readonly delayP50Ms: number;
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
  /** Main-thread garbage collection: total pause, number of collections, longest pause. */
  readonly gcMs: number;
  readonly gcCount: number;
  readonly gcLongestMs: number;
}

export interface MemoryFigures {
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly rss: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Child → driver. */
export type FromChild =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'memory'; readonly memory: MemoryFigures }
  | { readonly type: 'loop'; readonly loop: LoopFigures }
  | { readonly type: 'failed'; readonly message: string };

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ); 100 on every Linux we run. */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds the process has used so far. */
export function cpuSecondsOf(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/** User + system CPU seconds in a /proc stat file (a process's or one of its threads'). */
function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * CPU seconds each of a JVM's JIT compiler threads ("C1/C2 CompilerThread…") has used, by
 * thread id: a broker that has just started spends a large share of its CPU compiling. HotSpot
 * ends idle compiler threads, so compare two readings with compilerSecondsSince, thread by thread.
 */
export function compilerSecondsByThread(pid: number): Map<string, number> {
  const seconds = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (!readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').includes('Compiler')) continue;
      seconds.set(task, statCpuSeconds(`/proc/${pid}/task/${task}/stat`));
    } catch {
      // The thread ended while we looked.
    }
  }
  return seconds;
}

/**
 * Compiler CPU seconds since `before`: each live thread's increase (a thread started since
 * counts whole). A thread that ended in between loses its last increase, so this errs low.
 */
export function compilerSecondsSince(pid: number, before: Map<string, number>): number {
  let total = 0;
  for (const [task, seconds] of compilerSecondsByThread(pid)) total += seconds - (before.get(task) ?? 0);
  return total;
}

/** VmRSS and VmHWM (peak RSS) of a process, in bytes. */
export function residentOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 };
}

/** Busy and total jiffies of the whole machine, from /proc/stat's first line. */
export function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

/** A bidirectional stream with raw Buffer messages: the baseline's trivial service. */
const identity = (value: Buffer) => value;
export const BARE_SERVICE: ServiceDefinition = {
  idle: {
    path: '/bench.Bare/Idle',
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'idle',
  },
};

/**
 * The JVM that listens on a local TCP port (the broker, wherever it came from), found through
 * the socket's inode in /proc/net/tcp{,6} and the /proc/<pid>/fd links; undefined when no
 * process here holds it (a remote broker), when the holder is not a JVM (docker-proxy in front
 * of a container) or /proc is not readable.
 */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is hex "ADDR:PORT"; state 0A is LISTEN; field 9 is the inode.
      const local = fields[1];
      if (!local || fields[3] !== '0A') continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && fields[9]) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  // Only a JVM counts as the broker: a Docker port (docker-proxy) or anything else is not it.
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) {
          return readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'java' ? Number(entry) : undefined;
        }
      } catch {
        // The fd closed while we looked.
      }
    }
  }
  return undefined;
}

/** The feed both gateway benchmarks read: US cargo manifests as the US → MX agreement shares them. */
export const BENCH_FEED = 'us-to-mx/us.cargo-manifests.v1';

/** A benchmark subscriber's start: the cargo feed from LATEST, in Avro, with every purpose the agreement serves. */
export function startLatest(
  name: string,
  window: { readonly maxUnacked: number; readonly maxBatchSize: number },
): SubscribeRequest {
  return {
    kind: {
      $case: 'start',
      value: {
        subscription: name,
        feeds: [BENCH_FEED],
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        startPosition: StartPosition.LATEST,
        maxUnacked: window.maxUnacked,
        maxBatchSize: window.maxBatchSize,
        purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
      },
    },
  };
}

/** Acknowledges a batch cumulatively: the last delivery of each partition in it. */
export function ackBatch(deliveries: readonly Delivery[]): SubscribeRequest {
  const last = new Map<string, string>();
  for (const d of deliveries) last.set(`${d.feed}:${d.partition}`, d.cursor);
  return { kind: { $case: 'ack', value: { cursors: [...last.values()] } } };
}
