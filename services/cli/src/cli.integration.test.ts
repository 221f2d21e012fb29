// Every `puente` command but `audit` against a running gateway on real Kafka, in-process: tables,
// --json parsed, --lang es, and the bad inputs operators hit (unknown topic, a malformed JSONL line
// named by its number, a wrong credential, an unknown agreement). The audit commands are in
// cli-audit.integration.test.ts; TLS and the real bin in cli-transport.integration.test.ts.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec } from '@puente/contracts';
import { readDevTokens } from '@puente/gateway/dev';
import { openTestSubscriber, startTestGateway, type TestGateway, type TestSubscriber } from '@puente/gateway/testing';
import { PayloadFormat, StartPosition } from '@puente/proto';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ExitCode } from './exit-codes.js';
import { stripColour } from './format/style.js';
import { jsonLines, runPuente, type RunOptions } from './testing/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const EXAMPLE_FILE = `${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`;
const codec = createCodec();
const tokens = readDevTokens();
const token = (name: string) => tokens.get(name) ?? '';
const example = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as { topic: string; value: Record<string, any> };
const dir = mkdtempSync(join(tmpdir(), 'puente-cli-it-'));
/** One manifest id for this run: every event on one partition, found by key. */
const KEY = `CLI-${randomUUID().slice(0, 8)}`;

/** Number of leaf values of a JSON value. */
const leaves = (value: unknown): number =>
  value !== null && typeof value === 'object'
    ? Object.values(value).reduce((sum: number, child) => sum + leaves(child), 0)
    : 1;

function friendly(eventId: string): Record<string, any> {
  const value = structuredClone(example.value);
  value['meta'].eventId = eventId;
  value['manifestId'] = KEY;
  return value;
}

