// Agreement differences between gateway instances: the same version and text is no difference,
// another version (or another text of one version) is warned about once while it lasts, and an
// instance not heard from lately, or an agreement only one side serves, is left out.
import { Writable } from 'node:stream';

import { createLogger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { createMismatchReporter, findMismatches } from './agreement-mismatches.js';
import { type Announcement, decodeAnnouncement, encodeAnnouncement } from './instance-announcement.js';

const NOW = 1_764_288_000_000;
const LIVE_SINCE = NOW - 45_000;
const v1 = { id: 'us-mx-cargo', version: 1, digest: 'aa' };
const v2 = { id: 'us-mx-cargo', version: 2, digest: 'bb' };
const other = { id: 'us-mx-travellers', version: 3, digest: 'cc' };
const announcement = (instance: string, at: number, ...agreements: Announcement['agreements']): Announcement => ({
  instance,
  at,
  agreements,
});

function reporter() {
  const warnings: Record<string, unknown>[] = [];
  const counts: number[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      warnings.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ name: 'mismatch-test', level: 'warn', destination });
  return { warnings, counts, report: createMismatchReporter({ logger, self: 'a', onCount: (n) => counts.push(n) }) };
}

describe('agreement mismatches between instances', () => {
  it('finds none when a live instance serves the same version and text', () => {
    expect(findMismatches([v1, other], [announcement('b', NOW, v1, other)], LIVE_SINCE)).toEqual([]);
  });

  it('finds another version, and another text of the same version', () => {
    const sameVersionOtherText = { ...v1, digest: 'zz' };
    expect(
      findMismatches([v1], [announcement('b', NOW, v2), announcement('c', NOW, sameVersionOtherText)], LIVE_SINCE),
    ).toEqual([
      { agreement: 'us-mx-cargo', instance: 'b', ours: v1, theirs: v2 },
      { agreement: 'us-mx-cargo', instance: 'c', ours: v1, theirs: sameVersionOtherText },
    ]);
  });

  it('ignores an instance not heard from within the live period, and agreements only one side serves', () => {
    expect(findMismatches([v1], [announcement('b', LIVE_SINCE - 1, v2)], LIVE_SINCE)).toEqual([]);
    expect(findMismatches([v1], [announcement('b', NOW, other)], LIVE_SINCE)).toEqual([]);
  });

  it('warns once per difference while it lasts, counting the differences seen now', () => {
    const { warnings, counts, report } = reporter();
    const seen = findMismatches([v1], [announcement('b', NOW, v2)], LIVE_SINCE);
    report.report(seen);
    report.report(seen);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      agreement: 'us-mx-cargo',
      instance: 'a',
      otherInstance: 'b',
      ourVersion: 1,
      theirVersion: 2,
      sameText: false,
    });
    expect(warnings[0]?.['msg']).toMatch(/another gateway instance serves a different version of an agreement/);
    report.report([]);
    expect(counts).toEqual([1, 1, 0]);
    // Gone and back (b reloaded the old file, then the new one again): a new warning.
    report.report(seen);
    expect(warnings).toHaveLength(2);
  });

  it('reads back an announcement, and reports one no gateway wrote instead of throwing', () => {
    const sent = announcement('b', NOW, v1, other);
    expect(decodeAnnouncement(encodeAnnouncement(sent))).toEqual(sent);
    expect(decodeAnnouncement(Buffer.from('nope'))).toEqual({ problem: 'the record is not JSON' });
    expect(decodeAnnouncement(Buffer.from('{"v":1,"instance":"b","at":1,"agreements":[{"id":"x"}]}'))).toEqual({
      problem: 'an agreement lacks id, version or digest',
    });
  });
});
