import { describe, expect, it } from 'vitest';

import { expiryProblems } from './topic-expiry.js';

const WEEK_MS = 7 * 24 * 3_600_000;

describe('expiryProblems', () => {
  it('names what would delete records: retention by time or size, compaction', () => {
    expect(expiryProblems({ retentionMs: -1, retentionBytes: -1, cleanupPolicy: 'delete' })).toEqual([]);
    expect(expiryProblems({ retentionMs: WEEK_MS, retentionBytes: 1_000, cleanupPolicy: 'compact,delete' })).toEqual([
      `retention.ms=${WEEK_MS}`,
      'retention.bytes=1000',
      'cleanup.policy=compact,delete',
    ]);
  });
});
