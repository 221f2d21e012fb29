import type { PublishedEvent } from '@puente/simulators';
import { describe, expect, it } from 'vitest';

import { publishedLine } from './agencies.js';

const published = (watchlistHits: { role: string; name: string }[]): PublishedEvent =>
  ({
    event: { publisher: 'US/CBP', topic: 'us.cargo-manifests.v1', watchlistHits },
    response: { topic: 'us.cargo-manifests.v1', partition: 2, offset: '17' },
  }) as unknown as PublishedEvent;

describe('publishedLine', () => {
  it('shows publisher, topic, partition and offset', () => {
    expect(publishedLine(published([]))).toBe('US/CBP → us.cargo-manifests.v1 [2@17]');
  });

  it('names the first watchlist variant the event carries', () => {
    expect(
      publishedLine(
        published([
          { role: 'driver', name: 'Jose Ochoa' },
          { role: 'consignee', name: 'Other' },
        ]),
      ),
    ).toBe('US/CBP → us.cargo-manifests.v1 [2@17]  (watchlist variant: driver "Jose Ochoa")');
  });
});
