// Deliveries for the audit's unit tests: the development agreements compiled against the catalog,
// the example manifests' decisions, and DeliveredRecords made from them as a session makes them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { type AvroCodec, createCodec } from '@puente/contracts';
import { compilePolicySet, type Feed, type PolicySet } from '@puente/policy';
import { readAgreementSources } from '@puente/policy';

import type { Principal } from '../../auth/identity.js';
import { deliveredRecord, type DeliveredRecord } from '../../subscribe/record-evaluation.js';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));

export const US_CARGO = 'us.cargo-manifests.v1';
export const MX_CARGO = 'mx.cargo-manifests.v1';

export interface AuditFixture {
  readonly codec: AvroCodec;
  readonly policies: PolicySet;
}

export function auditFixture(): AuditFixture {
  const codec = createCodec();
  const policies = compilePolicySet(readAgreementSources(`${root}deploy/policies`), {
    schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)),
    secret: () => Buffer.alloc(32, 3).toString('base64'),
  });
  return { codec, policies };
}

export const example = (name: string) =>
  JSON.parse(readFileSync(`${root}schemas/examples/${name}`, 'utf8')) as { topic: string; value: unknown };

export const subscriberOf = (country: 'US' | 'MX', agency: string, name = `${country}/${agency}`): Principal => ({
  country,
  agency,
  roles: ['subscriber'],
  name,
  via: 'token',
});

/** An example event of a topic with the given eventId (and supersedes), as its Avro value. */
export function exampleEvent(
  fx: AuditFixture,
  file: string,
  overrides: { readonly eventId?: string; readonly supersedes?: string | null } = {},
): { topic: string; event: Record<string, unknown> } {
  const { topic, value } = example(file);
  const event = fx.codec.fromFriendlyJson(topic, value) as Record<string, unknown>;
  const meta = { ...(event['meta'] as Record<string, unknown>) };
  if (overrides.eventId !== undefined) meta['eventId'] = overrides.eventId;
  if (overrides.supersedes !== undefined) meta['supersedes'] = overrides.supersedes;
  return { topic, event: { ...event, meta } };
}

export interface DeliveryOptions {
  readonly feed: Feed;
  readonly event: Record<string, unknown>;
  readonly principal: Principal;
  readonly subscriptionId?: string;
  readonly declaredPurposes?: readonly string[];
  readonly partition?: number;
  readonly offset?: number;
  readonly key?: string | null;
  readonly viewSchemaId?: number;
  readonly payload?: Buffer;
  readonly retraction?: DeliveredRecord['retraction'];
}

/** The delivery of `event` on `feed` as a session records it; throws when the feed withholds it. */
export function delivery(options: DeliveryOptions): DeliveredRecord {
  const { feed, event, principal } = options;
  const decision = feed.policy.apply(event, principal);
  if (!decision.admitted) throw new Error(`fixture withheld by ${feed.agreement.id}/${feed.policy.topic}`);
  const offset = options.offset ?? 0;
  const made = deliveredRecord(
    {
      principal,
      subscriptionId: options.subscriptionId ?? 'test.sub',
      declaredPurposes: options.declaredPurposes ?? ['CUSTOMS'],
      feed,
      record: {
        topic: feed.policy.topic,
        partition: options.partition ?? 0,
        offset: String(offset),
        key: options.key === undefined ? `K-${offset}` : options.key,
        value: null,
        headers: {},
        timestamp: 0,
      },
      viewSchemaId: options.viewSchemaId ?? 12,
    },
    event,
    decision,
    options.payload ?? Buffer.from(`view ${offset}`),
  );
  return options.retraction ? { ...made, retraction: options.retraction } : made;
}

/** The feed of `topic` the agreements give `to`. */
export function feedOf(fx: AuditFixture, to: { country: 'US' | 'MX'; agency: string }, topic: string): Feed {
  const feed = fx.policies.feedsFor(to).find((f) => f.policy.topic === topic);
  if (!feed) throw new Error(`no feed of ${topic} for ${to.country}/${to.agency}`);
  return feed;
}
