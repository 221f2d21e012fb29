// GetSubscriptionLag against a MemoryBus and a cursor store on it: lag per partition from the
// committed cursors, which subscriptions and partitions an operator sees, filters and ordering.
import { ErrorReason, type GetSubscriptionLagRequest } from '@puente/proto';
import type { PublishResult, Subscription } from '@puente/bus';
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

  describe('consumer groups', () => {
    const US_DLQ = 'dlq.us.cargo-manifests.v1';
    const MX_DLQ = 'dlq.mx.cargo-manifests.v1';
    const members: Subscription[] = [];
    afterEach(async () => {
      await Promise.all(members.splice(0).map((member) => member.stop()));
    });

    /** A consumer group of one member on `topics` that commits `commits` ([topic, partition, offset]). */
    const group = async (groupId: string, topics: string[], commits: [string, number, number][]) => {
      const member = await fx.bus.subscribe({ groupId, topics, handler: async () => undefined });
      members.push(member);
      if (commits.length > 0) {
        await member.commit(
          commits.map(([topic, partition, offset]) => ({ topic, partition, offset: String(offset) })),
        );
      }
      return member;
    };
    const groupsSeen = async (principal = US_OPERATOR, request = all) =>
      (await getSubscriptionLag(fx.context, principal, request)).consumerGroups;
    const shape = async (principal = US_OPERATOR, request = all) =>
      (await groupsSeen(principal, request)).map((g) => [
        g.groupId,
        g.partitions.map((p) => `${p.topic}/${p.partition}`),
      ]);

    it("lists groups with commits on the caller's country's topics, with only those partitions and their lag", async () => {
      for (const key of ['M-G1', 'M-G2', 'M-G3', 'M-G4'])
        await fx.publish(US_CARGO, manifest('us-northbound-laredo.json', { manifestId: key }));
      const ends = await fx.bus.admin.listTopics();
      const high = (topic: string, partition: number) =>
        Number(ends.find((t) => t.topic === topic)?.partitions[partition]?.high ?? -1);
      await fx.publish(MX_CARGO, manifest('mx-southbound-ciudad-juarez.json'));
      await group(
        'screening',
        [US_CARGO, US_DLQ, MX_CARGO],
        [
          [US_CARGO, 1, 0],
          [US_CARGO, 2, 1],
          [US_DLQ, 0, 0],
          [MX_CARGO, 0, 1],
        ],
      );

      expect(await groupsSeen()).toEqual([
        {
          groupId: 'screening',
          state: 'Stable',
          members: 1,
          totalLag: String(high(US_CARGO, 1) + Math.max(0, high(US_CARGO, 2) - 1)),
          partitions: [
            { topic: US_DLQ, partition: 0, committedOffset: '0', endOffset: '0', lag: '0' },
            {
              topic: US_CARGO,
              partition: 1,
              committedOffset: '0',
              endOffset: String(high(US_CARGO, 1)),
              lag: String(high(US_CARGO, 1)),
            },
            {
              topic: US_CARGO,
              partition: 2,
              committedOffset: '1',
              endOffset: String(high(US_CARGO, 2)),
              lag: String(Math.max(0, high(US_CARGO, 2) - 1)),
            },
          ],
        },
      ]);
      // The MX operator sees the same group, only on MX's topics.
      expect(await shape(MX_OPERATOR)).toEqual([['screening', [`${MX_CARGO}/0`]]]);
    });

    it("never shows a group that commits only on another country's topics, nor one without commits, nor readers", async () => {
      await group(
        'mx-risk',
        [MX_CARGO, MX_DLQ],
        [
          [MX_CARGO, 1, 0],
          [MX_DLQ, 0, 0],
        ],
      );
      await group('idle', [US_CARGO], []);
      await group('puente.reader.gateway.1', [US_CARGO], [[US_CARGO, 0, 0]]);
      await group('us-risk', [US_CARGO], [[US_CARGO, 0, 0]]);
      await group('audit', ['audit.disclosures.v1'], [['audit.disclosures.v1', 0, 0]]);

      expect(await shape()).toEqual([['us-risk', [`${US_CARGO}/0`]]]);
      expect(await shape(MX_OPERATOR)).toEqual([['mx-risk', [`${MX_DLQ}/0`, `${MX_CARGO}/1`]]]);
    });

    it('orders groups by id and reports a group whose members left as Empty', async () => {
      const leaving = await group('zeta', [US_CARGO], [[US_CARGO, 0, 0]]);
      await group('alpha', [US_CARGO], [[US_CARGO, 1, 0]]);
      await group('Mid', [US_CARGO], [[US_CARGO, 2, 0]]);
      await leaving.stop();
      const groups = await groupsSeen();
      expect(groups.map((g) => g.groupId)).toEqual(['Mid', 'alpha', 'zeta']);
      expect(groups[2]).toMatchObject({ state: 'Empty', members: 0 });
    });

    it('filters by topic and group id; a named group lists no subscription, a named subscriber or subscription no group', async () => {
      await group(
        'screening',
        [US_CARGO, US_DLQ],
        [
          [US_CARGO, 0, 0],
          [US_DLQ, 0, 0],
        ],
      );
      await group('risk', [US_CARGO], [[US_CARGO, 1, 0]]);
      await commit('mx.anam.cargo', US_CARGO, [[0, 0]]);

      expect(await shape(US_OPERATOR, { ...all, topic: US_DLQ })).toEqual([['screening', [`${US_DLQ}/0`]]]);
      const named = await getSubscriptionLag(fx.context, US_OPERATOR, { ...all, consumerGroup: 'risk' });
      expect(named.subscriptions).toEqual([]);
      expect(named.consumerGroups.map((g) => g.groupId)).toEqual(['risk']);
      expect(await shape(US_OPERATOR, { ...all, consumerGroup: 'risk', topic: US_DLQ })).toEqual([]);
      expect(await shape(US_OPERATOR, { ...all, consumerGroup: 'no-such-group' })).toEqual([]);

      const bySubscription = await getSubscriptionLag(fx.context, US_OPERATOR, { ...all, subscription: 'cargo' });
      expect(bySubscription.subscriptions.map((s) => s.subscription)).toEqual(['cargo']);
      expect(bySubscription.consumerGroups).toEqual([]);
      const bySubscriber = await getSubscriptionLag(fx.context, US_OPERATOR, {
        ...all,
        subscriber: { country: '', agency: '' },
      });
      expect(bySubscriber.subscriptions).toHaveLength(1);
      expect(bySubscriber.consumerGroups).toEqual([]);
      // No filter: both halves.
      const both = await getSubscriptionLag(fx.context, US_OPERATOR, all);
      expect([both.subscriptions.length, both.consumerGroups.map((g) => g.groupId)]).toEqual([
        1,
        ['risk', 'screening'],
      ]);
    });
  });

  it('refuses a caller without the operator role', async () => {
    const error = await refusal(getSubscriptionLag(fx.context, MX_SUBSCRIBER, all));
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.ROLE_NOT_ALLOWED });
  });
});
