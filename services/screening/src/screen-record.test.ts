import { fileURLToPath } from 'node:url';

import type { ConsumedRecord } from '@puente/bus';
import { type CargoManifest, createCodec, readExamples } from '@puente/contracts';
import { NOT_AVRO } from '@puente/contracts/testing';
import type { Logger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { DEFAULT_THRESHOLDS } from './name-matching.js';
import { createRecordScreener, type ScreeningCounters } from './screen-record.js';
import { loadWatchlists } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const codec = createCodec();
const example = readExamples(repo('schemas/examples')).find(
  (e) => e.file === 'cargo-manifests/us-northbound-otay-mesa-produce.json',
)!;
const otay = codec.fromFriendlyJson(example.topic, example.value) as CargoManifest;
const usWatchlists = loadWatchlists(repo('deploy/watchlists/us.yaml'));
const IN = 'us.cargo-manifests.v1';

function setUp() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message: string) =>
    lines.push({ level, fields, message });
  const logger = { info: log('info'), warn: log('warn') } as unknown as Logger;
  const stats: ScreeningCounters = { manifests: 0, crossings: 0, results: 0, hits: 0, travellerHits: 0, skipped: 0 };
  const screen = createRecordScreener({
    codec,
    country: 'US',
    inputTopic: IN,
    outputTopic: 'us.screening-results.v1',
    thresholds: DEFAULT_THRESHOLDS,
    logger,
    stats,
  });
  return { lines, stats, screen };
}

const consumed = (value: Buffer | null): ConsumedRecord => ({
  topic: IN,
  partition: 2,
  offset: '41',
  key: 'm-1',
  value,
  headers: {},
  timestamp: 0,
});

describe('createRecordScreener', () => {
  it('counts and logs every hit by ids and scores, never by name', () => {
    const { lines, stats, screen } = setUp();
    const records = screen(consumed(codec.encode(IN, otay)), { own: usWatchlists }, 1_764_000_000_000);
    expect(records).toHaveLength(4);
    expect(stats).toEqual({ manifests: 1, crossings: 0, results: 4, hits: 2, travellerHits: 0, skipped: 0 });
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'watchlist hit'],
      ['info', 'watchlist hit'],
    ]);
    for (const { fields } of lines) {
      expect(Object.keys(fields)).toEqual(['manifestId', 'screeningId', 'outcome', 'score', 'listId', 'entryId']);
      expect(fields['manifestId']).toBe(otay.manifestId);
    }
    expect(JSON.stringify(lines)).not.toContain('Ochoa');
  });

  it('skips a record without a value with a warning and no results', () => {
    const { lines, stats, screen } = setUp();
    expect(screen(consumed(null), { own: usWatchlists }, 0)).toEqual([]);
    expect(stats).toEqual({ manifests: 0, crossings: 0, results: 0, hits: 0, travellerHits: 0, skipped: 1 });
    expect(lines).toEqual([
      {
        level: 'warn',
        fields: { topic: IN, partition: 2, offset: '41' },
        message: 'skipped a record without a value',
      },
    ]);
  });

  it('throws on an undecodable record and counts nothing', () => {
    const { stats, screen } = setUp();
    expect(() => screen(consumed(NOT_AVRO), { own: usWatchlists }, 0)).toThrow();
    expect(stats).toEqual({ manifests: 0, crossings: 0, results: 0, hits: 0, travellerHits: 0, skipped: 0 });
  });
});
