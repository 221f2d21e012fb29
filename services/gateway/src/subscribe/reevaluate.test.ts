// The verdict on one feed of an open stream after an agreement change, and what counts as a change.
import { ErrorReason } from '@puente/proto';
import { createCodec } from '@puente/contracts';
import { compilePolicySet, type Feed, type PolicySet } from '@puente/policy';
import type { Logger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { readDevKeys } from '../dev/dev-wiring.js';
import {
  devAgreementText,
  withoutAgency,
  withoutField,
  withoutTopic,
  withPurposes,
  withValidUntil,
  withVersion,
} from '../testing/index.js';
import { judgeFeed, nextBoundary } from './reevaluate.js';
import { changesBetween, createRevocation } from './revocation.js';
import type { SubscriptionSession } from './session.js';

const TOPIC = 'us.investigations.v1';
const codec = createCodec();
const keys = readDevKeys();
const US_TO_MX = devAgreementText('us-to-mx.yaml');
const MX_TO_US = devAgreementText('mx-to-us.yaml');
const compile = (...texts: string[]): PolicySet =>
  compilePolicySet(
    texts.map((text, i) => ({ file: `agreement-${i}.yaml`, text })),
    { schemaFor: (topic) => codec.catalog.typeOf(codec.schemaIdOf(topic)), secret: (name) => keys.get(name) },
  );
const ANAM = { country: 'MX', agency: 'ANAM', purposes: ['CRIMINAL_INVESTIGATION'] };
const NOW = Date.parse('2027-06-01T00:00:00Z');

function feedOf(set: PolicySet): Feed {
  const agreement = set.agreement('us-to-mx')!;
  return { agreement, policy: agreement.topics.get(TOPIC)! };
}

describe('judgeFeed', () => {
  const current = feedOf(compile(US_TO_MX));

  it('keeps a feed whose agreement was reloaded at the same version', () => {
    expect(judgeFeed(current, compile(US_TO_MX, MX_TO_US), ANAM, NOW)).toEqual({ kind: 'kept' });
  });

  it('moves a feed to a new version of its agreement', () => {
    const next = compile(withVersion(withoutField(US_TO_MX, TOPIC, 'summary'), 2));
    const verdict = judgeFeed(current, next, ANAM, NOW);
    expect(verdict).toEqual({ kind: 'reversioned', feed: feedOf(next) });
  });

  const revoked: [string, PolicySet, string, RegExp][] = [
    ['its agreement is removed', compile(MX_TO_US), 'removed', /agreement us-to-mx was removed/],
    ['its topic is removed', compile(withVersion(withoutTopic(US_TO_MX, TOPIC), 2)), '2', /no longer shares us\./],
    ['its agency is removed', compile(withVersion(withoutAgency(US_TO_MX, 'ANAM'), 2)), '2', /with MX\/ANAM/],
    [
      'no declared purpose is allowed',
      compile(withVersion(withPurposes(US_TO_MX, ['CUSTOMS']), 2)),
      '2',
      /none of the declared purposes \(CRIMINAL_INVESTIGATION\)/,
    ],
    [
      'its agreement expired',
      compile(withValidUntil(US_TO_MX, new Date(NOW))),
      '1',
      /v1 expired at 2027-06-01T00:00:00.000Z/,
    ],
  ];
  for (const [when, set, agreementVersion, message] of revoked) {
    it(`revokes a feed when ${when}`, () => {
      const verdict = judgeFeed(current, set, ANAM, NOW);
      if (verdict.kind !== 'revoked') throw new Error(`expected revoked, got ${verdict.kind}`);
      expect(verdict.error.code).toBe('PERMISSION_DENIED');
      expect(verdict.error.reason).toBe(ErrorReason.AGREEMENT_REVOKED);
      expect(verdict.error.metadata).toEqual({
        feed: `us-to-mx/${TOPIC}`,
        agreement: 'us-to-mx',
        agreementVersion,
        previousVersion: '1',
      });
      expect(verdict.error.message).toMatch(message);
    });
  }

  it('is in force up to the millisecond before validUntil', () => {
    const set = compile(withValidUntil(US_TO_MX, new Date(NOW + 1)));
    expect(judgeFeed(current, set, ANAM, NOW).kind).toBe('kept');
    expect(judgeFeed(current, set, ANAM, NOW + 1).kind).toBe('revoked');
  });
});

describe('nextBoundary and changesBetween', () => {
  it('finds the next validFrom or validUntil ahead, none when all are behind', () => {
    const set = compile(withValidUntil(US_TO_MX, new Date(NOW + 5_000)), MX_TO_US);
    expect(nextBoundary(set.agreements, NOW)).toBe(NOW + 5_000);
    expect(nextBoundary(set.agreements, Date.parse('2031-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('names agreements added, removed, given a new version, and expired in between', () => {
    const before = compile(US_TO_MX, withValidUntil(MX_TO_US, new Date(NOW + 10)));
    const after = compile(withVersion(US_TO_MX, 3), withValidUntil(MX_TO_US, new Date(NOW + 10)));
    expect(changesBetween(before, after, NOW, NOW + 5)).toEqual([
      { agreement: 'us-to-mx', change: 'changed', from: 1, to: 3 },
    ]);
    expect(changesBetween(before, after, NOW, NOW + 10)).toEqual([
      { agreement: 'us-to-mx', change: 'changed', from: 1, to: 3 },
      { agreement: 'mx-to-us', change: 'expired', from: 1, to: 1 },
    ]);
    expect(changesBetween(before, compile(US_TO_MX), NOW, NOW)).toEqual([
      { agreement: 'mx-to-us', change: 'removed', from: 1 },
    ]);
    expect(changesBetween(compile(US_TO_MX), before, NOW, NOW)).toEqual([
      { agreement: 'mx-to-us', change: 'added', to: 1 },
    ]);
  });
});

describe('createRevocation', () => {
  it('ends a stream that cannot be re-evaluated and still re-evaluates the others', () => {
    const before = compile(US_TO_MX, MX_TO_US);
    const after = compile(withVersion(US_TO_MX, 2), MX_TO_US);
    let policies = before;
    const failed: unknown[] = [];
    const judged: string[] = [];
    const session = (id: string, broken: boolean) =>
      ({
        streamId: id,
        reevaluate: () => {
          judged.push(id);
          if (broken) throw new Error(`stream ${id} is broken`);
          return { reversioned: [] };
        },
        fail: (error: unknown) => failed.push(error),
      }) as unknown as SubscriptionSession;
    const sessions = [session('a', false), session('b', true), session('c', false)];
    const errors: string[] = [];
    const logger = {
      info: () => undefined,
      warn: () => undefined,
      error: (_fields: unknown, message: string) => errors.push(message),
    } as unknown as Logger;
    const revocation = createRevocation({ policies: () => policies, sessions: () => sessions, logger });
    revocation.start();
    policies = after;
    expect(() => revocation.changed()).not.toThrow();
    revocation.stop();
    expect(judged).toEqual(['a', 'b', 'c']);
    expect(failed).toHaveLength(1);
    expect(String(failed[0])).toContain('stream b is broken');
    expect(errors).toEqual(['a stream could not be re-evaluated; ending it']);
  });
});
