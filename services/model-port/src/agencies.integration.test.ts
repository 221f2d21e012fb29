// The synthetic agencies against a real gateway (dev tokens, publisher permissions, Avro
// validation) over real gRPC, on the test Kafka broker: the programme offices' registries reach
// <c>.trusted-travellers.v1 before any crossing, CBP and INM publish crossings, and the demo pair
// lands as CBP's pre-cleared manifest followed by ANAM's manifest of the same trip.
import { randomUUID } from 'node:crypto';

import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { createCodec } from '@puente/contracts';
import { readDevTokens } from '@puente/gateway/dev';
import { startTestGateway, type TestGateway } from '@puente/gateway/testing';
import { waitFor } from '@puente/runtime/testing';
import { defaultReferenceData, type AgencySimulator } from '@puente/simulators';
import { afterEach, describe, expect, it } from 'vitest';

import { startAgencies } from './agencies.js';

interface Seen {
  readonly topic: string;
  readonly key: string | null;
  readonly timestamp: number;
  readonly value: any;
}

const TOPICS = [
  'us.trusted-travellers.v1',
  'mx.trusted-travellers.v1',
  'us.traveller-crossings.v1',
  'mx.traveller-crossings.v1',
  'us.cargo-manifests.v1',
  'mx.cargo-manifests.v1',
];

describe('startAgencies', () => {
  let bus: KafkaBus | undefined;
  let gateway: TestGateway | undefined;
  let agencies: AgencySimulator | undefined;

  afterEach(async () => {
    await agencies?.stop(500);
    await gateway?.stop();
    await bus?.stop();
  });

  it('publishes the registries first, then travellers of both countries and the pre-cleared pair', async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'agencies-test', heartbeatIntervalMs: 500 });
    await bus.start();
    const codec = createCodec();
    // The gateway creates the topics; a fresh group reading from the end sees only this run.
    gateway = await startTestGateway({ bus, codec, partitions: 1 });
    const seen: Seen[] = [];
    let assigned: readonly string[] = [];
    await bus.subscribe({
      groupId: `agencies-test-${randomUUID()}`,
      topics: TOPICS,
      fromBeginning: false,
      onAssignment: (partitions) => (assigned = partitions.map((p) => p.topic)),
      handler: async (batch) => {
        for (const r of batch.records)
          seen.push({ topic: r.topic, key: r.key, timestamp: r.timestamp, value: codec.decode(r.value!).value });
      },
    });
    await waitFor(() => TOPICS.every((t) => assigned.includes(t)), 30_000, 'the test consumer assigned every topic');
    const lines: string[] = [];
    const errors: string[] = [];
    agencies = startAgencies({
      address: gateway.address,
      tokens: readDevTokens(),
      ratePerSecond: 40,
      seed: 11,
      print: (line) => lines.push(line),
      printError: (line) => errors.push(line),
      preClearedPair: { firstAfterMs: 100, everyMs: 600_000, delayMs: 200 },
    });

    const on = (topic: string) => seen.filter((s) => s.topic === topic);
    const twin = () =>
      on('mx.cargo-manifests.v1').find((mx) =>
        on('us.cargo-manifests.v1').some((us) => us.key === mx.key && us.value.preClearanceStatus === 'CLEARED'),
      );
    const reference = defaultReferenceData();
    const members = (country: 'US' | 'MX') => reference[country].trustedTravellers.members;
    await waitFor(
      () =>
        on('us.trusted-travellers.v1').length >= members('US').length &&
        on('mx.trusted-travellers.v1').length >= members('MX').length &&
        twin() !== undefined &&
        on('us.traveller-crossings.v1').length >= 10 &&
        on('mx.traveller-crossings.v1').length >= 5,
      60_000,
      `registries, crossings and the pre-cleared pair:\n${lines.slice(-20).join('\n')}\n${errors.join('\n')}`,
    );
    expect(errors).toEqual([]);

    for (const country of ['US', 'MX'] as const) {
      const statuses = on(`${country.toLowerCase()}.trusted-travellers.v1`);
      // One status per member; the topic's partitions reach the consumer in any order.
      expect(statuses.map((s) => s.key).sort()).toEqual(
        members(country)
          .map((m) => m.membershipId)
          .sort(),
      );
      expect(statuses.every((s) => s.value.meta.originAgency === (country === 'US' ? 'CBP' : 'INM'))).toBe(true);
      // Risk must know the registry's word before the first member turns up at a booth.
      const lastStatus = Math.max(...statuses.map((s) => s.timestamp));
      const crossings = on(`${country.toLowerCase()}.traveller-crossings.v1`);
      expect(Math.min(...crossings.map((s) => s.timestamp))).toBeGreaterThanOrEqual(lastStatus);
      expect(crossings.every((c) => c.value.meta.originAgency === (country === 'US' ? 'CBP' : 'INM'))).toBe(true);
    }

    const mx = twin()!;
    const us = on('us.cargo-manifests.v1').find((s) => s.key === mx.key)!;
    expect(mx.timestamp).toBeGreaterThanOrEqual(us.timestamp);
    expect(mx.value.consignee.name).toBe(us.value.consignee.name);
    expect(mx.value.meta.originAgency).toBe('ANAM');
    await waitFor(() => agencies!.stats().preClearedPairs === 1, 5_000, 'the pair counted');
    expect(agencies.stats().registryStatuses).toBe(
      reference.US.trustedTravellers.members.length + reference.MX.trustedTravellers.members.length,
    );
  });
});
