// `tsx services/gateway/bench/disclosure-bench.ts`: what writing a batch's disclosures costs the
// gateway's CPU, without Kafka (the bus only counts bytes). Batches of the development US→MX
// manifest feed, one subscription: the audit writer as it runs; the same records made by one
// codec.encode of each whole record instead of the encoder's splice; and the part of each record
// a per-rule cache of the field lists' bytes could save (a header with its lists against one
// without). A benchmark, not a test: it prints figures.
import { randomUUID } from 'node:crypto';

import type { Bus, BusRecord } from '@puente/bus';
import { DISCLOSURE_TOPIC } from '@puente/runtime';

import { createAuditWriter } from '../src/audit/audit.js';
import { disclosedEvent, disclosureHeader, groupDeliveries } from '../src/audit/disclosure-record.js';
import { NO_FIELDS } from '../src/audit/field-lists.js';
import {
  auditFixture,
  delivery,
  exampleEvent,
  feedOf,
  subscriberOf,
  US_CARGO,
} from '../src/audit/testing/deliveries.js';

const BATCH = Number(process.env['BENCH_BATCH'] ?? 250);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2_000);

const fx = auditFixture();
const { codec } = fx;
const anam = subscriberOf('MX', 'ANAM');
const feed = feedOf(fx, anam, US_CARGO);
const batch = Array.from({ length: BATCH }, (_, i) =>
  delivery({
    feed,
    principal: anam,
    event: exampleEvent(fx, 'cargo-manifests/us-northbound-laredo.json', { eventId: randomUUID() }).event,
    offset: 1_000_000 + i,
    partition: i % 3,
    key: `TLBV77319500${i}`,
    payload: Buffer.alloc(700, i),
  }),
);

let bytes = 0;
let records = 0;
const bus = {
  publish: (_topic: string, out: readonly BusRecord[]) => {
    for (const r of out) bytes += r.value?.length ?? 0;
    records += out.length;
    return Promise.resolve([]);
  },
} as unknown as Bus;

/**
 * CPU microseconds (this process's, so neighbours on a busy machine count less than in wall
 * time) per event of `work` run ROUNDS times over the batch, after a warm-up.
 */
async function perEvent(work: () => unknown): Promise<number> {
  for (let i = 0; i < ROUNDS / 4; i++) await work();
  const started = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) await work();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / (ROUNDS * BATCH);
}

const write = createAuditWriter(bus, codec);
const writer = await perEvent(() => write(batch));
const perRecord = bytes / records;

const now = new Date();
const [group] = groupDeliveries(batch);
if (!group) throw new Error('no group');
const whole = await perEvent(() => {
  const header = disclosureHeader(group, now);
  return codec.encode(DISCLOSURE_TOPIC, { ...header, events: group.members.map(disclosedEvent) } as never);
});
const withLists = await perEvent(() => codec.encode(DISCLOSURE_TOPIC, disclosureHeader(group, now) as never));
const withoutLists = await perEvent(() =>
  codec.encode(DISCLOSURE_TOPIC, { ...disclosureHeader(group, now), ...NO_FIELDS } as never),
);

const fmt = (n: number, digits = 3) => n.toFixed(digits);
console.log(`Disclosures of a batch of ${BATCH} deliveries of one rule, ${ROUNDS} rounds`);
console.log(
  `  audit writer (group, encode, chunk)      ${fmt(writer)} µs/event, ${fmt(perRecord / BATCH, 1)} bytes/event`,
);
console.log(`  one codec.encode of the whole record     ${fmt(whole)} µs/event`);
console.log(`  header with field lists (per record)     ${fmt(withLists * BATCH, 2)} µs/record`);
console.log(`  header without field lists (per record)  ${fmt(withoutLists * BATCH, 2)} µs/record`);
console.log(
  `  a field-list byte cache could save       ${fmt((withLists - withoutLists) * BATCH, 2)} µs/record = ${fmt(withLists - withoutLists)} µs/event`,
);
