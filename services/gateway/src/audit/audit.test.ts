import { describe, expect, it } from 'vitest';
import { type Bus, type BusRecord } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { compilePolicySet, readAgreementSources } from '@puente/policy';
import { DISCLOSURE_TOPIC } from '@puente/runtime';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

import { createAuditWriter, createDisclosureEncoder, disclosureRecord, fieldLists } from './audit.js';
import { deliveredRecord, type DeliveredRecord } from '../subscribe/record-evaluation.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

function fixture() {
  const codec = createCodec();
  const policies = compilePolicySet(readAgreementSources(`${root}deploy/policies`), {
    schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
    secret: () => Buffer.alloc(32, 3).toString('base64'),
  });
  return { codec, policies };
}

const example = (name: string) =>
  JSON.parse(readFileSync(`${root}schemas/examples/${name}`, 'utf8')) as { topic: string; value: unknown };

describe('disclosure field lists', () => {
  it('name whole records and arrays where all their fields share a fate, and cover every field exactly once', () => {
    const { codec, policies } = fixture();
    let decisions = 0;
    for (const { file, to } of [
      { file: 'cargo-manifests/us-northbound-laredo.json', to: { country: 'MX', agency: 'ANAM' } },
      { file: 'cargo-manifests/mx-southbound-ciudad-juarez.json', to: { country: 'US', agency: 'CBP' } },
    ]) {
      const { topic, value } = example(file);
      const event = codec.fromFriendlyJson(topic, value) as Record<string, unknown>;
      for (const feed of policies.feedsFor(to).filter((f) => f.policy.topic === topic)) {
        const decision = feed.policy.apply(event, to);
        if (!decision.admitted) continue;
        decisions++;
        const lists = fieldLists(decision.fields);
        const listed = [
          ...lists.fieldsReleased.map((path) => ({ path, fate: 'keep' })),
          ...lists.fieldsRemoved.map((path) => ({ path, fate: 'removed' })),
          ...lists.fieldsTransformed.map((t) => ({
            path: t.path,
            fate: `${t.action}:${t.method}:${t.normalization}:${t.keyIds.join(',')}`,
          })),
        ];
        const fateOf = (field: (typeof decision.fields)[number]) => {
          const { action } = field;
          if (action === 'drop' || action === 'removed') return 'removed';
          if (action === 'keep') return 'keep';
          if (action === 'hash')
            return `HASH:hmac-sha256:${field.normalization ?? null}:${(field.keyIds ?? []).join(',')}`;
          const [kind, method] = action.split(':');
          return `${{ mask: 'MASK', generalize: 'GENERALIZE' }[kind!]}:${method}:null:`;
        };
        for (const field of decision.fields) {
          const covering = listed.filter((l) => field.path === l.path || field.path.startsWith(`${l.path}.`));
          expect(covering, field.path).toHaveLength(1);
          expect(covering[0]!.fate, field.path).toBe(fateOf(field));
        }
        // Every listed path covers at least one field, and the lists are shorter than the fields.
        for (const l of listed)
          expect(decision.fields.some((f) => f.path === l.path || f.path.startsWith(`${l.path}.`))).toBe(true);
        expect(listed.length).toBeLessThan(decision.fields.length);
      }
    }
    expect(decisions).toBeGreaterThanOrEqual(2);
  });

  it('lists the US manifest shared with ANAM by whole parts where it can', () => {
    const { codec, policies } = fixture();
    const { topic, value } = example('cargo-manifests/us-northbound-laredo.json');
    const feed = policies.feedsFor({ country: 'MX', agency: 'ANAM' }).find((f) => f.policy.topic === topic)!;
    const decision = feed.policy.apply(codec.fromFriendlyJson(topic, value) as Record<string, unknown>, {
      country: 'MX',
      agency: 'ANAM',
    });
    if (!decision.admitted) throw new Error('fixture withheld');
    const lists = fieldLists(decision.fields);
    expect(lists.fieldsReleased).toEqual(
      expect.arrayContaining(['meta', 'carrier', 'consignee', 'goods[*]', 'seals[*]']),
    );
    expect(lists.fieldsReleased).not.toContain('driver');
    expect(lists.fieldsRemoved).toEqual(expect.arrayContaining(['driver.address', 'consignor.address']));
    expect(lists.fieldsTransformed).toContainEqual(
      expect.objectContaining({ path: 'driver.documents[*].documentNumber', action: 'HASH', method: 'hmac-sha256' }),
    );
  });
});

