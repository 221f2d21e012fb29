import { MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { silentLogger } from '@puente/runtime';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { publishValue, registryStatus } from './testing/traveller-fixtures.js';
import { TrustedTravellerFollower } from './trusted-traveller-follower.js';
import { TrustedTravellerRegistry } from './trusted-traveller-registry.js';

const codec = createCodec();
const TOPIC = 'us.trusted-travellers.v1';

describe('TrustedTravellerFollower', () => {
  let bus: MemoryBus;
  let registry: TrustedTravellerRegistry;
  let follower: TrustedTravellerFollower;

  beforeEach(async () => {
    bus = new MemoryBus();
    await bus.start();
    await bus.admin.ensureTopics([
      { topic: TOPIC, partitions: 2 },
      { topic: 'us.cargo-manifests.v1', partitions: 3 },
    ]);
    registry = new TrustedTravellerRegistry('US');
    follower = new TrustedTravellerFollower({
      bus,
      codec,
      topic: TOPIC,
      registry,
      logger: silentLogger(),
      now: Date.now,
      timeoutMs: 5_000,
    });
  });
  afterEach(async () => {
    await follower.stop();
    await bus.stop();
  });

  it('forgets a membership whose key the registry tombstoned, at start and while following', async () => {
    await publishValue(bus, codec, TOPIC, '981234567', registryStatus('981234567'));
    await publishValue(bus, codec, TOPIC, '982222222', registryStatus('982222222'));
    await bus.publish(TOPIC, [{ key: '981234567', value: null }]);
    await follower.start();
    expect(registry.statusOf('981234567')).toBeUndefined();
    expect(registry.statusOf('982222222')?.status).toBe('ACTIVE');

    await bus.publish(TOPIC, [{ key: '982222222', value: null }]);
    await follower.catchUp();
    expect(registry.size).toBe(0);
  });

  it('asks for the registry topic alone, never for every topic of the cluster', async () => {
    const listTopics = vi.spyOn(bus.admin, 'listTopics');
    const describeTopic = vi.spyOn(bus.admin, 'describeTopic');
    await follower.start();
    await publishValue(bus, codec, TOPIC, '981234567', registryStatus('981234567', { status: 'SUSPENDED' }));
    await follower.catchUp();
    expect(registry.statusOf('981234567')?.status).toBe('SUSPENDED');
    expect(listTopics).not.toHaveBeenCalled();
    expect(describeTopic.mock.calls.every(([topic]) => topic === TOPIC)).toBe(true);
    expect(describeTopic).toHaveBeenCalled();
  });

  it('names the registry topic when it does not exist', async () => {
    await bus.admin.deleteTopics([TOPIC]);
    await expect(follower.start()).rejects.toMatchObject({
      code: 'CATCH_UP_FAILED',
      message: `topic ${TOPIC} does not exist`,
    });
  });
});
