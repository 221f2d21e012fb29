// The deployed agreements (deploy/policies) on generated people at the port: whatever a crossing or
// a registry status holds, no view of it in either direction carries a document or membership
// number other than as a bilateral keyed hash, a birth date finer than its year, or a raw number
// anywhere in its bytes.
import { readFileSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { parseSchema } from '@puente/contracts';
import { compilePolicySet } from './policy-set.js';
import { arbitraryFor } from './testing/arbitraries.js';
import { compileOptions, POLICIES_DIR, topicType } from './testing/fixtures.js';

const set = compilePolicySet(
  ['us-to-mx.yaml', 'mx-to-us.yaml'].map((name) => ({
    file: `deploy/policies/${name}`,
    text: readFileSync(`${POLICIES_DIR}/${name}`, 'utf8'),
  })),
  compileOptions,
);
const HASH = /^usmx-dev-1:[A-Za-z0-9_-]{43}$/;
/** Leaf names that hold a person's document or membership number. */
const NUMBER_LEAF = /(^|\.)(documentNumber|membershipId|licensePlate)$/;
const feeds = [
  ...set.feedsFor({ country: 'MX', agency: 'INM' }),
  ...set.feedsFor({ country: 'US', agency: 'CBP' }),
].filter((feed) => /\.(traveller-crossings|trusted-travellers)\.v1$/.test(feed.policy.topic));

/** Leaves as (path, value), array elements as [*]. */
function leaves(value: unknown, path = '', out: [string, unknown][] = []): [string, unknown][] {
  if (Array.isArray(value)) for (const item of value) leaves(item, `${path}[*]`, out);
  else if (value !== null && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value))
    for (const [key, inner] of Object.entries(value)) leaves(inner, path ? `${path}.${key}` : key, out);
  else out.push([path, value]);
  return out;
}

describe('the deployed agreements on generated people at the port', () => {
  it('cover both directions of crossings and registry statuses', () => {
    expect(feeds.map((feed) => feed.policy.topic).sort()).toEqual([
      'mx.traveller-crossings.v1',
      'mx.trusted-travellers.v1',
      'us.traveller-crossings.v1',
      'us.trusted-travellers.v1',
    ]);
  });

  it.each(feeds.map((feed) => [feed.policy.topic, feed] as const))(
    '%s never leaves with a raw number or a full birth date',
    (topic, feed) => {
      const rootType = topicType(topic)!;
      const viewType = parseSchema(feed.policy.viewSchema as never);
      const partner = { country: feed.agreement.to.country, agency: feed.agreement.to.agencies?.[0] ?? 'ANY' };
      // Shareable markings, so that the rules (not the gates) decide: what they release is tested.
      const events = (arbitraryFor(rootType) as fc.Arbitrary<Record<string, any>>).map((event) => ({
        ...event,
        meta: {
          ...event['meta'],
          classification: 'LAW_ENFORCEMENT_SENSITIVE',
          releasableTo: ['US', 'MX'],
          purposes: ['BORDER_SECURITY'],
        },
      }));
      let numbers = 0;
      let birthYears = 0;
      fc.assert(
        fc.property(events, (event) => {
          const decision = feed.policy.apply(event, partner);
          expect(decision.admitted).toBe(true);
          if (!decision.admitted) return;
          const bytes = viewType.toBuffer(decision.view).toString('latin1');
          for (const [path, value] of leaves(decision.view)) {
            if (NUMBER_LEAF.test(path) && value !== null) {
              expect(value, path).toMatch(HASH);
              numbers++;
            }
            if (path.endsWith('dateOfBirth') && value !== null) {
              expect(value, path).toMatch(/^\d{4}$/);
              birthYears++;
            }
          }
          for (const [path, value] of leaves(event)) {
            if (NUMBER_LEAF.test(path) && typeof value === 'string' && value.length >= 12)
              expect(bytes.includes(value), `${path} leaked raw`).toBe(false);
          }
        }),
        { numRuns: 300 },
      );
      // The generator reached what the property is about.
      expect(numbers).toBeGreaterThan(100);
      expect(birthYears).toBeGreaterThan(50);
    },
  );
});
