// GetSubscriptionLag against a MemoryBus and a cursor store on it: lag per partition from the
// committed cursors, which subscriptions and partitions an operator sees, filters and ordering.
import { ErrorReason, type GetSubscriptionLagRequest } from '@puente/proto';
import type { PublishResult } from '@puente/bus';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { getSubscriptionLag } from './get-subscription-lag.js';
import {
  MX_CARGO,
  MX_OPERATOR,
  MX_SUBSCRIBER,
  manifest,
  operatorFixture,
  refusal,
  US_CARGO,
  US_OPERATOR,
  type OperatorFixture,
} from './testing/fixture.js';

const all: GetSubscriptionLagRequest = { subscription: '', topic: '', consumerGroup: '' };

describe('getSubscriptionLag', () => {
  let fx: OperatorFixture;
  beforeEach(async () => {
    fx = await operatorFixture({ sessions: new Map([['mx.anam.live', {}]]) });
  });
  afterEach(() => fx.stop());

  const commit = (id: string, topic: string, positions: [number, number][]) =>
    fx.cursors.commit(id, topic, new Map(positions));
  const names = async (principal = US_OPERATOR, request = all) =>
    (await getSubscriptionLag(fx.context, principal, request)).subscriptions.map(
      (s) => `${s.subscriber?.country}/${s.subscriber?.agency}/${s.subscription}`,
    );

  it('reports lag per partition from the committed cursor, or from the start without one', async () => {
    const lagging: PublishResult[] = [];
    for (let i = 0; i < 3; i++)
      lagging.push(await fx.publish(US_CARGO, manifest('us-northbound-laredo.json', { manifestId: 'M-LAG' })));
    const others: PublishResult[] = [];
    for (const key of ['M-Q1', 'M-Q2', 'M-Q3'])
      others.push(await fx.publish(US_CARGO, manifest('us-northbound-laredo.json', { manifestId: key })));
    const cursorPartition = lagging[0]!.partition;
    // The partner acknowledged the first of the three records on the key's partition.
    await commit('mx.anam.cargo-feed', US_CARGO, [[cursorPartition, 1]]);

    const ends = [0, 1, 2].map((p) => [...lagging, ...others].filter((r) => r.partition === p).length);
    const { subscriptions } = await getSubscriptionLag(fx.context, US_OPERATOR, all);
    expect(subscriptions).toEqual([
      {
        subscriber: { country: 'MX', agency: 'ANAM' },
        subscription: 'cargo-feed',
        consumerGroup: '',
        feeds: ['us-to-mx/us.cargo-manifests.v1'],
        connected: false,
        unacked: 0,
        totalLag: String(ends.reduce((sum, end) => sum + end, 0) - 1),
        partitions: [0, 1, 2].map((partition) =>
          partition === cursorPartition
            ? {
                topic: US_CARGO,
                partition,
                committedOffset: '1',
                endOffset: String(ends[partition]),
                lag: String(ends[partition]! - 1),
              }
            : { topic: US_CARGO, partition, endOffset: String(ends[partition]), lag: String(ends[partition]) },
        ),
      },
    ]);
  });

  it('reports a connected stream and never a negative lag', async () => {
    await commit('mx.anam.live', US_CARGO, [[0, 10]]);
    const { subscriptions } = await getSubscriptionLag(fx.context, US_OPERATOR, all);
    expect(subscriptions[0]).toMatchObject({ subscription: 'live', connected: true, totalLag: '0' });
    expect(subscriptions[0]?.partitions[0]).toMatchObject({
      partition: 0,
      committedOffset: '10',
      endOffset: '0',
      lag: '0',
    });
  });

  it("shows another country's subscriptions only on the operator's own country's topics", async () => {
    await commit('mx.anam.mixed', US_CARGO, [[0, 0]]);
    await commit('mx.anam.mixed', MX_CARGO, [[0, 0]]);
    await commit('us.cbp.partner-feed', MX_CARGO, [[1, 0]]);
    await commit('us.cbp.own-topic', US_CARGO, [[0, 0]]);

    const us = await getSubscriptionLag(fx.context, US_OPERATOR, all);
    expect(us.subscriptions.map((s) => [s.subscription, [...new Set(s.partitions.map((p) => p.topic))]])).toEqual([
      ['mixed', [US_CARGO]],
      ['own-topic', [US_CARGO]],
      ['partner-feed', [MX_CARGO]],
    ]);
    const mx = await getSubscriptionLag(fx.context, MX_OPERATOR, all);
    expect(mx.subscriptions.map((s) => [s.subscription, [...new Set(s.partitions.map((p) => p.topic))]])).toEqual([
      ['mixed', [MX_CARGO, US_CARGO]],
      ['partner-feed', [MX_CARGO]],
    ]);
    expect(mx.subscriptions[1]?.feeds).toEqual(['mx-to-us/mx.cargo-manifests.v1']);
    expect(mx.subscriptions[0]?.partitions.map((p) => `${p.topic}/${p.partition}`)).toEqual([
      'mx.cargo-manifests.v1/0',
      'mx.cargo-manifests.v1/1',
      'us.cargo-manifests.v1/0',
      'us.cargo-manifests.v1/1',
      'us.cargo-manifests.v1/2',
    ]);
  });

  it('filters by subscriber, name and topic; a filter matching nothing is an empty list', async () => {
    await commit('mx.anam.cargo', US_CARGO, [[0, 0]]);
    await commit('mx.fgr.cargo', US_CARGO, [[0, 0]]);
    await commit('mx.anam.both', US_CARGO, [[0, 0]]);
    await commit('mx.anam.both', MX_CARGO, [[0, 0]]);
    await commit('us.cbp.cargo', MX_CARGO, [[0, 0]]);

    expect(await names()).toEqual(['MX/ANAM/both', 'MX/ANAM/cargo', 'MX/FGR/cargo', 'US/CBP/cargo']);
    expect(await names(US_OPERATOR, { ...all, subscriber: { country: 'MX', agency: '' } })).toEqual([
      'MX/ANAM/both',
      'MX/ANAM/cargo',
      'MX/FGR/cargo',
    ]);
    expect(await names(US_OPERATOR, { ...all, subscriber: { country: '', agency: 'FGR' } })).toEqual(['MX/FGR/cargo']);
    expect(await names(US_OPERATOR, { ...all, subscription: 'cargo' })).toEqual([
      'MX/ANAM/cargo',
      'MX/FGR/cargo',
      'US/CBP/cargo',
    ]);
    expect(await names(MX_OPERATOR, { ...all, topic: MX_CARGO })).toEqual(['MX/ANAM/both', 'US/CBP/cargo']);
    expect(await names(US_OPERATOR, { ...all, subscription: 'no-such-name' })).toEqual([]);
    expect(await names(US_OPERATOR, { ...all, topic: 'us.nothing.v1' })).toEqual([]);
  });

  it('skips cursor ids that are not subscription ids and lists a cursor on a vanished topic without partitions', async () => {
    await commit('Not An Id', US_CARGO, [[0, 0]]);
    await commit('mx.anam', US_CARGO, [[0, 0]]);
    await commit('mx.anam.gone', 'us.gone.v1', [[0, 4]]);
    const { subscriptions } = await getSubscriptionLag(fx.context, US_OPERATOR, all);
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0]).toMatchObject({ subscription: 'gone', partitions: [], totalLag: '0', feeds: [] });
  });

  it('refuses a caller without the operator role', async () => {
    const error = await refusal(getSubscriptionLag(fx.context, MX_SUBSCRIBER, all));
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.ROLE_NOT_ALLOWED });
  });
});