describe('disclosure encoder', () => {
  it('gives byte for byte the Avro of the whole record, for every rule and any delivery time', () => {
    const { codec, policies } = fixture();
    const encode = createDisclosureEncoder(codec);
    const cases = [
      { file: 'cargo-manifests/us-northbound-laredo.json', to: { country: 'MX' as const, agency: 'ANAM' } },
      { file: 'cargo-manifests/mx-southbound-ciudad-juarez.json', to: { country: 'US' as const, agency: 'CBP' } },
    ];
    let checked = 0;
    for (const { file, to } of cases) {
      const { topic, value } = example(file);
      const event = codec.fromFriendlyJson(topic, value) as Record<string, unknown>;
      for (const feed of policies.feedsFor(to).filter((f) => f.policy.topic === topic)) {
        const decision = feed.policy.apply(event, to);
        if (!decision.admitted) continue;
        for (const at of [0, 1, 63, 64, 8_191, 2 ** 40, Date.parse('2026-11-27T12:00:00Z')]) {
          const now = new Date(at);
          const delivered = deliveredRecord(
            {
              principal: { ...to, roles: ['subscriber'], name: `${to.country}/${to.agency}`, via: 'token' },
              subscriptionId: 'test.sub',
              declaredPurposes: ['CUSTOMS'],
              feed,
              record: { topic, partition: 1, offset: String(at), key: 'K-1', value: null, headers: {}, timestamp: 0 },
              viewSchemaId: 12,
            },
            event,
            decision,
            Buffer.from(`view sent at ${at}`),
          );
          // Both calls run twice: the first fills the per-rule cache, the second uses it.
          for (let round = 0; round < 2; round++) {
            const bytes = encode(delivered, now);
            const decoded = codec.decode(bytes, { topic: DISCLOSURE_TOPIC }).value as unknown as Record<
              string,
              unknown
            >;
            const expected = disclosureRecord(delivered, now);
            // Random ids differ between two encodings; everything else must match exactly.
            const meta = decoded['meta'] as Record<string, unknown>;
            const same = {
              ...expected,
              disclosureId: decoded['disclosureId'],
              meta: { ...(expected['meta'] as object), eventId: meta['eventId'] },
            };
            expect(bytes.equals(codec.encode(DISCLOSURE_TOPIC, same as never))).toBe(true);
            expect((decoded['fieldsReleased'] as string[]).length).toBeGreaterThan(0);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(28);
  });
});

describe('audit writer', () => {
  it('splits a large batch of disclosures into produce requests well under Kafka’s 1 MiB limit', async () => {
    const codec = createCodec();
    const policies = compilePolicySet(readAgreementSources(`${root}deploy/policies`), {
      schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
      secret: () => Buffer.alloc(32, 3).toString('base64'),
    });
    const feed = policies
      .feedsFor({ country: 'MX', agency: 'ANAM' })
      .find((f) => f.policy.topic === 'us.cargo-manifests.v1')!;
    const event = codec.fromFriendlyJson(
      'us.cargo-manifests.v1',
      JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')).value,
    ) as unknown as Record<string, unknown>;
    const decision = feed.policy.apply(event, { country: 'MX', agency: 'ANAM' });
    if (!decision.admitted) throw new Error('fixture withheld');
    const delivered: DeliveredRecord[] = Array.from({ length: 1_000 }, (_, i) =>
      deliveredRecord(
        {
          principal: { country: 'MX', agency: 'ANAM', roles: ['subscriber'], name: 'MX/ANAM', via: 'token' },
          subscriptionId: 'mx.anam.test',
          declaredPurposes: ['CUSTOMS'],
          feed,
          record: {
            topic: 'us.cargo-manifests.v1',
            partition: 0,
            offset: String(i),
            key: 'K',
            value: null,
            headers: {},
            timestamp: 0,
          },
          viewSchemaId: 12,
        },
        event,
        decision,
        Buffer.from(`view ${i}`),
      ),
    );
    const calls: BusRecord[][] = [];
    const bus = {
      publish: async (topic: string, records: readonly BusRecord[]) => {
        expect(topic).toBe(DISCLOSURE_TOPIC);
        calls.push([...records]);
        return [];
      },
    } as unknown as Bus;
    await createAuditWriter(bus, codec)(delivered);
    const sizes = calls.map((records) => records.reduce((n, r) => n + (r.value?.length ?? 0), 0));
    expect(calls.flat()).toHaveLength(1_000);
    expect(calls.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(512 * 1024);
    const first = codec.decode(calls[0]![0]!.value!, { topic: DISCLOSURE_TOPIC }).value as Record<string, any>;
    expect(first['recipient']).toMatchObject({ country: 'MX', agency: 'ANAM', subscription: 'mx.anam.test' });
    expect(first['fieldsTransformed'].some((t: { action: string }) => t.action === 'HASH')).toBe(true);
  });
});
