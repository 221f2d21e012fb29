import { fileURLToPath } from 'node:url';

import { keyedHash } from '@puente/policy';
import { describe, expect, it } from 'vitest';

import { singleKeyRing } from './document-hasher.js';
import { shareWatchlistFile } from './share-watchlists-cli.js';
import { DEV_KEY_BASE64 } from './testing/crossings.js';
import { parseSharedWatchlists } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

describe('share-watchlists', () => {
  it('writes a shared file under the configured key id, without the numbers', () => {
    const text = shareWatchlistFile(repo('deploy/watchlists/us.yaml'), {
      PUENTE_HASH_KEY_US_MX: DEV_KEY_BASE64,
      PUENTE_HASH_KEY_ID: 'usmx-test-2',
    });
    expect(text).not.toMatch(/548 ?213 ?907|C03417726/);
    const entry = parseSharedWatchlists(text)
      .lists.flatMap((l) => l.entries)
      .find((e) => e.entryId === 'TECS-L-2213');
    const ring = singleKeyRing('usmx-test-2', DEV_KEY_BASE64);
    expect(entry?.documentHashes).toEqual([
      { type: 'PASSPORT', issuingCountry: 'US', hash: keyedHash(ring, 'document-number', '548213907') },
      { type: 'PASSPORT_CARD', issuingCountry: 'US', hash: keyedHash(ring, 'document-number', 'C03417726') },
    ]);
  });

  it('writes both keys’ hashes during a rotation overlap, the new one alone after it', () => {
    const old = Buffer.from('the previous bilateral dev key, 32+ bytes long').toString('base64');
    const env = {
      PUENTE_HASH_KEY_US_MX: DEV_KEY_BASE64,
      PUENTE_HASH_KEY_ID: 'usmx-test-2',
      PUENTE_HASH_KEY_US_MX_PREVIOUS: old,
      PUENTE_HASH_KEY_PREVIOUS_ID: 'usmx-test-1',
      PUENTE_HASH_KEY_PREVIOUS_UNTIL: '2026-07-01T00:00:00Z',
    };
    const keyIdsOf = (text: string) =>
      parseSharedWatchlists(text)
        .lists.flatMap((l) => l.entries)
        .find((e) => e.entryId === 'TECS-L-2213')
        ?.documentHashes?.map((d) => `${d.type}/${d.hash.split(':')[0]}`);
    const file = repo('deploy/watchlists/us.yaml');
    expect(keyIdsOf(shareWatchlistFile(file, env, () => Date.parse('2026-06-30T12:00:00Z')))).toEqual([
      'PASSPORT/usmx-test-2',
      'PASSPORT/usmx-test-1',
      'PASSPORT_CARD/usmx-test-2',
      'PASSPORT_CARD/usmx-test-1',
    ]);
    expect(keyIdsOf(shareWatchlistFile(file, env, () => Date.parse('2026-07-01T00:00:00Z')))).toEqual([
      'PASSPORT/usmx-test-2',
      'PASSPORT_CARD/usmx-test-2',
    ]);
  });

  it('says which variable is missing', () => {
    expect(() => shareWatchlistFile(repo('deploy/watchlists/us.yaml'), {})).toThrow(
      /PUENTE_HASH_KEY_US_MX: is not set/,
    );
  });
});
