// Live revocation on MemoryBus and real gRPC on loopback: an agreement change under an open
// Subscribe stream ends it with PERMISSION_DENIED (AGREEMENT_REVOKED) when the feed is no longer
// admitted, or moves it to the new version from the next batch — deliveries prepared under the
// old version and still waiting on their audit are never sent, but evaluated again.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { status } from '@grpc/grpc-js';
import { ErrorReason, PayloadFormat, StartPosition, type Delivery } from '@puente/proto';
import { type Bus, type BusRecord, MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { compilePolicySet, type PolicySet } from '@puente/policy';
import { createLogger, DISCLOSURE_TOPIC } from '@puente/runtime';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { readDevKeys } from '../dev/dev-wiring.js';
import { readDevTokens } from '../dev/dev-tokens.js';
import {
  devAgreementText,
  startTestGateway,
  type TestGateway,
  withoutAgency,
  withoutField,
  withoutTopic,
  withPurposes,
  withValidUntil,
  withVersion,
  errorDetailsOf,
  openTestSubscriber,
} from '../testing/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = 'us.investigations.v1';
const FEED = `us-to-mx/${TOPIC}`;
const PURPOSES = ['CRIMINAL_INVESTIGATION', 'BORDER_SECURITY'];
const codec = createCodec();
const tokens = readDevTokens();
const keys = readDevKeys();
const US_TO_MX = devAgreementText('us-to-mx.yaml');
const example = codec.fromFriendlyJson(
  TOPIC,
  (
    JSON.parse(readFileSync(`${root}schemas/examples/investigations/us-hsi-case-opened.json`, 'utf8')) as {
      value: unknown;
    }
  ).value,
);

const compile = (...texts: string[]): PolicySet =>
  compilePolicySet(
    texts.map((text, i) => ({ file: `agreement-${i}.yaml`, text })),
    { schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)), secret: (name) => keys.get(name) },
  );

/** An investigation the agreement releases to MX, with a fresh event id. */
function investigation(): { eventId: string; record: BusRecord } {
  const eventId = randomUUID();
  const value = { ...example, caseId: `REVOKE-${eventId.slice(0, 8)}`, meta: { ...example.meta, eventId } };
  return { eventId, record: { key: value.caseId, value: codec.encode(TOPIC, value) } };
}

/** A delivery's view, as Avro JSON. */
const viewOf = (delivery: Delivery) => JSON.parse(delivery.payload.toString('utf8')) as Record<string, unknown>;

