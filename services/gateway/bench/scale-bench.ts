// `pnpm bench:scale`: what a fan-out costs the gateway. The same published load (E cargo
// manifests from US/CBP over a few PublishStreams at full speed) is read by K = 0, 1, 4, 16, 64,
// 256 caught-up MX/ANAM subscribers on one feed of one gateway process, then by 64 subscribers
// split over two gateway processes on the same broker. Per scenario it prints deliveries/s,
// gateway CPU per delivery and per published event, RSS, publish p99 and refusals, then the cost
// of each extra subscriber against the first (K = 1 as the baseline, same run). A benchmark, not
// a test: a missed aim is printed, never an exit code. Gateways are child processes
// (bench-server.ts) read from /proc; the broker is acquired as the test suite does.
import { availableParallelism, loadavg } from 'node:os';
import { randomBytes } from 'node:crypto';

import type { ShareServiceClient } from '@puente/proto';

// Not a dependency of the gateway package: the test suite's broker helper, by path.
import { acquireTestKafka, type TestKafka } from '../../../deploy/kafka-local/src/index.js';
import { cpuSecondsOf, machineJiffies, percentile, residentOf, type LoopFigures } from './bench-support.js';
import { killBenchChildren, startBenchChild, type BenchChild } from './bench-child.js';
import {
  FEED,
  makeEvents,
  newClient,
  newPublishFigures,
  publishAll,
  subscribe,
  type PublishFigures,
  type ScaleSubscriber,
} from './scale-clients.js';
import { envCount, envInt, envIntList, fmt, mib, sleep, withTimeout } from './bench-helpers.js';

const EVENTS = envInt('BENCH_SCALE_EVENTS', 5_000);
const KS = envIntList('BENCH_SCALE_KS', [0, 1, 4, 16, 64, 256]);
/** Subscribers of the two-gateway scenario, split evenly; 0 leaves the scenario out. */
const TWO_GATEWAYS_K = envCount('BENCH_SCALE_TWO_GATEWAYS_K', 64);
const WARMUP_EVENTS = envInt('BENCH_SCALE_WARMUP_EVENTS', 5_000);
const PIPES = envInt('BENCH_SCALE_PIPES', 4);
const BATCH = envInt('BENCH_SCALE_BATCH', 200);
const IN_FLIGHT = envInt('BENCH_SCALE_IN_FLIGHT', 2);
const MAX_UNACKED = envInt('BENCH_SCALE_MAX_UNACKED', 5_000);
const MAX_BATCH = envInt('BENCH_SCALE_MAX_BATCH', 250);
/** Subscriber streams per HTTP/2 connection of the driver. */
const STREAMS_PER_CHANNEL = envInt('BENCH_SCALE_STREAMS_PER_CHANNEL', 32);
const SCENARIO_TIMEOUT_MS = envInt('BENCH_SCALE_SCENARIO_TIMEOUT_S', 180) * 1000;
/** Scenarios that would start after this much of the run are skipped (and reported). */
const BUDGET_MS = envInt('BENCH_SCALE_BUDGET_S', 540) * 1000;
const SETTLE_MS = envInt('BENCH_SCALE_SETTLE_MS', 5_000);
/** After every accepted event arrived: how long without a delivery ends the wait for the rest. */
const QUIET_MS = envInt('BENCH_SCALE_QUIET_MS', 3_000);
// Past the budget a started scenario still runs to its timeout, then the gateways stop.
const WATCHDOG_MS = BUDGET_MS + SCENARIO_TIMEOUT_MS + 120_000;
const AIMS = { extraSubscriberShare: 0.15, refusalsAtMax: 0, rssRatio: 2 } as const;

const CORES = availableParallelism();
const run = randomBytes(3).toString('hex');
const log = (line: string) => console.log(line);
const startedAt = performance.now();
const elapsed = () => `${fmt((performance.now() - startedAt) / 1000)} s`;
/** Other work on the machine moves every figure here: say how busy it was. */
const load = () =>
  `load average ${loadavg()
    .map((l) => fmt(l, 1))
    .join(' ')}`;

