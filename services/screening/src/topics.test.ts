import { describe, expect, it } from 'vitest';

import { crossingTopicOf, manifestTopicOf, resultTopicOf, topicsToEnsure } from './topics.js';

describe('screening topics', () => {
  it('reads <country>.cargo-manifests.v1 and .traveller-crossings.v1, writes <country>.screening-results.v1', () => {
    expect(manifestTopicOf('MX')).toBe('mx.cargo-manifests.v1');
    expect(crossingTopicOf('US')).toBe('us.traveller-crossings.v1');
    expect(resultTopicOf('US')).toBe('us.screening-results.v1');
  });

  it('ensures inputs and output with the partitions asked for and each dead-letter topic with one', () => {
    expect(
      topicsToEnsure(['us.cargo-manifests.v1', 'us.traveller-crossings.v1'], 'us.screening-results.v1', 6),
    ).toEqual([
      { topic: 'us.cargo-manifests.v1', partitions: 6 },
      { topic: 'us.traveller-crossings.v1', partitions: 6 },
      { topic: 'us.screening-results.v1', partitions: 6 },
      { topic: 'dlq.us.cargo-manifests.v1', partitions: 1 },
      { topic: 'dlq.us.traveller-crossings.v1', partitions: 1 },
    ]);
  });
});
