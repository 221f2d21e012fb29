// Live revocation on real Kafka and real gRPC sockets: the gateway serves a folder of agreements
// (a copy of deploy/policies/us-to-mx.yaml) with hot reload, an MX subscriber reads a feed while
// events keep being published, and the agreement FILE is edited under it: the feed removed, the
// recipient agency removed, a field narrowed, validUntil passing. Every edit raises the version.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { status, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  ErrorReason,
  PayloadFormat,
  StartPosition,
  type Delivery,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec } from '@puente/contracts';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { readDevTokens } from '../dev/dev-tokens.js';
import {
  devAgreementText,
  startTestGateway,
  type TestGateway,
  withoutAgency,
  withoutField,
  withoutTopic,
  withValidUntil,
  withVersion,
  errorDetailsOf,
  openTestSubscriber,
} from '../testing/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = 'us.investigations.v1';
const FEED = `us-to-mx/${TOPIC}`;
const codec = createCodec();
const tokens = readDevTokens();
const US_TO_MX = devAgreementText('us-to-mx.yaml');
const example = codec.fromFriendlyJson(
  TOPIC,
  (
    JSON.parse(readFileSync(`${root}schemas/examples/investigations/us-hsi-case-opened.json`, 'utf8')) as {
      value: unknown;
    }
  ).value,
);

const viewOf = (delivery: Delivery) => JSON.parse(delivery.payload.toString('utf8')) as Record<string, unknown>;