describe('an agreement change under a live subscription', () => {
  let gateway: TestGateway | undefined;
  let bus: MemoryBus | undefined;
  afterEach(async () => {
    await gateway?.stop(500);
    await bus?.stop();
    gateway = undefined;
  });

  /** A gateway on MemoryBus whose agreements are `policies` (swapped by `change`); disclosure writes can be held. */
  async function setUp(initial: PolicySet) {
    bus = new MemoryBus();
    await bus.start();
    const inner = bus;
    let policies = initial;
    const audit = { hold: false, held: [] as (() => void)[], disclosed: [] as { eventId: string; version: string }[] };
    const wrapped = Object.create(inner) as Bus;
    wrapped.publish = async (topic: string, records: readonly BusRecord[]) => {
      if (topic === DISCLOSURE_TOPIC) {
        for (const record of records) {
          const value = codec.decode(record.value!).value as {
            events: { eventId: string }[];
            agreementVersion: string;
          };
          for (const event of value.events)
            audit.disclosed.push({ eventId: event.eventId, version: value.agreementVersion });
        }
        if (audit.hold) await new Promise<void>((resolve) => audit.held.push(resolve));
      }
      return inner.publish(topic, records);
    };
    const logs: { level: number; msg: string; [key: string]: unknown }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(JSON.parse(chunk.toString('utf8')) as (typeof logs)[number]);
        done();
      },
    });
    const logger = createLogger({ name: 'revocation-test', destination });
    gateway = await startTestGateway({ bus: wrapped, codec, partitions: 1, policies: () => policies, logger });
    const change = (next: PolicySet) => {
      policies = next;
      gateway!.gateway.agreementsChanged();
    };
    const release = () => {
      audit.hold = false;
      for (const resolve of audit.held.splice(0)) resolve();
    };
    /** What the gateway logged about us-to-mx and the streams it revoked (pino levels: 30 info, 40 warn). */
    const revocationLogs = () => logs.filter((line) => line['agreement'] === 'us-to-mx');
    return { audit, change, release, revocationLogs };
  }

  function subscribe(options: { maxBatchSize?: number } = {}) {
    return openTestSubscriber(gateway!.client, tokens.get('dev-mx-anam-subscriber') ?? '', {
      subscription: 'revocation',
      feeds: [FEED],
      payloadFormat: PayloadFormat.AVRO_JSON,
      startPosition: StartPosition.LATEST,
      maxUnacked: 100,
      maxBatchSize: options.maxBatchSize ?? 10,
      purposes: PURPOSES,
    });
  }

  async function publish(count: number): Promise<string[]> {
    const events = Array.from({ length: count }, investigation);
    await bus!.publish(
      TOPIC,
      events.map((e) => e.record),
    );
    return events.map((e) => e.eventId);
  }

  /** The status's reason and ErrorInfo metadata. */

  const revocations: { name: string; edit: () => PolicySet; agreementVersion: string; names: RegExp }[] = [
    {
      name: 'the feed (topic) is removed',
      edit: () => compile(withVersion(withoutTopic(US_TO_MX, TOPIC), 2)),
      agreementVersion: '2',
      names: /no longer shares us\.investigations\.v1/,
    },
    {
      name: 'the recipient agency is removed',
      edit: () => compile(withVersion(withoutAgency(US_TO_MX, 'ANAM'), 2)),
      agreementVersion: '2',
      names: /no longer shares with MX\/ANAM/,
    },
    {
      name: 'none of the declared purposes is allowed any more',
      edit: () => compile(withVersion(withPurposes(US_TO_MX, ['CUSTOMS', 'TRADE_FACILITATION']), 2)),
      agreementVersion: '2',
      names: /allows none of the declared purposes/,
    },
    {
      name: 'the agreement file is removed',
      edit: () => compile(devAgreementText('mx-to-us.yaml')),
      agreementVersion: 'removed',
      names: /agreement us-to-mx was removed/,
    },
  ];

  for (const { name, edit, agreementVersion, names } of revocations) {
    it(`ends PERMISSION_DENIED (AGREEMENT_REVOKED) when ${name}, and delivers nothing after the change`, async () => {
      const { change, revocationLogs } = await setUp(compile(US_TO_MX));
      const partner = subscribe();
      await waitFor(partner.started, 5_000, 'the subscription to start');
      const before = await publish(3);
      await waitFor(() => partner.received.length === 3, 5_000, 'the records before the change');
      expect(partner.received.map((d) => d.eventId)).toEqual(before);

      change(edit());
      // Published right after the change: none of it may reach the partner.
      await publish(3);
      const error = await partner.ended;
      expect(error.code).toBe(status.PERMISSION_DENIED);
      const { reason, metadata } = errorDetailsOf(error);
      expect(reason).toBe(ErrorReason.AGREEMENT_REVOKED);
      expect(metadata).toEqual({ feed: FEED, agreement: 'us-to-mx', agreementVersion, previousVersion: '1' });
      expect(error.details).toContain(FEED);
      expect(error.details).toContain('us-to-mx');
      expect(error.details).toMatch(names);
      expect(error.details).toContain(
        agreementVersion === 'removed' ? 'no version is in force' : 'version in force: 2',
      );
      expect(partner.received).toHaveLength(3);
      const revoked = await gateway!.gateway.metrics.subscriptionsRevoked.get();
      expect(revoked.values).toEqual([expect.objectContaining({ labels: { agreement: 'us-to-mx' }, value: 1 })]);
      // One warn for the stream, one info for the change (after the streams were re-evaluated).
      expect(
        revocationLogs().map(({ level, agreement, streamsEnded }) => ({ level, agreement, streamsEnded })),
      ).toEqual([
        { level: 40, agreement: 'us-to-mx', streamsEnded: undefined },
        { level: 30, agreement: 'us-to-mx', streamsEnded: 1 },
      ]);
      expect(revocationLogs()[1]).toMatchObject({
        change: agreementVersion === 'removed' ? 'removed' : 'changed',
        from: 1,
        to: agreementVersion === 'removed' ? null : 2,
        feedsReversioned: 0,
      });
      const timing = await gateway!.gateway.metrics.reevaluationSeconds.get();
      expect(timing.values.find((v) => v.metricName === 'puente_agreement_reevaluation_seconds_count')?.value).toBe(1);
    });
  }

  it('ends the stream when the agreement expires at validUntil, with no file change, and not before', async () => {
    const validUntil = new Date(Date.now() + 1_500);
    await setUp(compile(withValidUntil(US_TO_MX, validUntil)));
    const partner = subscribe();
    await waitFor(partner.started, 5_000, 'the subscription to start');
    await publish(2);
    await waitFor(() => partner.received.length === 2, 5_000, 'the records before expiry');
    const error = await partner.ended;
    expect(Date.now()).toBeGreaterThanOrEqual(validUntil.getTime());
    expect(error.code).toBe(status.PERMISSION_DENIED);
    const { reason, metadata } = errorDetailsOf(error);
    expect(reason).toBe(ErrorReason.AGREEMENT_REVOKED);
    expect(metadata).toEqual({ feed: FEED, agreement: 'us-to-mx', agreementVersion: '1', previousVersion: '1' });
    expect(error.details).toContain(`expired at ${validUntil.toISOString()}`);
    const changes = await gateway!.gateway.metrics.agreementChanges.get();
    expect(changes.values).toEqual([
      expect.objectContaining({ labels: { agreement: 'us-to-mx', change: 'expired' }, value: 1 }),
    ]);
  });

  it('continues a narrowed feed under the new version from the next batch, without the dropped field', async () => {
    const { change, revocationLogs } = await setUp(compile(US_TO_MX));
    const partner = subscribe();
    await waitFor(partner.started, 5_000, 'the subscription to start');
    await publish(3);
    await waitFor(() => partner.received.length === 3, 5_000, 'the records before the change');
    for (const delivery of partner.received) {
      expect(delivery.agreementVersion).toBe('1');
      expect(viewOf(delivery)).toHaveProperty('summary');
    }

    change(compile(withVersion(withoutField(US_TO_MX, TOPIC, 'summary'), 2)));
    const after = await publish(4);
    await waitFor(() => partner.received.length === 7, 5_000, 'the records after the change');
    const later = partner.received.slice(3);
    expect(later.map((d) => d.eventId)).toEqual(after);
    for (const delivery of later) {
      expect(delivery.agreementVersion).toBe('2');
      expect(viewOf(delivery)).not.toHaveProperty('summary');
      expect(viewOf(delivery)).toHaveProperty('title');
    }
    expect(partner.error()).toBeUndefined();
    const moved = await gateway!.gateway.metrics.feedsReversioned.get();
    expect(moved.values).toEqual([expect.objectContaining({ labels: { agreement: 'us-to-mx' }, value: 1 })]);
    const changes = await gateway!.gateway.metrics.agreementChanges.get();
    expect(changes.values).toEqual([
      expect.objectContaining({ labels: { agreement: 'us-to-mx', change: 'changed' }, value: 1 }),
    ]);
    expect(revocationLogs()).toEqual([
      expect.objectContaining({
        level: 30,
        agreement: 'us-to-mx',
        change: 'changed',
        from: 1,
        to: 2,
        streamsEnded: 0,
        feedsReversioned: 1,
        msg: 'agreement us-to-mx changed: v1 → v2',
      }),
    ]);
    partner.call.end();
  });

  it('never sends batches prepared under the old version: they are evaluated again under the new one', async () => {
    const { audit, change, release } = await setUp(compile(US_TO_MX));
    const partner = subscribe({ maxBatchSize: 2 });
    await waitFor(partner.started, 5_000, 'the subscription to start');
    const first = await publish(2);
    await waitFor(() => partner.received.length === 2, 5_000, 'the records before the change');

    // Three batches taken under v1, each waiting on its disclosure.
    audit.hold = true;
    const held = await publish(6);
    await waitFor(() => audit.held.length === 3, 5_000, 'three batches waiting on their audit');
    expect(partner.received).toHaveLength(2);

    change(compile(withVersion(withoutField(US_TO_MX, TOPIC, 'summary'), 2)));
    release();
    await waitFor(() => partner.received.length >= 8, 5_000, 'the held records, under the new version');
    // Anything taken back and sent twice would show up here.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(partner.received.map((d) => d.eventId)).toEqual([...first, ...held]);
    expect(partner.received.map((d) => d.agreementVersion)).toEqual(['1', '1', ...held.map(() => '2')]);
    for (const delivery of partner.received.slice(2)) expect(viewOf(delivery)).not.toHaveProperty('summary');
    // The held records were disclosed under v1 (over-reporting: never sent that way), then under v2 as sent.
    for (const eventId of held) {
      const versions = audit.disclosed.filter((d) => d.eventId === eventId).map((d) => d.version);
      expect(versions).toEqual(['1', '2']);
    }
    expect(partner.error()).toBeUndefined();
    partner.call.end();
  });
});
