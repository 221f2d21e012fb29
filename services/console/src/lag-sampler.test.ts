import type { GetSubscriptionLagResponse, ListTopicsResponse } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import { ConsoleError } from './errors.js';
import { createLagSampler } from './lag-sampler.js';
import type { OperatorCalls } from './operator-calls.js';
import type { Session } from './sessions.js';

const session = (id: string, country: 'US' | 'MX', lastUsedAt: number): Session => ({
  id,
  token: `token-${id}`,
  operator: { country },
  expiresAt: Number.MAX_SAFE_INTEGER,
  lastUsedAt,
});

/** Fake calls: each listTopics answers the next count of records of one topic. */
function fakeCalls(counts: number[], asked: string[]): OperatorCalls {
  const lag: GetSubscriptionLagResponse = { subscriptions: [], consumerGroups: [] };
  return {
    getSubscriptionLag: async () => {
      asked.push('lag');
      return lag;
    },
    listTopics: async () => {
      asked.push('topics');
      const count = counts.shift() ?? 0;
      return {
        topics: [{ name: 'us.cargo-manifests.v1', viewAgreementId: '', approximateRecordCount: String(count) }],
      } as unknown as ListTopicsResponse;
    },
  } as unknown as OperatorCalls;
}

describe('the lag sampler', () => {
  it('computes records per second from the last two samples, never negative', async () => {
    let now = 10_000;
    const asked: string[] = [];
    const us = session('a', 'US', now);
    const calls = fakeCalls([100, 150, 120], asked);
    const sampler = createLagSampler({
      sessions: () => [us],
      callsFor: () => calls,
      intervalMs: 5_000,
      now: () => now,
    });
    await sampler.sample(us);
    expect(sampler.rates('US')).toEqual({}); // one sample: no rate yet
    now += 5_000;
    await sampler.sample(us);
    expect(sampler.rates('US')).toEqual({ 'us.cargo-manifests.v1': 10 }); // 50 records in 5 s
    now += 2_000;
    await sampler.sample(us);
    // Retention deleted more than arrived: the rate is 0, not negative.
    expect(sampler.rates('US')).toEqual({ 'us.cargo-manifests.v1': 0 });
    expect(sampler.rates('MX')).toEqual({});
  });

  it('samples only countries whose operators used the API lately', async () => {
    let now = 1_000_000;
    const asked: string[] = [];
    const sessions = [session('us', 'US', now), session('mx', 'MX', now - 11 * 60_000)];
    const sampled: string[] = [];
    const sampler = createLagSampler({
      sessions: () => sessions,
      callsFor: (s) => {
        sampled.push(s.operator.country);
        return fakeCalls([1], asked);
      },
      intervalMs: 5_000,
      activeWithinMs: 10 * 60_000,
      now: () => now,
    });
    await sampler.tick();
    expect(sampled).toEqual(['US']);
    now += 10 * 60_000 + 1; // the US operator left too
    await sampler.tick();
    expect(sampled).toEqual(['US']);
  });

  it('serves its latest lag answer while it is fresh', async () => {
    let now = 0;
    const us = session('a', 'US', now);
    const sampler = createLagSampler({
      sessions: () => [us],
      callsFor: () => fakeCalls([1], []),
      intervalMs: 5_000,
      now: () => now,
    });
    expect(sampler.latestLag(us, 10_000)).toBeUndefined();
    await sampler.sample(us);
    expect(sampler.latestLag(us, 10_000)).toEqual({ subscriptions: [], consumerGroups: [] });
    // Another US session is not answered from a sample its own token was never checked by.
    expect(sampler.latestLag(session('b', 'US', now), 10_000)).toBeUndefined();
    now += 10_000;
    expect(sampler.latestLag(us, 10_000)).toBeUndefined();
  });

  it('ends a session whose token the gateway no longer accepts, without warning every interval', async () => {
    const us = session('a', 'US', Date.now());
    const ended: string[] = [];
    const errors: unknown[] = [];
    const refused = async () => {
      throw new ConsoleError({ code: 'NOT_SIGNED_IN', httpStatus: 401, reason: 'UNAUTHENTICATED', message: 'no' });
    };
    const sampler = createLagSampler({
      sessions: () => [us],
      callsFor: () => ({ getSubscriptionLag: refused, listTopics: refused }) as unknown as OperatorCalls,
      intervalMs: 5_000,
      onError: (error) => errors.push(error),
      onUnauthenticated: (s) => ended.push(s.id),
    });
    await sampler.tick();
    expect(ended).toEqual(['a']);
    expect(errors).toEqual([]);
  });
});