describe('puente against a gateway on real Kafka', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  const subscribers: TestSubscriber[] = [];
  const ids = { wrapped: randomUUID(), avro: randomUUID(), bare: randomUUID(), followed: randomUUID() };

  const as = (name: string, options: RunOptions = {}): RunOptions => ({
    ...options,
    env: { PUENTE_ADDRESS: gateway.address, PUENTE_TOKEN: token(name), ...options.env },
  });
  const us = (options: RunOptions = {}) => as('dev-us-cbp-operator', options);

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'cli-it', heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({ bus, codec });
  });

  afterAll(async () => {
    for (const s of subscribers) s.call.cancel();
    await gateway?.stop(1_000);
    await bus?.stop();
  });

  it('publishes a JSONL file: Avro and friendly JSON accepted, a malformed and an invalid line named by number', async () => {
    const avro = codec.toAvroJson(TOPIC, codec.fromFriendlyJson(TOPIC, friendly(ids.avro))) as Record<string, any>;
    const lines = [
      JSON.stringify({ topic: TOPIC, value: friendly(ids.wrapped) }),
      '{"meta": {"eventId": ',
      JSON.stringify(avro),
      JSON.stringify({ ...avro, meta: { ...avro['meta'], eventId: randomUUID() }, direction: 'SIDEWAYS' }),
      '',
      JSON.stringify(friendly(ids.bare)),
    ];
    writeFileSync(join(dir, 'events.jsonl'), lines.join('\n'));
    const run = await runPuente(
      ['publish', TOPIC, '--file', 'events.jsonl', '--json'],
      as('dev-us-cbp-publisher', { cwd: dir }),
    );
    expect(run.code).toBe(ExitCode.NEGATIVE);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ topic: TOPIC, lines: 5, accepted: 3, duplicates: 0, failed: 2 });
    expect(summary.failures).toEqual([
      { line: 2, reason: 'MALFORMED_LINE', message: expect.stringContaining('not JSON') },
      { line: 4, reason: 'SCHEMA_REJECTED', message: expect.any(String) },
    ]);
    expect(summary.outcomes).toContainEqual({ outcome: 'rejected', reason: 'SCHEMA_REJECTED', count: 1 });

    // The same file again: the events with an eventId already written are duplicates, in a table.
    // On a terminal: a progress bar on stderr, colour on stdout.
    const again = await runPuente(
      ['publish', TOPIC, '--file', 'events.jsonl'],
      as('dev-us-cbp-publisher', { cwd: dir, tty: true }),
    );
    expect(again.code).toBe(ExitCode.NEGATIVE);
    expect(again.stderr).toContain('] 5/5\n');
    expect(again.stdout).toContain('\u001b[1m');
    expect(stripColour(again.stdout)).toMatch(/duplicate\s+-\s+3/);
    expect(again.stderr).toContain('line 2: MALFORMED_LINE');
    expect(again.stdout).toContain('5 line(s): 0 accepted, 3 duplicate(s), 2 failed');
  });

  it('refuses publishing with an operator credential (exit 4, the gateway reason)', async () => {
    const run = await runPuente(['publish', TOPIC, '--file', 'events.jsonl', '--json'], us({ cwd: dir }));
    expect(run.code).toBe(ExitCode.DENIED);
    expect(JSON.parse(run.stderr).error.reason).toBe('ROLE_NOT_ALLOWED');
    // Every event sent is reported as not answered, with the reason that ended the stream.
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ lines: 5, accepted: 0, failed: 5 });
    expect(summary.failures.map((f: any) => [f.line, f.reason])).toEqual([
      [1, 'ROLE_NOT_ALLOWED'],
      [2, 'MALFORMED_LINE'],
      [3, 'ROLE_NOT_ALLOWED'],
      [4, 'ROLE_NOT_ALLOWED'],
      [6, 'ROLE_NOT_ALLOWED'],
    ]);
  });

  it('lists and describes topics, raw and as a partner sees them', async () => {
    const table = await runPuente(['topics'], us());
    expect(table.code).toBe(ExitCode.OK);
    expect(table.stdout).toMatch(new RegExp(`${TOPIC.replace(/\./g, '\\.')}\\s+EVENTS\\s+US\\s+RAW`));
    const listed = JSON.parse((await runPuente(['topics', '--prefix', 'us.', '--json'], us())).stdout) as any[];
    expect(listed.every((t) => t.name.startsWith('us.'))).toBe(true);

    const raw = JSON.parse((await runPuente(['topic', 'describe', TOPIC, '--json'], us())).stdout);
    expect(raw.topic).toMatchObject({ name: TOPIC, access: 'RAW', partitionCount: 3 });
    expect(raw.partitions).toHaveLength(3);
    expect(raw.replicationFactor).toBe(1);
    expect(raw.schema).toMatchObject({ subject: `${TOPIC}-value`, schemaId: codec.schemaIdOf(TOPIC) });

    const view = JSON.parse((await runPuente(['topic', 'describe', TOPIC, '--as', 'MX', '--json'], us())).stdout);
    expect(view.topic).toMatchObject({ access: 'VIEW', viewAgreementId: 'us-to-mx' });
    expect(view.schema.subject).toBe(`${TOPIC}-view-us-to-mx-value`);

    const es = await runPuente(['topic', 'describe', TOPIC, '--lang', 'es'], us());
    expect(es.stdout).toContain('retención');
    expect(es.stdout).toContain('PARTICIÓN');
  });

  it('answers an unknown topic with exit 5 and the reason, and --as a country without agreement likewise', async () => {
    const run = await runPuente(['topic', 'describe', 'us.no-such-topic.v1'], us());
    expect(run.code).toBe(ExitCode.NOT_FOUND);
    expect(run.stderr).toMatch(/^error: TOPIC_NOT_FOUND: /);
    const tail = await runPuente(['tail', 'us.no-such-topic.v1', '--json'], us());
    expect(tail.code).toBe(ExitCode.NOT_FOUND);
    expect(JSON.parse(tail.stderr).error.reason).toBe('TOPIC_NOT_FOUND');
    const as = await runPuente(['tail', TOPIC, '--as', 'US'], us());
    expect(as.code).toBe(ExitCode.NOT_FOUND);
    expect(as.stderr).toContain(`error: NO_AGREEMENT_FOR_COUNTRY: no agreement shares ${TOPIC} with US`);
    expect(as.stderr).not.toContain('--as <country>'); // the hint is for the gateway's refusal
  });

  it('refuses a wrong or missing credential with exit 4, never echoing the token', async () => {
    const wrong = await runPuente(['topics', '--token', 'not-a-real-token-but-long-enough-0123456789'], us());
    expect(wrong.code).toBe(ExitCode.DENIED);
    expect(wrong.stderr).toContain('CREDENTIALS_INVALID');
    expect(wrong.stderr).not.toContain('not-a-real-token');
    const missing = await runPuente(['topics'], { env: { PUENTE_ADDRESS: gateway.address } });
    expect(missing.code).toBe(ExitCode.DENIED);
    expect(missing.stderr).toContain('CREDENTIALS_MISSING');
    expect(missing.stderr).toContain('give a token with --token');
    const role = await runPuente(['topics'], as('dev-us-cbp-publisher'));
    expect(role.code).toBe(ExitCode.DENIED);
    expect(role.stderr).toContain('ROLE_NOT_ALLOWED');
  });

  it('tails decoded records by eventId, key and offset, raw and as the partner sees them', async () => {
    const byId = jsonLines((await runPuente(['tail', TOPIC, '--event-id', ids.wrapped, '--json'], us())).stdout);
    expect(byId).toHaveLength(1);
    const [raw] = byId;
    expect(raw).toMatchObject({ topic: TOPIC, key: KEY, eventId: ids.wrapped, schemaId: codec.schemaIdOf(TOPIC) });
    expect(raw.value.manifestId).toBe(KEY);
    expect(Date.parse(raw.timestamp)).not.toBeNaN();

    const byKey = jsonLines((await runPuente(['tail', TOPIC, '--key', KEY, '--json'], us())).stdout);
    expect(byKey.map((r) => r.eventId)).toEqual([ids.wrapped, ids.avro, ids.bare]);

    const fromOffset = jsonLines(
      (
        await runPuente(
          ['tail', TOPIC, '--from', String(raw.offset), '--partition', String(raw.partition), '--limit', '2', '--json'],
          us(),
        )
      ).stdout,
    );
    expect(fromOffset.map((r) => r.eventId)).toEqual([ids.wrapped, ids.avro]);

    // The partner's view: another schema, fewer fields; an MX operator sees exactly that, also
    // without naming the view (the one agreement sharing the topic with MX), never the raw record.
    const [asMx] = jsonLines(
      (await runPuente(['tail', TOPIC, '--event-id', ids.wrapped, '--as', 'MX', '--json'], us())).stdout,
    );
    expect(asMx.schemaId).not.toBe(raw.schemaId);
    expect(leaves(asMx.value)).toBeLessThan(leaves(raw.value));
    const mx = await runPuente(
      ['tail', TOPIC, '--event-id', ids.wrapped, '--as', 'MX', '--json'],
      as('dev-mx-anam-operator'),
    );
    expect(jsonLines(mx.stdout)).toEqual([asMx]);
    const mxUnnamed = await runPuente(['tail', TOPIC, '--event-id', ids.wrapped, '--json'], as('dev-mx-anam-operator'));
    expect(mxUnnamed.code).toBe(ExitCode.OK);
    expect(jsonLines(mxUnnamed.stdout)).toEqual([asMx]);

    // From a time: every partition's records at or after it, oldest first.
    const since = new Date(Date.parse(raw.timestamp) - 1).toISOString();
    const fromTime = jsonLines(
      (await runPuente(['tail', TOPIC, '--from', since, '--limit', '500', '--json'], us())).stdout,
    );
    expect(fromTime.map((r) => r.eventId)).toEqual(expect.arrayContaining([ids.wrapped, ids.avro, ids.bare]));
    expect(fromTime.every((r) => r.timestamp >= since)).toBe(true);
    const badPartition = await runPuente(['tail', TOPIC, '--from', 'earliest', '--partition', '7'], us());
    expect(badPartition.code).toBe(ExitCode.USAGE);
    expect(badPartition.stderr).toContain(`--partition 7 is not a partition of ${TOPIC} (0–2)`);

    const human = await runPuente(['tail', TOPIC, '--event-id', ids.wrapped], us());
    expect(human.stdout).toContain(`${TOPIC}[${raw.partition}]@${raw.offset}  key=${KEY}`);
    expect(human.stdout).toContain('"manifestId": "');
  });

  it('follows new records until stopped', async () => {
    const abort = new AbortController();
    let seen = '';
    const following = runPuente(['tail', TOPIC, '--key', KEY, '--follow', '--interval', '100', '--json'], {
      ...us(),
      signal: abort.signal,
      onStdout: (all) => (seen = all),
    });
    await waitFor(() => seen.includes(ids.bare), 30_000, 'the existing records printed');
    writeFileSync(join(dir, 'one.jsonl'), JSON.stringify(friendly(ids.followed)));
    const published = await runPuente(
      ['publish', TOPIC, '--file', 'one.jsonl'],
      as('dev-us-cbp-publisher', { cwd: dir }),
    );
    expect(published.code).toBe(ExitCode.OK);
    await waitFor(() => seen.includes(ids.followed), 30_000, 'the new record followed');
    abort.abort();
    const run = await following;
    expect(run.code).toBe(ExitCode.OK);
    expect(jsonLines(run.stdout).map((r) => r.eventId)).toEqual([ids.wrapped, ids.avro, ids.bare, ids.followed]);
  });

  it('shows lag per subscription and partition', async () => {
    const subscription = `cli-lag-${randomUUID().slice(0, 8)}`;
    const stream = openTestSubscriber(gateway.client, token('dev-mx-anam-subscriber'), {
      subscription,
      feeds: [`us-to-mx/${TOPIC}`],
      payloadFormat: PayloadFormat.AVRO_JSON,
      startPosition: StartPosition.EARLIEST,
      maxUnacked: 1,
      maxBatchSize: 1,
      purposes: ['CUSTOMS'],
    });
    subscribers.push(stream);
    await waitFor(stream.started, 30_000, 'subscribed');
    let report: any;
    await waitFor(
      async () => {
        report = JSON.parse((await runPuente(['lag', '--subscription', subscription, '--json'], us())).stdout);
        return report.subscriptions.length === 1;
      },
      30_000,
      'the subscription listed',
    );
    expect(report.subscriptions[0]).toMatchObject({
      subscriber: { country: 'MX', agency: 'ANAM' },
      subscription,
      connected: true,
    });
    expect(report.subscriptions[0].partitions.map((p: any) => p.topic)).toContain(TOPIC);
    const es = await runPuente(['lag', '--subscription', subscription, '--lang', 'es'], us());
    expect(es.code).toBe(ExitCode.OK);
    expect(es.stdout).toContain('Suscripciones');
    expect(es.stdout).toContain(subscription);

    // --watch: the same answer again every second, one JSON line each time, until stopped.
    const abort = new AbortController();
    let seen = '';
    const watching = runPuente(['lag', '--subscription', subscription, '--watch', '1', '--json'], {
      ...us(),
      signal: abort.signal,
      onStdout: (all) => (seen = all),
    });
    await waitFor(() => jsonLines(seen).length >= 2, 30_000, 'two rounds of lag');
    abort.abort();
    const watched = await watching;
    expect(watched.code).toBe(ExitCode.OK);
    expect(jsonLines(watched.stdout).every((r) => r.subscriptions[0].subscription === subscription)).toBe(true);
  });

  it("shows a service's consumer group with its committed offset and lag", async () => {
    const [record] = jsonLines((await runPuente(['tail', TOPIC, '--event-id', ids.wrapped, '--json'], us())).stdout);
    const groupId = `cli-test.lag.${randomUUID()}`;
    const member = await bus.subscribe({ groupId, topics: [TOPIC], handler: async () => undefined });
    try {
      await waitFor(
        () => member.assignments().some((tp) => tp.topic === TOPIC && tp.partition === record.partition),
        30_000,
        'the group owning the partition',
      );
      await member.commit([{ topic: TOPIC, partition: record.partition, offset: record.offset }]);
      const run = await runPuente(['lag', '--group', groupId, '--json'], us());
      expect(run.code).toBe(ExitCode.OK);
      const report = JSON.parse(run.stdout);
      expect(report.subscriptions).toEqual([]);
      expect(report.consumerGroups).toHaveLength(1);
      const [group] = report.consumerGroups;
      expect(group).toMatchObject({ groupId, state: 'Stable', members: 1 });
      const partition = group.partitions.find((p: any) => p.partition === record.partition);
      // Committed at the first of this run's records: at least it and the ones after are behind.
      expect(partition).toMatchObject({ topic: TOPIC, committedOffset: record.offset });
      expect(partition.lag).toBe(Number(partition.endOffset) - Number(record.offset));
      expect(partition.lag).toBeGreaterThanOrEqual(4);
      const table = await runPuente(['lag', '--group', groupId], us());
      expect(table.stdout).toMatch(
        new RegExp(`${groupId.replace(/\./g, '\\.')}\\s+Stable\\s+1\\s+${TOPIC.replace(/\./g, '\\.')}`),
      );
    } finally {
      await member.stop();
    }
  });

  it('explains what an agreement does with an event: decision, rules, every field', async () => {
    const run = await runPuente(
      ['policy', 'explain', '--agreement', 'us-to-mx', '--event', EXAMPLE_FILE, '--purposes', 'CUSTOMS', '--json'],
      us(),
    );
    expect(run.code).toBe(ExitCode.OK);
    const [explanation] = JSON.parse(run.stdout).explanations;
    expect(explanation).toMatchObject({
      agreementId: 'us-to-mx',
      decision: 'RELEASE',
      decidingRule: 'cargo-for-customs',
    });
    expect(explanation.fields).toContainEqual(expect.objectContaining({ path: 'manifestId', action: 'KEEP' }));
    expect(explanation.fields.some((f: any) => f.action === 'DROP')).toBe(true);
    expect(explanation.view.manifestId).toBe(example.value['manifestId']);

    const table = await runPuente(
      ['policy', 'explain', '--agreement', 'us-to-mx', '--event', EXAMPLE_FILE, '--lang', 'es'],
      us(),
    );
    expect(table.stdout).toContain('decisión: RELEASE');
    expect(table.stdout).toMatch(/manifestId\s+KEEP/);

    // A stored event, by its eventId: the one published above (its manifest id is this run's).
    const stored = await runPuente(
      ['policy', 'explain', '--agreement', 'us-to-mx', '--event-id', ids.wrapped, '--topic', TOPIC, '--json'],
      us(),
    );
    expect(stored.code).toBe(ExitCode.OK);
    expect(JSON.parse(stored.stdout).explanations[0].view.manifestId).toBe(KEY);

    const unknown = await runPuente(
      ['policy', 'explain', '--agreement', 'us-to-nowhere', '--event', EXAMPLE_FILE],
      us(),
    );
    expect(unknown.code).toBe(ExitCode.NOT_FOUND);
    expect(unknown.stderr).toContain('AGREEMENT_NOT_FOUND');
  });

  it('checks the schema catalog, and that the gateway serves the same subjects and ids', async () => {
    const run = await runPuente(['schemas', 'check', '--json'], us());
    expect(run.code).toBe(ExitCode.OK);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      ok: true,
      lock: { ok: true },
      gateway: { address: gateway.address, mismatches: [] },
    });
    expect(report.gateway.topics).toBeGreaterThan(0);
  });
});
