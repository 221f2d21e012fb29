// The field lists of a rule's decisions: every field covered exactly once, whole records and
// arrays named where all their fields share a fate.
import { describe, expect, it } from 'vitest';

import { fieldLists } from './field-lists.js';
import { auditFixture, example } from './testing/deliveries.js';

describe('disclosure field lists', () => {
  it('name whole records and arrays where all their fields share a fate, and cover every field exactly once', () => {
    const { codec, policies } = auditFixture();
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
    const { codec, policies } = auditFixture();
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
