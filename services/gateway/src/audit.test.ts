import { describe, expect, it } from 'vitest';
import { compilePolicySet, createCodec, readAgreementSources, type Bus, type BusRecord } from '@puente/sdk';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

import { createAuditWriter, DISCLOSURE_TOPIC } from './audit.js';
import type { DeliveredRecord } from './subscriptions/session.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

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
    const event = codec.fromJson(
      'us.cargo-manifests.v1',
      JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8')).value,
    ) as unknown as Record<string, unknown>;
    const decision = feed.policy.apply(event, { country: 'MX', agency: 'ANAM' });
    if (!decision.admitted) throw new Error('fixture withheld');
    const delivered: DeliveredRecord[] = Array.from({ length: 1_000 }, (_, i) => ({
      principal: { country: 'MX', agency: 'ANAM', roles: ['subscriber'], name: 'MX/ANAM', via: 'token' },
      subscriptionId: 'mx.anam.test',
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
      event,
      decision,
      viewSchemaId: 12,
    }));
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