describe('agreement file edits under a live subscription (real Kafka, real gRPC)', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  let dir: string;
  /** The agreement's version in the file: every edit raises it (a lower or equal one is refused). */
  let version = 0;
  const calls: ClientDuplexStream<SubscribeRequest, SubscribeResponse>[] = [];
  const rejected: string[] = [];

  /** Writes the agreement as an editor does (a whole new file renamed over the old) and waits until it is in force. */
  async function writeAgreement(edit: (text: string) => string): Promise<number> {
    version++;
    const text = withVersion(edit(US_TO_MX), version);
    const file = join(dir, 'us-to-mx.yaml');
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
    const expected = version;
    await waitFor(
      () => gateway.policyStore?.current().agreement('us-to-mx')?.version === expected,
      10_000,
      `agreement v${expected} in force (rejected: ${rejected.join('; ')})`,
    );
    return expected;
  }

  /** Publishes an investigation every 20 ms until stopped; each event id with when it was published. */
  function keepPublishing() {
    const published: { eventId: string; startedAt: number; at: number }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const eventId = randomUUID();
        const value = { ...example, caseId: `LIVE-${eventId.slice(0, 8)}`, meta: { ...example.meta, eventId } };
        const startedAt = Date.now();
        await bus.publish(TOPIC, [{ key: value.caseId, value: codec.encode(TOPIC, value) }]);
        published.push({ eventId, startedAt, at: Date.now() });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    return {
      published,
      async stop() {
        running = false;
        await loop;
      },
    };
  }

  function subscribe() {
    const partner = openTestSubscriber(gateway.client, tokens.get('dev-mx-anam-subscriber') ?? '', {
      subscription: `live-${randomUUID().slice(0, 8)}`,
      feeds: [FEED],
      payloadFormat: PayloadFormat.AVRO_JSON,
      startPosition: StartPosition.LATEST,
      maxUnacked: 200,
      maxBatchSize: 5,
      purposes: ['CRIMINAL_INVESTIGATION', 'BORDER_SECURITY'],
    });
    calls.push(partner.call);
    return partner;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'puente-revocation-'));
    writeFileSync(join(dir, 'us-to-mx.yaml'), withVersion(US_TO_MX, ++version));
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'revocation-test', heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({
      bus,
      codec,
      policiesDir: dir,
      onPoliciesRejected: (error) => rejected.push(error.message),
    });
  });

  afterAll(async () => {
    for (const call of calls) call.cancel();
    await gateway?.stop(1_000);
    await bus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let publisher: ReturnType<typeof keepPublishing> | undefined;
  beforeEach(async () => {
    // Each case starts from the agreement as main has it, under a fresh version.
    await writeAgreement((text) => text);
    publisher = keepPublishing();
  });
  afterEach(async () => {
    await publisher?.stop();
    expect(rejected).toEqual([]);
  });

  const revocations = [
    { name: 'the feed (topic) is removed', edit: (text: string) => withoutTopic(text, TOPIC), names: TOPIC },
    { name: 'the recipient agency is removed', edit: (text: string) => withoutAgency(text, 'ANAM'), names: 'MX/ANAM' },
  ];
  for (const { name, edit, names } of revocations) {
    it(`ends the stream PERMISSION_DENIED (AGREEMENT_REVOKED) when ${name}`, async () => {
      const partner = subscribe();
      await waitFor(() => partner.received.length >= 5, 30_000, 'deliveries before the edit');
      const before = version;
      const after = await writeAgreement(edit);
      // The new version was in force by now (the gateway runs in this process: one clock).
      const inForceBy = Date.now();
      const error = await partner.ended;
      expect(error.code).toBe(status.PERMISSION_DENIED);
      const { reason, metadata } = errorDetailsOf(error);
      expect(reason).toBe(ErrorReason.AGREEMENT_REVOKED);
      expect(metadata).toEqual({
        feed: FEED,
        agreement: 'us-to-mx',
        agreementVersion: String(after),
        previousVersion: String(before),
      });
      expect(error.details).toContain(FEED);
      expect(error.details).toContain(`agreement us-to-mx v${after}`);
      expect(error.details).toContain(names);
      // Nothing under any other version, and nothing after the change at all: no event whose
      // publication began once the new version was in force reached the partner.
      expect(new Set(partner.received.map((d) => d.agreementVersion))).toEqual(new Set([String(before)]));
      await waitFor(
        () => publisher!.published.some((p) => p.startedAt > inForceBy),
        10_000,
        'an event published after the change',
      );
      const late = new Set(publisher!.published.filter((p) => p.startedAt > inForceBy).map((p) => p.eventId));
      expect(partner.received.filter((d) => late.has(d.eventId))).toEqual([]);
    });
  }

  it('continues a narrowed feed under the new version: never back to the old one, without the dropped field', async () => {
    const partner = subscribe();
    await waitFor(() => partner.received.length >= 5, 30_000, 'deliveries before the edit');
    const before = String(version);
    const after = String(await writeAgreement((text) => withoutField(text, TOPIC, 'summary')));
    const inForceAt = Date.now();
    await waitFor(
      () => partner.received.filter((d) => d.agreementVersion === after).length >= 20,
      30_000,
      'deliveries under the new version',
    );
    await publisher?.stop();
    const versions = partner.received.map((d) => d.agreementVersion);
    const firstNew = versions.indexOf(after);
    expect(firstNew).toBeGreaterThan(0);
    // Versions never go back: the old one up to the change, the new one from its first delivery on.
    expect(versions.slice(0, firstNew).every((v) => v === before)).toBe(true);
    expect(versions.slice(firstNew).every((v) => v === after)).toBe(true);
    for (const delivery of partner.received) {
      if (delivery.agreementVersion === after) expect(viewOf(delivery)).not.toHaveProperty('summary');
      else expect(viewOf(delivery)).toHaveProperty('summary');
    }
    // Events published once the new version was in force are delivered under it, every one.
    const later = new Set(publisher!.published.filter((p) => p.at > inForceAt).map((p) => p.eventId));
    expect(later.size).toBeGreaterThan(0);
    for (const delivery of partner.received) {
      if (later.has(delivery.eventId)) expect(delivery.agreementVersion).toBe(after);
    }
    expect(partner.error()).toBeUndefined();
    partner.call.end();
  });

  it('ends the stream PERMISSION_DENIED (AGREEMENT_REVOKED) when validUntil passes, with no file change', async () => {
    const validUntil = new Date(Date.now() + 4_000);
    const inForce = await writeAgreement((text) => withValidUntil(text, validUntil));
    const partner = subscribe();
    await waitFor(() => partner.received.length >= 3, 30_000, 'deliveries before expiry');
    const error = await partner.ended;
    expect(Date.now()).toBeGreaterThanOrEqual(validUntil.getTime());
    expect(error.code).toBe(status.PERMISSION_DENIED);
    const { reason, metadata } = errorDetailsOf(error);
    expect(reason).toBe(ErrorReason.AGREEMENT_REVOKED);
    expect(metadata).toEqual({
      feed: FEED,
      agreement: 'us-to-mx',
      agreementVersion: String(inForce),
      previousVersion: String(inForce),
    });
    expect(error.details).toContain(`expired at ${validUntil.toISOString()}`);
  });
});
