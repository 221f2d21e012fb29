import { fileURLToPath } from 'node:url';

import { type CargoManifest, createCodec, readExamples, type ScreeningResult } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import { DEFAULT_THRESHOLDS } from './name-matching.js';
import { screeningEventId } from './result-ids.js';
import { resultRecord, screeningResults } from './result-events.js';
import { loadWatchlists } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const codec = createCodec();
const example = readExamples(repo('schemas/examples')).find(
  (e) => e.file === 'cargo-manifests/mx-southbound-ciudad-juarez.json',
)!;
const manifest = codec.fromFriendlyJson(example.topic, example.value) as CargoManifest;
const mxWatchlists = loadWatchlists(repo('deploy/watchlists/mx.yaml'));
const AT = 1_764_000_000_000;

describe('screeningResults', () => {
  const results = screeningResults(manifest, mxWatchlists, { country: 'MX', thresholds: DEFAULT_THRESHOLDS, at: AT });

  it('gives one result per party with the country profile of ANAM', () => {
    expect(results.map((r) => r.screeningId)).toEqual(
      ['consignor', 'consignee', 'carrier', ...(manifest.driver ? ['driver'] : [])].map(
        (role) => `${manifest.manifestId}/${role}`,
      ),
    );
    for (const result of results) {
      expect(result.meta.originCountry).toBe('MX');
      expect(result.meta.originAgency).toBe('ANAM');
      expect(result.screeningSystem).toBe('ANAM SIAVE');
      expect(result.ruleId).toBe(result.subjectType === 'PARTY' ? 'ANAM-SIAVE-PARTE-001' : 'ANAM-SIAVE-VIAJERO-001');
      expect(result.referredForInspection).toBe(result.outcome !== 'CLEAR');
      expect(result.lists).toEqual(mxWatchlists.lists.map(({ listId, name, owner }) => ({ listId, name, owner })));
    }
  });

  it('derives event ids from the manifest event and the role, and correlates with the manifest', () => {
    const consignor = results[0]!;
    expect(consignor.meta.eventId).toBe(screeningEventId(manifest.meta.eventId, 'consignor'));
    expect(consignor.meta.correlationId).toBe(manifest.meta.eventId);
    expect(consignor.meta.occurredAt).toEqual(new Date(AT));
    expect(consignor.party).toEqual(manifest.consignor);
    expect(consignor.traveller).toBeNull();
  });
});

describe('resultRecord', () => {
  const [result] = screeningResults(manifest, mxWatchlists, {
    country: 'MX',
    thresholds: DEFAULT_THRESHOLDS,
    at: AT,
  });
  const options = { codec, outputTopic: 'mx.screening-results.v1', country: 'MX' } as const;

  it('keys the encoded result by manifest id, with CloudEvents headers of the screening agency', () => {
    const record = resultRecord(manifest.manifestId, result!, options);
    expect(record.key).toBe(manifest.manifestId);
    expect(record.timestamp).toBe(AT);
    expect(codec.decode(record.value!, { topic: 'mx.screening-results.v1' }).value).toEqual(result);
    expect(record.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: result!.meta.eventId,
      ce_source: '/puente/MX/ANAM/screening',
      ce_type: 'org.puente.v1.screening-results',
      ce_time: new Date(AT).toISOString(),
      'content-type': 'application/vnd.confluent.avro',
    });
  });

  it('throws when a result breaks its schema', () => {
    const broken = { ...result!, score: 'high' } as unknown as ScreeningResult;
    expect(() => resultRecord(manifest.manifestId, broken, options)).toThrow();
  });
});
