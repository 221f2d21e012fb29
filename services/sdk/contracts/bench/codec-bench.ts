// `pnpm bench:codec`: the Avro codec (Confluent framing and validation included) against
// JSON.stringify/JSON.parse of the same cargo manifest, in one process. A benchmark, not a test:
// it prints figures and whether the targets (≥ 1.3× JSON's throughput both ways, under half
// JSON's bytes) were met.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCodec } from '../src/index.js';
import type { CargoManifest } from '../src/index.js';

const TOPIC = 'us.cargo-manifests.v1';
const EXAMPLE = fileURLToPath(
  new URL('../../../../schemas/examples/cargo-manifests/us-northbound-otay-mesa-produce.json', import.meta.url),
);
const ROUND_MS = Number(process.env['BENCH_ROUND_MS'] ?? 1000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);

const codec = createCodec();
const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { value: unknown };
const manifest = codec.fromFriendlyJson(TOPIC, example.value);

// Validation must stay on the hot path: prove encode still rejects a bad value before timing it.
const broken = {
  ...manifest,
  goods: manifest.goods.map((g, i) => (i === 1 ? { ...g, hsCode: null } : g)),
} as unknown as CargoManifest;
try {
  codec.encode(TOPIC, broken);
  throw new Error('encode accepted an invalid manifest: validation is not running');
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  if (!message.includes('goods[1].hsCode: expected string, got null')) throw err;
}

const framed = codec.encode(TOPIC, manifest);
const json = JSON.stringify(manifest);
let sink = 0;

interface Case {
  readonly name: string;
  readonly run: () => void;
}

const cases: readonly Case[] = [
  { name: 'avro encode', run: () => (sink += codec.encode(TOPIC, manifest).length) },
  { name: 'json stringify', run: () => (sink += JSON.stringify(manifest).length) },
  { name: 'avro decode', run: () => (sink += codec.decode(framed, { topic: TOPIC }).schemaId) },
  { name: 'json parse', run: () => (sink += (JSON.parse(json) as { goods: unknown[] }).goods.length) },
];

/** Operations per second over about `ms` milliseconds, in batches so the clock is read rarely. */
function measure(run: () => void, ms: number): number {
  const batch = 200;
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < batch; i += 1) run();
    ops += batch;
    now = process.hrtime.bigint();
  }
  return (ops * 1e9) / Number(now - start);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

// Warm-up: let V8 optimise every path before anything is recorded.
for (const c of cases) measure(c.run, ROUND_MS);

// Rounds interleave the cases so machine noise hits all of them alike.
const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let round = 0; round < ROUNDS; round += 1) {
  for (const c of cases) samples.get(c.name)?.push(measure(c.run, ROUND_MS));
}
const rate = (name: string): number => median(samples.get(name) ?? []);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const encodeRatio = rate('avro encode') / rate('json stringify');
const decodeRatio = rate('avro decode') / rate('json parse');
const avroBytes = framed.length;
const jsonBytes = Buffer.byteLength(json);
const sizeRatio = avroBytes / jsonBytes;

console.log(`codec benchmark: ${TOPIC}, ${manifest.goods.length} goods items, node ${process.version}`);
console.log(`median of ${ROUNDS} rounds × ${ROUND_MS} ms after warm-up\n`);
for (const c of cases) console.log(`  ${c.name.padEnd(16)} ${fmt(rate(c.name)).padStart(12)} ops/s`);
console.log('');
console.log(
  `  encode: avro/json = ${encodeRatio.toFixed(2)}×   (target ≥ 1.30×) ${encodeRatio >= 1.3 ? 'met' : 'MISSED'}`,
);
console.log(
  `  decode: avro/json = ${decodeRatio.toFixed(2)}×   (target ≥ 1.30×) ${decodeRatio >= 1.3 ? 'met' : 'MISSED'}`,
);
console.log(
  `  size:   avro ${avroBytes} B (incl. 5-byte header) vs json ${jsonBytes} B = ${(sizeRatio * 100).toFixed(1)} %   (target < 50 %) ${sizeRatio < 0.5 ? 'met' : 'MISSED'}`,
);
if (sink === 0) console.log('(unreachable: keeps the measured work observable)');
