// `puente audit` against the disclosure ledger end to end: real Kafka, real gRPC sockets,
// PostgreSQL and the real audit service (wired as tests/e2e/ledger.test.ts does). A manifest
// published with `puente publish` reaches MX/ANAM; the ledger then answers through the CLI who
// received it, lists it, verifies, and says so when an entry has been tampered with.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { AuditService } from '@puente/audit';
import { startTestAudit } from '@puente/audit/testing';
import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec } from '@puente/contracts';
import { readDevTokens } from '@puente/gateway/dev';
import { openTestSubscriber, startTestGateway, type TestGateway, type TestSubscriber } from '@puente/gateway/testing';
import { devCheckpointPublicKeys } from '@puente/ledger';
import { openTestLedger, type TestLedger } from '@puente/ledger/testing';
import { PayloadFormat, StartPosition } from '@puente/proto';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ExitCode } from './exit-codes.js';
import { jsonLines, runPuente, type RunOptions } from './testing/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const codec = createCodec();
const tokens = readDevTokens();
const example = JSON.parse(
  readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8'),
) as { value: Record<string, any> };
const dir = mkdtempSync(join(tmpdir(), 'puente-cli-audit-'));

describe('puente audit against the ledger (real Kafka, gRPC, PostgreSQL, audit service)', () => {
  let bus: KafkaBus;
  let ledger: TestLedger;
  let gateway: TestGateway;
  let audit: AuditService;
  let anam: TestSubscriber;
  const events = [randomUUID(), randomUUID()];

  const as = (name: string, options: RunOptions = {}): RunOptions => ({
    ...options,
    env: { PUENTE_ADDRESS: gateway.address, PUENTE_TOKEN: tokens.get(name) ?? '', ...options.env },
  });
  const us = (options: RunOptions = {}) => as('dev-us-cbp-operator', options);

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'cli-audit-it', heartbeatIntervalMs: 500 });
    await bus.start();
    ledger = await openTestLedger('postgres', 'US');
    // Other tests on this broker write disclosures and checkpoints of their own ledgers: this
    // ledger starts where the disclosure topic ends now, and its checkpoints have their own topic.
    const checkpointTopic = `us.audit-checkpoints.cli-${randomUUID().slice(0, 8)}`;
    gateway = await startTestGateway({
      bus,
      codec,
      ledgers: { US: ledger },
      checkpointKeys: devCheckpointPublicKeys(),
      checkpointTopic: () => checkpointTopic,
    });
    audit = await startTestAudit({ bus, codec, store: ledger, country: 'US', checkpointTopic });
    anam = openTestSubscriber(gateway.client, tokens.get('dev-mx-anam-subscriber') ?? '', {
      subscription: `cli-audit-${randomUUID().slice(0, 8)}`,
      feeds: [`us-to-mx/${TOPIC}`],
      payloadFormat: PayloadFormat.AVRO_JSON,
      startPosition: StartPosition.LATEST,
      maxUnacked: 100,
      maxBatchSize: 10,
      purposes: ['CUSTOMS'],
    });
    await waitFor(anam.started, 30_000, 'ANAM subscribed');
    const manifestId = `AUDIT-${randomUUID().slice(0, 8)}`;
    const lines = events.map((eventId) => {
      const value = structuredClone(example.value);
      value['meta'].eventId = eventId;
      value['manifestId'] = manifestId;
      return JSON.stringify(value);
    });
    writeFileSync(join(dir, 'events.jsonl'), lines.join('\n'));
    const published = await runPuente(
      ['publish', TOPIC, '--file', 'events.jsonl'],
      as('dev-us-cbp-publisher', { cwd: dir }),
    );
    expect(published.code).toBe(ExitCode.OK);
    await waitFor(
      () => events.every((id) => anam.received.some((d) => d.eventId === id)),
      30_000,
      'ANAM receiving both manifests',
    );
  });

  afterAll(async () => {
    anam?.call.cancel();
    await audit?.stop();
    await gateway?.stop(1_000);
    await ledger?.close();
    await bus?.stop();
  });

  it('names who received an event, with agreement and fields', async () => {
    let receipts: any[] = [];
    await waitFor(
      async () => {
        const run = await runPuente(['audit', 'who-received', events[0]!, '--json'], us());
        receipts = JSON.parse(run.stdout).receipts;
        return receipts.length >= 1;
      },
      30_000,
      'the disclosure chained',
    );
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({
      kind: 'DELIVERY',
      eventId: events[0],
      recipientCountry: 'MX',
      recipientAgency: 'ANAM',
      agreementId: 'us-to-mx',
      declaredPurposes: ['CUSTOMS'],
    });
    expect(receipts[0].fieldsRemoved.length).toBeGreaterThan(0);
    expect(receipts[0].digest).toMatch(/^[0-9a-f]{64}$/);

    const table = await runPuente(['audit', 'who-received', events[0]!, '--lang', 'es'], us());
    expect(table.stdout).toMatch(/DESTINATARIO/);
    expect(table.stdout).toMatch(/MX\/ANAM\s+us-to-mx v1/);
    const nobody = await runPuente(['audit', 'who-received', randomUUID()], us());
    expect(nobody.code).toBe(ExitCode.OK);
    expect(nobody.stdout).toContain('nobody received');
    const invalid = await runPuente(['audit', 'who-received', 'not-a-uuid'], us());
    expect(invalid.code).toBe(ExitCode.USAGE);
    expect(invalid.stderr).toContain('REQUEST_INVALID');
  });

  it('lists disclosures page by page, and every page with --all', async () => {
    await waitFor(
      async () =>
        jsonLines((await runPuente(['audit', 'list', '--recipient', 'MX/ANAM', '--all', '--json'], us())).stdout)
          .length >= 2,
      30_000,
      'both disclosures chained',
    );
    const all = jsonLines(
      (await runPuente(['audit', 'list', '--recipient', 'mx/anam', '--limit', '1', '--all', '--json'], us())).stdout,
    );
    expect(all.map((r) => r.eventId)).toEqual(events);
    const first = await runPuente(['audit', 'list', '--agreement', 'us-to-mx', '--limit', '1', '--json'], us());
    expect(jsonLines(first.stdout)).toHaveLength(1);
    const more = await runPuente(['audit', 'list', '--agreement', 'us-to-mx', '--limit', '1'], us());
    expect(more.stderr).toMatch(/--page-token \S+/);
    const none = await runPuente(['audit', 'list', '--recipient', 'MX/FGR'], us());
    expect(none.stdout).toContain('no disclosures');
    const future = await runPuente(['audit', 'list', '--since', '2999-01-01', '--json'], us());
    expect(future.stdout).toBe('');
  });

  it('verifies the chain and the checkpoints, and exits 1 once an entry is tampered with', async () => {
    let report: any;
    await waitFor(
      async () => {
        report = JSON.parse((await runPuente(['audit', 'verify', '--json'], us())).stdout);
        return report.checkpoints.some((c: any) => c.entryCount >= 2);
      },
      30_000,
      'a checkpoint of both entries',
    );
    expect(report).toMatchObject({ country: 'US', intact: true, firstBadEntry: 0 });
    expect(report.checkpoints.every((c: any) => c.valid)).toBe(true);
    const checkpoint = report.checkpoints.at(-1).checkpointId;
    const fromCheckpoint = await runPuente(['audit', 'verify', '--from-checkpoint', checkpoint], us());
    expect(fromCheckpoint.code).toBe(ExitCode.OK);
    expect(fromCheckpoint.stdout).toContain('ledger of US is intact');
    const unknown = await runPuente(['audit', 'verify', '--from-checkpoint', randomUUID()], us());
    expect(unknown.code).toBe(ExitCode.NOT_FOUND);
    expect(unknown.stderr).toContain('CHECKPOINT_NOT_FOUND');
    // MX has no ledger at this gateway.
    const mx = await runPuente(['audit', 'verify'], as('dev-mx-anam-operator'));
    expect(mx.code).toBe(ExitCode.UNAVAILABLE);
    expect(mx.stderr).toContain('LEDGER_UNAVAILABLE');

    await ledger.sql.query(`UPDATE ${ledger.schema}.entries SET entity_id = 'rewritten' WHERE entry_no = 1`);
    const broken = await runPuente(['audit', 'verify'], us());
    expect(broken.code).toBe(ExitCode.NEGATIVE);
    expect(broken.stdout).toContain('ledger of US is NOT intact: entry 1');
    expect(broken.stdout).toContain('first bad entry: 1');
    const brokenEs = await runPuente(['audit', 'verify', '--json', '--lang', 'es'], us());
    expect(brokenEs.code).toBe(ExitCode.NEGATIVE);
    expect(JSON.parse(brokenEs.stdout)).toMatchObject({ intact: false, firstBadEntry: 1 });
  });
});