// ---------------------------------------------------------------------------------------------
// CPU and RSS of all gateway processes, summed, sampled from /proc while a scenario runs.

interface ResourceFigures {
  readonly cpuSeconds: number;
  readonly rssPeak: number;
  /** The driver (load generator and its clients) and the whole machine, % of one core / of all. */
  readonly driverCpu: number;
  readonly machineBusy: number;
}

function sampleResources(pids: readonly number[]): { stop(): ResourceFigures } {
  const started = performance.now();
  const cpu = () => pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
  const rss = () => pids.reduce((sum, pid) => sum + residentOf(pid).rss, 0);
  const cpu0 = cpu();
  const driver0 = process.cpuUsage();
  const machine0 = machineJiffies();
  let rssPeak = rss();
  const timer = setInterval(() => {
    try {
      rssPeak = Math.max(rssPeak, rss());
    } catch {
      // A gateway exited; the scenario fails on its own.
    }
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      const driver = process.cpuUsage(driver0);
      const machine = machineJiffies();
      return {
        cpuSeconds: cpu() - cpu0,
        rssPeak: Math.max(rssPeak, rss()),
        driverCpu: ((driver.user + driver.system) / 1e6 / seconds) * 100,
        machineBusy: ((machine.busy - machine0.busy) / (machine.total - machine0.total)) * 100,
      };
    },
  };
}

const rssOf = (gateways: readonly BenchChild[]) => gateways.reduce((sum, g) => sum + residentOf(g.pid).rss, 0);

/** RSS of the gateways after a settle period and full collections in each. */
async function settledRss(gateways: readonly BenchChild[]): Promise<number> {
  await sleep(SETTLE_MS);
  // A gateway too busy to answer still has an RSS: read it without the collections.
  await Promise.all(gateways.map((g) => g.memory(true))).catch(() => undefined);
  return rssOf(gateways);
}

/**
 * Events refused with PUBLISH_OUTCOME_UNKNOWN may have been written (the gateway's wait for
 * Kafka timed out, not the write): wait for them until every subscriber has them all, or until
 * no subscriber received any for QUIET_MS.
 */
