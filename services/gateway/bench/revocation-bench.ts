// `pnpm bench:revocation`: how long an agreement file edit takes to end a live Subscribe stream.
// A real broker (acquired as the test suite does), a real gateway on KafkaBus serving a temporary
// folder of agreements with hot reload, and a live MX subscription while events are published.
// Each try restores the agreement (fresh version), opens a stream, then edits the file — the feed
// removed or the recipient agency removed, alternately — and times the write to the stream's
// PERMISSION_DENIED. Side by side, the floor any file-driven reload has: the same kind of write
// to a bare `fs.watch` callback in this process. A benchmark, not a test: it prints figures.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorReasonOf,
  fromRpcStatus,
  PayloadFormat,
  rpcStatusFromError,
  StartPosition,
  type SubscribeResponse,
} from '@puente/proto';
import { KafkaBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { installKafkajsHooks } from '@puente/kafka-client';

import { acquireTestKafka, type TestKafka } from '../../../deploy/kafka-local/src/index.js';
import { readDevTokens } from '../src/dev/dev-tokens.js';
import {
  devAgreementText,
  startTestGateway,
  type TestGateway,
  withoutAgency,
  withoutTopic,
  withVersion,
} from '../src/testing/index.js';

const TRIES = 20;
const TOPIC = 'us.investigations.v1';
const FEED = `us-to-mx/${TOPIC}`;
const FILE = 'us-to-mx.yaml';
const root = fileURLToPath(new URL('../../../', import.meta.url));
const codec = createCodec();
const tokens = readDevTokens();
const US_TO_MX = devAgreementText(FILE);
const example = codec.fromFriendlyJson(
  TOPIC,
  (
    JSON.parse(readFileSync(`${root}schemas/examples/investigations/us-hsi-case-opened.json`, 'utf8')) as {
      value: unknown;
    }
  ).value,
);
const EDITS = [
  { name: 'feed removed', edit: (text: string) => withoutTopic(text, TOPIC) },
  { name: 'agency removed', edit: (text: string) => withoutAgency(text, 'ANAM') },
] as const;

const log = (line: string) => console.log(line);
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** As an editor saves: a whole new file renamed over the old one. */
function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** A live MX/ANAM stream on the feed: resolves `ended` with its status, and counts deliveries. */
function subscribe(gateway: TestGateway) {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tokens.get('dev-mx-anam-subscriber') ?? ''}`);
  const call = gateway.client.subscribe(metadata);
  let delivered = 0;
  const ended = new Promise<{ error: ServiceError; at: number }>((resolve) =>
    call.on('error', (error: ServiceError) => resolve({ error, at: performance.now() })),
  );
  call.on('data', (message: SubscribeResponse) => {
    if (message.kind?.$case !== 'deliveries') return;
    delivered += message.kind.value.deliveries.length;
    call.write({ kind: { $case: 'ack', value: { cursors: message.kind.value.deliveries.map((d) => d.cursor) } } });
  });
  call.write({
    kind: {
      $case: 'start',
      value: {
        subscription: `revocation-bench-${randomUUID().slice(0, 8)}`,
        feeds: [FEED],
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        startPosition: StartPosition.LATEST,
        maxUnacked: 500,
        maxBatchSize: 50,
        purposes: ['CRIMINAL_INVESTIGATION', 'BORDER_SECURITY'],
      },
    },
  });
  return { call, ended, delivered: () => delivered };
}

/** Publishes an investigation every 20 ms, so the stream is delivering when the file changes. */
function keepPublishing(bus: KafkaBus) {
  let running = true;
  const loop = (async () => {
    while (running) {
      const eventId = randomUUID();
      const value = { ...example, caseId: `BENCH-${eventId.slice(0, 8)}`, meta: { ...example.meta, eventId } };
      await bus.publish(TOPIC, [{ key: value.caseId, value: codec.encode(TOPIC, value) }]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** The time from a write like the bench's to a bare fs.watch callback on the folder. */
async function watchFloor(dir: string, text: string): Promise<number> {
  let seen: (() => void) | undefined;
  const watcher = watch(dir, () => seen?.());
  try {
    const fired = new Promise<number>((resolve) => (seen = () => resolve(performance.now())));
    const start = performance.now();
    writeAtomically(join(dir, FILE), text);
    return (await fired) - start;
  } finally {
    watcher.close();
    // Events of this write still on their way must not count for the next one.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error('bench:revocation: no result after 10 minutes; giving up');
    process.exit(1);
  }, 600_000);
  watchdog.unref();
  installKafkajsHooks();
  const policiesDir = mkdtempSync(join(tmpdir(), 'puente-revocation-bench-'));
  const floorDir = mkdtempSync(join(tmpdir(), 'puente-revocation-floor-'));
  let version = 1;
  writeAtomically(join(policiesDir, FILE), withVersion(US_TO_MX, version));
  let kafka: TestKafka | undefined;
  let bus: KafkaBus | undefined;
  let gateway: TestGateway | undefined;
  let stopPublishing: (() => Promise<void>) | undefined;
  try {
    log('bench:revocation — agreement file edit → live Subscribe stream ended (PERMISSION_DENIED)');
    const acquiredAt = performance.now();
    kafka = await acquireTestKafka();
    log(`  broker: ${kafka.describe} (ready in ${((performance.now() - acquiredAt) / 1000).toFixed(1)} s)`);
    bus = new KafkaBus({ brokers: [...kafka.brokers], clientId: 'revocation-bench' });
    await bus.start();
    const rejected: string[] = [];
    gateway = await startTestGateway({
      bus,
      codec,
      policiesDir,
      onPoliciesRejected: (error) => rejected.push(error.message),
    });
    const store = gateway.policyStore!;
    log(`  gateway: in process on ${gateway.address}, KafkaBus, agreements hot-reloaded from ${policiesDir}`);
    log(`  subscriber: MX/ANAM on ${FEED}, AVRO_CONFLUENT, acking every batch; an event published every 20 ms`);
    stopPublishing = keepPublishing(bus);

    const revocation: { kind: string; ms: number }[] = [];
    const floor: number[] = [];
    for (let i = 0; i < TRIES; i++) {
      const { name, edit } = EDITS[i % EDITS.length]!;
      // Restore under a fresh version; a live stream that has delivered something.
      version++;
      const restored = version;
      writeAtomically(join(policiesDir, FILE), withVersion(US_TO_MX, restored));
      await until(() => store.current().agreement('us-to-mx')?.version === restored, 10_000, `v${restored} in force`);
      const stream = subscribe(gateway);
      await until(() => stream.delivered() > 0, 30_000, 'the stream to deliver');

      version++;
      const text = withVersion(edit(US_TO_MX), version);
      floor.push(await watchFloor(floorDir, text));

      const start = performance.now();
      writeAtomically(join(policiesDir, FILE), text);
      const { error, at } = await stream.ended;
      const rpc = rpcStatusFromError(error);
      const reason = errorReasonOf(rpc ? fromRpcStatus(rpc) : {});
      if (error.code !== status.PERMISSION_DENIED || reason !== ErrorReason.AGREEMENT_REVOKED) {
        throw new Error(
          `try ${i + 1} (${name}): the stream ended with ${error.code} ${error.details}, not AGREEMENT_REVOKED`,
        );
      }
      revocation.push({ kind: name, ms: at - start });
      log(
        `  try ${String(i + 1).padStart(2)} ${name.padEnd(15)} ${fmt(at - start).padStart(9)}   (fs.watch ${fmt(floor.at(-1)!)})`,
      );
    }
    if (rejected.length > 0) throw new Error(`the gateway refused an edit: ${rejected.join('; ')}`);

    const ms = revocation.map((r) => r.ms);
    const rows = [
      ['', 'p50', 'p90', 'max', 'min'],
      ['file write → stream ended', ...[50, 90, 100, 0].map((p) => fmt(p === 0 ? Math.min(...ms) : percentile(ms, p)))],
      [
        'file write → fs.watch (floor)',
        ...[50, 90, 100, 0].map((p) => fmt(p === 0 ? Math.min(...floor) : percentile(floor, p))),
      ],
    ];
    const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
    log(`\n${TRIES} tries (feed removed / agency removed alternately)`);
    for (const row of rows)
      log(`  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ')}`);
    log(
      "  (the gap is the policy store's 100 ms debounce, re-reading and compiling the folder, re-evaluating the\n" +
        '   open streams, and committing the acks they received, at most 250 ms, before the status goes out)',
    );
    log(`  target: every stream ended within 1 s of the change — ${Math.max(...ms) < 1_000 ? 'met' : 'NOT met'}`);
  } finally {
    await stopPublishing?.();
    await gateway?.stop(1_000);
    await bus?.stop();
    await kafka?.stop();
    rmSync(policiesDir, { recursive: true, force: true });
    rmSync(floorDir, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
}

main().catch((error: unknown) => {
  console.error('bench:revocation failed:', error);
  process.exitCode = 1;
});
