import type { BrowseRecordsRequest, BrowsedRecord } from '@puente/proto';
import { PayloadFormat } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import { apiRoutes } from './api-routes.js';
import { createLagSampler } from './lag-sampler.js';
import type { OperatorCalls } from './operator-calls.js';
import type { Session } from './sessions.js';

const US_TOPIC = 'us.cargo-manifests.v1';
const EVENT = '0b6f2a4e-8c1d-4f5a-9e37-2d41c8a7b905';
const session: Session = { id: 's', token: 't', operator: { country: 'US' }, expiresAt: Infinity, lastUsedAt: 0 };

const record = (offset: number, manifestId: string): BrowsedRecord =>
  ({
    topic: US_TOPIC,
    partition: 0,
    offset: String(offset),
    eventId: EVENT,
    payloadFormat: PayloadFormat.AVRO_JSON,
    payload: Buffer.from(JSON.stringify({ manifestId })),
  }) as unknown as BrowsedRecord;

describe('the console API’s routes', () => {
  it('shows the newest version of a republished event as the simulator’s original, as ExplainPolicy explains it', async () => {
    const versions = [record(3, 'FIRST'), record(9, 'REPUBLISHED')];
    const calls = {
      // As the gateway does: oldest first, cut at the limit.
      browseRecords: async (request: BrowseRecordsRequest) => ({
        records: versions.slice(0, request.limit),
        nextPageToken: '',
      }),
      listAgreements: async () => ({ agreements: [{ agreementId: 'us-to-mx', ownerCountry: 'US' }] }),
      explainPolicy: async () => ({ explanations: [] }),
    } as unknown as OperatorCalls;
    const sampler = createLagSampler({ sessions: () => [], callsFor: () => calls, intervalMs: 5_000 });
    const explain = apiRoutes(sampler, { lagFreshMs: 10_000 })['POST /api/explain']!;
    const answer = (await explain({
      session,
      calls,
      query: new URLSearchParams(),
      body: { topic: US_TOPIC, eventId: EVENT },
    })) as { original: unknown };
    expect(answer.original).toEqual({ manifestId: 'REPUBLISHED' });
  });

  it('answers the unfiltered lag from a fresh sample, and asks the gateway for a filtered one', async () => {
    let lagCalls = 0;
    const calls = {
      getSubscriptionLag: async () => {
        lagCalls += 1;
        return {
          subscriptions: [],
          consumerGroups: [{ groupId: `g${lagCalls}`, state: 'Stable', members: 1, totalLag: '0', partitions: [] }],
        };
      },
      listTopics: async () => ({ topics: [] }),
    } as unknown as OperatorCalls;
    const sampler = createLagSampler({ sessions: () => [session], callsFor: () => calls, intervalMs: 5_000 });
    const lag = apiRoutes(sampler, { lagFreshMs: 10_000 })['GET /api/lag']!;
    await sampler.sample(session);
    expect(lagCalls).toBe(1);
    const ask = (query: string) =>
      lag({ session, calls, query: new URLSearchParams(query), body: undefined }) as Promise<{
        consumerGroups: { groupId: string }[];
        history: unknown[];
      }>;
    const fromSample = await ask('');
    expect(lagCalls).toBe(1);
    expect(fromSample.consumerGroups.map((g) => g.groupId)).toEqual(['g1']);
    expect(fromSample.history).toHaveLength(1);
    await ask('group=g1');
    expect(lagCalls).toBe(2);
  });
});