async function quiet(subscribers: readonly ScaleSubscriber[], maybeWritten: Uint8Array): Promise<void> {
  const total = () => subscribers.reduce((n, s) => n + s.received, 0);
  let last = total();
  let lastChange = performance.now();
  while (performance.now() - lastChange < QUIET_MS) {
    if (subscribers.every((s) => s.missingOf(maybeWritten) === 0)) return;
    await sleep(250);
    const now = total();
    if (now !== last) {
      last = now;
      lastChange = performance.now();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One scenario: K subscribers over the gateways, E events published over PIPES streams.

interface ScenarioFigures {
  readonly label: string;
  readonly k: number;
  readonly gateways: number;
  /** undefined when it ran to the end; else what stopped it. */
  readonly problem: string | undefined;
  readonly received: number;
  /** Events accepted by the gateway (written): what every subscriber must receive. */
  readonly written: number;
  /** Every subscriber received every written event (true for K = 0). */
  readonly allWrittenReceived: boolean;
  /** Every subscriber received every published event, refused ones included (true for K = 0). */
  readonly allReceived: boolean;
  readonly fewestReceived: number;
  readonly strays: number;
  /** From the first publish to the last delivery (to the last publish answer for K = 0). */
  readonly seconds: number;
  readonly publishSeconds: number;
  readonly resources: ResourceFigures;
  readonly rssBefore: number;
  readonly rssAfter: number;
  readonly publish: PublishFigures;
  readonly publishP99Ms: number;
  readonly loop: readonly LoopFigures[];
}

async function runScenario(
  label: string,
  k: number,
  gateways: readonly BenchChild[],
  eventCount = EVENTS,
): Promise<ScenarioFigures> {
  const rssBefore = rssOf(gateways);
  // Subscription names are lower-case letters, digits and dashes.
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const clients = new Map<string, ShareServiceClient>();
  const clientFor = (g: number, channel: string) => {
    const key = `${g}/${channel}`;
    let client = clients.get(key);
    if (!client) {
      client = newClient(gateways[g]!.port, `${run}-${slug}-${key}`);
      clients.set(key, client);
    }
    return client;
  };
  const subscribers: ScaleSubscriber[] = [];
  const publish = newPublishFigures(eventCount);
  let problem: string | undefined;
  let publishedAt = 0;
  const events = makeEvents(eventCount, run);
  try {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) {
      const g = i % gateways.length;
      const channel = `sub-${Math.floor(i / gateways.length / STREAMS_PER_CHANNEL)}`;
      subscribers.push(
        subscribe(clientFor(g, channel), `scale-${run}-${slug}-${i}`, {
          maxUnacked: MAX_UNACKED,
          maxBatchSize: MAX_BATCH,
        }),
      );
    }
    await withTimeout(
      Promise.all(subscribers.map((s) => s.caughtUp)),
      Math.min(120_000, SCENARIO_TIMEOUT_MS),
      `${k} subscribers to catch up`,
    );
    if (k > 0) log(`    ${k} subscriber(s) caught up in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    await Promise.all(gateways.map((g) => g.loop()));
    for (const s of subscribers) s.expect(events);
    const failed = Promise.race(subscribers.map((s) => s.failed));
    const sampler = sampleResources(gateways.map((g) => g.pid));
    const publishClients = gateways.map((_, g) => clientFor(g, 'publishers'));
    const firstPublish = performance.now();
    const publishing = publishAll(publishClients, events, { pipes: PIPES, batch: BATCH, inFlight: IN_FLIGHT }, publish);
    publishing.catch(() => undefined);
    const work = (async () => {
      await Promise.race([publishing, failed]);
      publishedAt = performance.now();
      await Promise.race([Promise.all(subscribers.map((s) => s.whenReceived(publish.written))), failed]);
      await Promise.race([quiet(subscribers, publish.maybeWritten), failed]);
    })();
    work.catch(() => undefined);
    try {
      await withTimeout(work, SCENARIO_TIMEOUT_MS, `${fmt(k * eventCount)} deliveries`);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
      publish.stopped = true;
    }
    const resources = sampler.stop();
    const loop = await Promise.all(gateways.map((g) => g.loop())).catch(() => [] as LoopFigures[]);
    const lastAt = Math.max(0, ...subscribers.map((s) => s.lastAt));
    const counts = subscribers.map((s) => s.received);
    const missingWritten = subscribers.map((s) => s.missingOf(publish.written));
    const received = counts.reduce((a, b) => a + b, 0);
    const strays = subscribers.reduce((n, s) => n + s.strays, 0);
    const publishP99Ms = percentile(
      [...publish.latenciesMs].sort((a, b) => a - b),
      99,
    );
    await Promise.allSettled(subscribers.map((s) => s.end()));
    subscribers.length = 0;
    // A stopped publisher finishes its batches in flight, then ends its streams.
    await withTimeout(publishing, 15_000, 'publishers to stop').catch(() => undefined);
    const endAt = k > 0 ? lastAt : publishedAt;
    for (const client of clients.values()) client.close();
    clients.clear();
    const rssAfter = await settledRss(gateways);
    return {
      label,
      k,
      gateways: gateways.length,
      problem,
      received,
      written: publish.written.reduce((a, b) => a + b, 0),
      allWrittenReceived: missingWritten.every((n) => n === 0),
      allReceived: received === k * eventCount,
      fewestReceived: k > 0 ? Math.min(...counts) : eventCount,
      strays,
      // NaN when nothing arrived, or publishing never finished.
      seconds: endAt > 0 ? (endAt - firstPublish) / 1000 : NaN,
      publishSeconds: publishedAt > 0 ? (publishedAt - firstPublish) / 1000 : NaN,
      resources,
      rssBefore,
      rssAfter,
      publish,
      publishP99Ms,
      loop,
    };
  } finally {
    publish.stopped = true;
    await Promise.allSettled(subscribers.map((s) => s.end()));
    for (const client of clients.values()) client.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Printing.

type Outcome =
  ScenarioFigures | { readonly label: string; readonly k: number; readonly gateways: number; readonly skipped: string };

const isRun = (o: Outcome): o is ScenarioFigures => 'resources' in o;
const micros = (seconds: number, n: number) => (n > 0 ? (seconds * 1e6) / n : NaN);
const refusalCount = (f: ScenarioFigures) => [...f.publish.refusals.values()].reduce((a, b) => a + b, 0);

function printScenario(f: ScenarioFigures): void {
  const deliveries = f.k * EVENTS;
  const loopMax = Math.max(...f.loop.map((l) => l.delayMaxMs));
  const gcMs = f.loop.reduce((n, l) => n + l.gcMs, 0);
  log(
    `    ${f.k > 0 ? `${fmt(f.received)} of ${fmt(deliveries)} deliveries in ${fmt(f.seconds, 2)} s = ${fmt(f.received / f.seconds)} deliveries/s; ` : ''}` +
      `all ${fmt(EVENTS)} publishes answered after ${fmt(f.publishSeconds, 2)} s (p99 ${fmt(f.publishP99Ms)} ms)`,
  );
  log(
    `    gateway CPU ${fmt(f.resources.cpuSeconds, 2)} s = ${fmt(micros(f.resources.cpuSeconds, f.received), 1)} µs/delivery, ` +
      `${fmt(micros(f.resources.cpuSeconds, EVENTS), 1)} µs/published event; RSS before ${mib(f.rssBefore)}, ` +
      `peak ${mib(f.resources.rssPeak)}, after (settled, GC) ${mib(f.rssAfter)}`,
  );
  log(
    `    gateway event loop held up at most ${fmt(loopMax)} ms, GC ${fmt(gcMs)} ms; driver ${fmt(f.resources.driverCpu)} % of a core, ` +
      `machine ${fmt(f.resources.machineBusy)} % of ${CORES} cores busy` +
      (f.strays > 0 ? `; ${fmt(f.strays)} deliveries of other records or repeats` : ''),
  );
  for (const [key, n] of f.publish.refusals) log(`    refused: ${fmt(n)} × ${key}`);
  if (f.publish.duplicates > 0) log(`    note: ${fmt(f.publish.duplicates)} publishes answered as duplicates`);
  if (f.k > 0 && !f.allReceived) {
    log(
      `    ${f.allWrittenReceived ? 'every subscriber received every written event' : 'NOT every subscriber received every written event'}` +
        ` (${fmt(f.written)} of ${fmt(EVENTS)} accepted); the fewest received ${fmt(f.fewestReceived)}`,
    );
  }
  if (f.problem) log(`    STOPPED: ${f.problem}`);
}

function printTable(outcomes: readonly Outcome[]): void {
  const header = [
    'scenario',
    'deliveries/s',
    'CPU µs/deliv',
    'CPU µs/event',
    'RSS peak',
    'RSS after',
    'pub p99',
    'refused',
    'all received',
  ];
  // One gateway by K, then several.
  const ordered = [...outcomes].sort((a, b) => a.gateways - b.gateways || a.k - b.k);
  const rows = ordered.map((o) => {
    if (!isRun(o)) return [o.label, `skipped: ${o.skipped}`, '', '', '', '', '', '', ''];
    return [
      o.label + (o.problem ? ' (stopped)' : ''),
      o.k > 0 ? fmt(o.received / o.seconds) : '—',
      o.k > 0 ? fmt(micros(o.resources.cpuSeconds, o.received), 1) : '—',
      fmt(micros(o.resources.cpuSeconds, EVENTS), 1),
      mib(o.resources.rssPeak),
      mib(o.rssAfter),
      `${fmt(o.publishP99Ms)} ms`,
      fmt(refusalCount(o)),
      o.k === 0
        ? '—'
        : o.allReceived
          ? 'yes'
          : `no: fewest ${fmt(o.fewestReceived)}, ${o.allWrittenReceived ? 'all' : 'NOT all'} ${fmt(o.written)} accepted`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) log(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`);
}

function printSummary(outcomes: readonly Outcome[]): void {
  const single = outcomes.filter(isRun).filter((o) => o.gateways === 1 && !o.problem);
  const at = (k: number) => single.find((o) => o.k === k);
  const zero = at(0);
  const one = at(1);
  const verdict = (met: boolean) => (met ? 'met' : 'missed');
  const rows: [string, string, string, string][] = [];
  if (zero && one) {
    const first = one.resources.cpuSeconds - zero.resources.cpuSeconds;
    rows.push([
      "first subscriber's CPU: CPU(1) − CPU(0)",
      `${fmt(first, 2)} s (${fmt(micros(first, EVENTS), 1)} µs/delivery)`,
      '—',
      'info',
    ]);
    for (const o of single.filter((s) => s.k > 1)) {
      const extra = (o.resources.cpuSeconds - one.resources.cpuSeconds) / (o.k - 1);
      const share = extra / first;
      // With events refused, fewer deliveries were made than at K = 1: the CPU is not comparable.
      const comparable = o.allReceived && one.allReceived;
      rows.push([
        `CPU per extra subscriber at K = ${o.k}`,
        `${fmt(share * 100)} % of the first (${fmt(micros(extra, EVENTS), 1)} µs/delivery)` +
          (comparable ? '' : `; not comparable: a subscriber received only ${fmt(o.fewestReceived)} events`),
        `≤ ${fmt(AIMS.extraSubscriberShare * 100)} %`,
        comparable ? verdict(share <= AIMS.extraSubscriberShare) : 'n/a',
      ]);
    }
  } else {
    rows.push(['CPU per extra subscriber', 'needs K = 0 and K = 1 run to the end', '≤ 15 %', 'n/a']);
  }
  // The largest K that ran on one gateway, to the end or not (a stopped one's peak and refusals
  // are lower bounds).
  const biggest = outcomes
    .filter(isRun)
    .filter((o) => o.gateways === 1)
    .sort((a, b) => b.k - a.k)[0];
  const stopped = biggest?.problem ? ' (scenario stopped)' : '';
  if (biggest) {
    rows.push([
      `refused publishes at K = ${biggest.k}`,
      fmt(refusalCount(biggest)) + stopped,
      `${AIMS.refusalsAtMax}`,
      verdict(refusalCount(biggest) === AIMS.refusalsAtMax && !biggest.problem),
    ]);
  }
  if (biggest && one && biggest.k > 1) {
    const ratio = biggest.resources.rssPeak / one.resources.rssPeak;
    rows.push([
      `RSS peak at K = ${biggest.k} / at K = 1`,
      `${fmt(ratio, 2)}× (${mib(biggest.resources.rssPeak)} / ${mib(one.resources.rssPeak)})${stopped}`,
      `≤ ${AIMS.rssRatio}×`,
      verdict(ratio <= AIMS.rssRatio),
    ]);
  }
  const two = outcomes.filter(isRun).find((o) => o.gateways === 2);
  const same = two && single.find((o) => o.k === two.k);
  if (two && same) {
    rows.push([
      `2 gateways vs 1 at K = ${two.k}: deliveries/s`,
      `${fmt(two.received / two.seconds)} vs ${fmt(same.received / same.seconds)}`,
      '—',
      'info',
    ]);
    rows.push([
      `2 gateways vs 1 at K = ${two.k}: CPU µs/delivery`,
      `${fmt(micros(two.resources.cpuSeconds, two.received), 1)} vs ${fmt(micros(same.resources.cpuSeconds, same.received), 1)}`,
      '—',
      'info',
    ]);
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(6, ...rows.map((r) => r[i]!.length)));
  for (const row of [['figure', 'measured', 'aim', 'result'] as const, ...rows]) {
    log(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function scenario(outcomes: Outcome[], label: string, k: number, gateways: readonly BenchChild[]): Promise<void> {
  if (performance.now() - startedAt > BUDGET_MS) {
    log(`\n${label}: skipped, the run is past its ${fmt(BUDGET_MS / 1000)} s budget`);
    outcomes.push({ label, k, gateways: gateways.length, skipped: 'time budget' });
    return;
  }
  log(
    `\n${label}: ${k} subscriber(s) on ${gateways.length} gateway(s), ${fmt(EVENTS)} events (at ${elapsed()}, ${load()})`,
  );
  try {
    const figures = await runScenario(label, k, gateways);
    printScenario(figures);
    outcomes.push(figures);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`    FAILED: ${message}`);
    outcomes.push({ label, k, gateways: gateways.length, skipped: 'failed (see above)' });
  }
}

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`bench:scale: still running after ${fmt(WATCHDOG_MS / 60_000)} min; giving up`);
    killBenchChildren();
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();

  log(
    `Puente fan-out benchmark (run ${run}) — Node ${process.version}, ${CORES} cores; ${fmt(EVENTS)} events per scenario, ` +
      `K = ${KS.join(', ')} on one gateway` +
      (TWO_GATEWAYS_K > 0 ? `, then K = ${TWO_GATEWAYS_K} on two` : ''),
  );
  log(
    `  publishers: US/CBP, ${PIPES} PublishStreams, batches of ${BATCH}, ${IN_FLIGHT} in flight each; ` +
      `subscribers: MX/ANAM (one caller; bench-server.ts raises maxStreamsPerCaller to 10,000), feed ${FEED}, ` +
      `LATEST, max_unacked ${MAX_UNACKED}, max_batch_size ${MAX_BATCH}, ack every batch, ${STREAMS_PER_CHANNEL} streams per connection`,
  );
  let kafka: TestKafka | undefined;
  const gateways: BenchChild[] = [];
  const outcomes: Outcome[] = [];
  try {
    kafka = await acquireTestKafka();
    log(`  broker: ${kafka.describe} (at ${elapsed()})`);
    gateways.push(await startBenchChild('gateway', kafka.brokers));
    const first = gateways[0]!;
    log(`  gateway: child process ${first.pid} on 127.0.0.1:${first.port} (at ${elapsed()})`);

    log(`\nwarm-up: 1 subscriber, ${fmt(WARMUP_EVENTS)} events, not counted`);
    await runScenario('warm-up', 1, [first], WARMUP_EVENTS).then(
      (f) => log(`    ${fmt(f.received / f.seconds)} deliveries/s${f.problem ? `; ${f.problem}` : ''}`),
      (error: unknown) => log(`    warm-up failed: ${String(error)}`),
    );

    // The two-gateway scenario runs before the larger single-gateway ones (K = 256 is the one
    // most likely to take long), so a run that meets its budget still has it.
    for (const k of KS.filter((k) => TWO_GATEWAYS_K === 0 || k <= TWO_GATEWAYS_K)) {
      await scenario(outcomes, `K=${k}`, k, [first]);
    }
    if (TWO_GATEWAYS_K > 0) {
      const label = `2 gateways K=${TWO_GATEWAYS_K}`;
      if (performance.now() - startedAt > BUDGET_MS) {
        log(`\n${label}: skipped, the run is past its ${fmt(BUDGET_MS / 1000)} s budget`);
        outcomes.push({ label, k: TWO_GATEWAYS_K, gateways: 2, skipped: 'time budget' });
      } else {
        const second = await startBenchChild('gateway', kafka.brokers);
        gateways.push(second);
        log(`\n  second gateway: child process ${second.pid} on 127.0.0.1:${second.port} (at ${elapsed()})`);
        await runScenario('warm-up-2', 1, [second], WARMUP_EVENTS).catch((error: unknown) =>
          log(`    second gateway warm-up failed: ${String(error)}`),
        );
        await scenario(outcomes, label, TWO_GATEWAYS_K, [first, second]);
        // Not idle beside the larger single-gateway scenarios.
        await second.stop();
        gateways.pop();
      }
    }
    for (const k of KS.filter((k) => TWO_GATEWAYS_K > 0 && k > TWO_GATEWAYS_K)) {
      await scenario(outcomes, `K=${k}`, k, [first]);
    }

    log(`\nScenarios (CPU and RSS of all gateway processes summed; run took ${elapsed()}; ${load()})`);
    printTable(outcomes);
    log('\nAgainst K = 1 (same run)');
    printSummary(outcomes);
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await kafka?.stop();
    clearTimeout(watchdog);
  }
}

main().catch((error: unknown) => {
  console.error('bench:scale failed:', error);
  killBenchChildren();
  process.exitCode = 1;
});
