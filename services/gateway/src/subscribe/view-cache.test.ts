// The shared view cache (issue 19): a record is judged once for every subscription with the same
// view key, and again for another agency, other declared purposes, another format or another
// agreement version; the cache is bounded in bytes (oldest out first) and emptied when the last
// subscription closes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { PayloadFormat } from '@puente/proto';
import { createCodec } from '@puente/contracts';
import { compilePolicySet, readAgreementSources, type Feed } from '@puente/policy';
import { describe, expect, it, vi } from 'vitest';

import type { Principal } from '../auth/identity.js';
import { DEV_POLICIES_DIR, readDevKeys } from '../dev/dev-wiring.js';
import { createViewSchemaIds } from '../view-schema-ids.js';
import { evaluateRecord, type EvaluationContext, type Evaluation } from './record-evaluation.js';
import type { TailEntry } from './topic-tail.js';
import { createViewCache, type SharedVerdict, type ViewCache } from './view-cache.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const TOPIC = 'us.cargo-manifests.v1';
const codec = createCodec();
const viewSchemaId = createViewSchemaIds(codec);
const example = codec.fromFriendlyJson(
  TOPIC,
  (
    JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')) as {
      value: unknown;
    }
  ).value,
);

/** The US → MX cargo feed of the development agreements, at `version`. */
function feedAt(version: number): Feed {
  const keys = readDevKeys();
  const sources = readAgreementSources(DEV_POLICIES_DIR).map((source) =>
    source.file.endsWith('us-to-mx.yaml')
      ? { ...source, text: source.text.replace(/^version: \d+$/m, `version: ${version}`) }
      : source,
  );
  const set = compilePolicySet(sources, {
    schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
    secret: (name) => keys.get(name),
  });
  const agreement = set.agreement('us-to-mx');
  const policy = set.policy('us-to-mx', TOPIC);
  if (!agreement || !policy) throw new Error('the development agreements have no US → MX cargo feed');
  return { agreement, policy };
}

const entry = (offset: number): TailEntry => ({
  record: {
    topic: TOPIC,
    partition: 0,
    offset: String(offset),
    key: 'MAN-1',
    value: codec.encode(TOPIC, example),
    headers: {},
    timestamp: 1_700_000_000_000,
  },
});

function context(
  views: ViewCache,
  overrides: Partial<EvaluationContext> & { agency?: string } = {},
): EvaluationContext {
  const agency = overrides.agency ?? 'ANAM';
  const principal: Principal = { country: 'MX', agency, roles: ['subscriber'], name: `MX/${agency}`, via: 'token' };
  return {
    codec,
    viewSchemaId,
    format: PayloadFormat.AVRO_CONFLUENT,
    partner: { country: 'MX', agency, purposes: ['CUSTOMS', 'TRADE_FACILITATION'] },
    principal,
    subscriptionId: `mx.${agency.toLowerCase()}.cargo`,
    streamId: 'stream-1',
    views,
    ...overrides,
  };
}

function admitted(result: ReturnType<typeof evaluateRecord>): Evaluation {
  if (!result || !('delivery' in result)) throw new Error(`expected a delivery, got ${JSON.stringify(result)}`);
  return result;
}

describe('the shared view cache', () => {
  it('judges a record once for two subscriptions with the same view key', () => {
    const feed = feedAt(1);
    const applyBytes = vi.spyOn(feed.policy, 'applyBytes');
    const apply = vi.spyOn(feed.policy, 'apply');
    const views = createViewCache({ maxBytes: 1 << 20 });
    const record = entry(7);
    const first = admitted(
      evaluateRecord(
        context(views, { subscriptionId: 'mx.anam.a', streamId: 's-a' }),
        { feed, feedIndex: 0, partition: 0 },
        record,
      ),
    );
    // Declared in another order: the same purposes, the same view.
    const second = admitted(
      evaluateRecord(
        context(views, {
          subscriptionId: 'mx.anam.b',
          streamId: 's-b',
          partner: { country: 'MX', agency: 'ANAM', purposes: ['TRADE_FACILITATION', 'CUSTOMS'] },
        }),
        { feed, feedIndex: 1, partition: 0 },
        record,
      ),
    );
    expect(applyBytes.mock.calls.length + apply.mock.calls.length).toBe(1);
    // One payload, shared; what is per subscription stays per subscription.
    expect(second.delivery.payload).toBe(first.delivery.payload);
    // Of its own memory, not a slice holding an 8 KiB pool block alive while cached.
    expect(first.delivery.payload.buffer.byteLength).toBe(first.delivery.payload.length);
    expect(second.delivered.digest).toEqual(first.delivered.digest);
    expect(first.delivery.cursor).toBe('s-a:0:0:7');
    expect(second.delivery.cursor).toBe('s-b:1:0:7');
    expect(first.delivered.subscriptionId).toBe('mx.anam.a');
    expect(second.delivered.subscriptionId).toBe('mx.anam.b');
    expect(first.delivery.eventId).toBe(example.meta.eventId);
    // Evaluated without the cache, the record gives the same bytes.
    const alone = admitted(
      evaluateRecord({ ...context(views), views: undefined } as never, { feed, feedIndex: 0, partition: 0 }, record),
    );
    expect(alone.delivery.payload).toEqual(first.delivery.payload);
    expect(views.size).toBe(1);
  });

  it('judges it again for another agency, other purposes, another format, another version or another record', () => {
    const feed = feedAt(1);
    const applyBytes = vi.spyOn(feed.policy, 'applyBytes');
    const apply = vi.spyOn(feed.policy, 'apply');
    const judged = () => applyBytes.mock.calls.length + apply.mock.calls.length;
    const views = createViewCache({ maxBytes: 1 << 20 });
    const source = { feed, feedIndex: 0, partition: 0 };
    const record = entry(3);
    evaluateRecord(context(views), source, record);
    expect(judged()).toBe(1);
    evaluateRecord(context(views, { agency: 'FGR' }), source, record);
    expect(judged()).toBe(2);
    evaluateRecord(
      context(views, { partner: { country: 'MX', agency: 'ANAM', purposes: ['CUSTOMS'] } }),
      source,
      record,
    );
    expect(judged()).toBe(3);
    const json = admitted(evaluateRecord(context(views, { format: PayloadFormat.AVRO_JSON }), source, record));
    expect(judged()).toBe(4);
    expect(json.delivery.payloadFormat).toBe(PayloadFormat.AVRO_JSON);
    evaluateRecord(context(views), source, entry(4));
    expect(judged()).toBe(5);
    // The agreement's next version: its own verdicts, never the old version's.
    const next = feedAt(2);
    const nextApplyBytes = vi.spyOn(next.policy, 'applyBytes');
    const moved = admitted(evaluateRecord(context(views), { ...source, feed: next }, record));
    expect(nextApplyBytes).toHaveBeenCalledTimes(1);
    expect(moved.delivery.agreementVersion).toBe('2');
    expect(moved.delivered.feed.agreement.version).toBe(2);
    // The same view again: all from the cache.
    evaluateRecord(context(views), source, record);
    evaluateRecord(context(views, { agency: 'FGR' }), source, record);
    expect(judged()).toBe(5);
    expect(nextApplyBytes).toHaveBeenCalledTimes(1);
  });

  it('judges afresh, and keeps nothing, outside the agreement validity', () => {
    const feed = feedAt(1);
    const expired: Feed = { ...feed, agreement: { ...feed.agreement, validUntil: new Date(Date.now() - 1_000) } };
    const applyBytes = vi.spyOn(feed.policy, 'applyBytes');
    const views = createViewCache({ maxBytes: 1 << 20 });
    for (let i = 0; i < 2; i++) evaluateRecord(context(views), { feed: expired, feedIndex: 0, partition: 0 }, entry(1));
    expect(applyBytes).toHaveBeenCalledTimes(2);
    expect(views.size).toBe(0);
  });

  it('judges again once a hash key overlap ends: the view before it carries the previous key too', () => {
    const feed = feedAt(1);
    const applyBytes = vi.spyOn(feed.policy, 'applyBytes');
    const start = Date.now();
    // The same compiled policy, with the previous hash key honoured for another minute.
    const rotating: Feed = {
      ...feed,
      policy: Object.create(feed.policy, { hashOverlapUntil: { value: start + 60_000 } }) as Feed['policy'],
    };
    const source = { feed: rotating, feedIndex: 0, partition: 0 };
    const views = createViewCache({ maxBytes: 1 << 20 });
    const clock = vi.spyOn(Date, 'now').mockReturnValue(start);
    try {
      evaluateRecord(context(views), source, entry(1));
      evaluateRecord(context(views, { streamId: 'stream-2' }), source, entry(1));
      expect(applyBytes).toHaveBeenCalledTimes(1);
      clock.mockReturnValue(start + 60_000);
      evaluateRecord(context(views, { streamId: 'stream-3' }), source, entry(1));
      expect(applyBytes).toHaveBeenCalledTimes(2);
      expect(applyBytes.mock.calls.map((call) => call[3]?.now)).toEqual([start, start + 60_000]);
    } finally {
      clock.mockRestore();
    }
  });

  it('is bounded in bytes, oldest out first, and empty once the last subscription closes', () => {
    const hits: number[] = [];
    let bytes = -1;
    const views = createViewCache({ maxBytes: 3 * 1_600, onHit: () => hits.push(1), onBytes: (b) => (bytes = b) });
    const verdict = (size: number): SharedVerdict => ({
      kind: 'admitted',
      decision: { rule: 'r', fields: [] },
      payload: Buffer.alloc(size),
      digest: Buffer.alloc(32),
      eventId: 'e',
      purposes: [],
      supersedes: null,
      releasesKey: false,
    });
    views.retain();
    views.retain();
    for (const key of ['a', 'b', 'c', 'd']) views.verdict(key, () => verdict(1_000));
    // Each ~1.5 KB with its overhead: three fit, the oldest went.
    expect(views.size).toBe(3);
    expect(views.bytes).toBeLessThanOrEqual(3 * 1_600);
    expect(bytes).toBe(views.bytes);
    const judge = vi.fn(() => verdict(1_000));
    views.verdict('d', judge);
    expect(judge).not.toHaveBeenCalled();
    expect(hits).toHaveLength(1);
    views.verdict('a', judge);
    expect(judge).toHaveBeenCalledTimes(1);
    // A verdict larger than the whole cache is used, not kept.
    views.verdict('huge', () => verdict(10_000));
    expect(views.size).toBe(3);
    views.release();
    expect(views.size).toBe(3);
    views.release();
    expect(views.size).toBe(0);
    expect(views.bytes).toBe(0);
    expect(bytes).toBe(0);
  });
});
