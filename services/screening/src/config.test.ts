import { describe, expect, it } from 'vitest';

import { ConfigError, loadScreeningConfig } from './config.js';
import { createDocumentHasher } from './document-hasher.js';

// The development fixture of deploy/policies/dev-keys.env (not a secret): 36 bytes.
const KEY = 'ZGV2LW9ubHktdXMtbXgta2V5LW5vdC1hLXNlY3JldC0wMDAx';

describe('screening configuration', () => {
  it('parses the environment with defaults', () => {
    const config = loadScreeningConfig({ KAFKA_BROKERS: 'a:9092, b:9092', PUENTE_COUNTRY: 'MX' });
    expect(config).toMatchObject({
      brokers: ['a:9092', 'b:9092'],
      country: 'MX',
      thresholds: { potential: 0.85, confirmed: 0.95 },
      logLevel: 'info',
    });
    expect(config.watchlistFile).toMatch(/deploy\/watchlists\/mx\.yaml$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every problem at once', () => {
    const error = (() => {
      try {
        loadScreeningConfig({ PUENTE_COUNTRY: 'CA', PUENTE_MATCH_POTENTIAL: '2' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toMatch(
      /KAFKA_BROKERS[\s\S]*PUENTE_COUNTRY[\s\S]*PUENTE_MATCH_POTENTIAL/,
    );
  });

  it('rejects a potential threshold above the confirmed one', () => {
    expect(() =>
      loadScreeningConfig({ KAFKA_BROKERS: 'a:1', PUENTE_COUNTRY: 'US', PUENTE_MATCH_POTENTIAL: '0.97' }),
    ).toThrow(/must not exceed/);
  });

  it('reads the partner file and the bilateral key into a key ring, the id defaulting to usmx-dev-1', () => {
    const config = loadScreeningConfig({
      KAFKA_BROKERS: 'a:1',
      PUENTE_COUNTRY: 'US',
      PUENTE_PARTNER_WATCHLIST_FILE: '/tmp/mx-shared.yaml',
      PUENTE_HASH_KEY_US_MX: KEY,
    });
    expect(config.partnerWatchlistFile).toBe('/tmp/mx-shared.yaml');
    expect(config.hashKeyRing?.current.id).toBe('usmx-dev-1');
    expect(config.hashKeyRing?.current.key.symmetricKeySize).toBe(36);
    const plain = loadScreeningConfig({ KAFKA_BROKERS: 'a:1', PUENTE_COUNTRY: 'US' });
    expect(plain.partnerWatchlistFile).toBeUndefined();
    expect(plain.hashKeyRing).toBeUndefined();
  });

  it('rejects a partner file without the key, and a short key without echoing it', () => {
    expect(() =>
      loadScreeningConfig({ KAFKA_BROKERS: 'a:1', PUENTE_COUNTRY: 'US', PUENTE_PARTNER_WATCHLIST_FILE: '/tmp/x.yaml' }),
    ).toThrow(/PUENTE_HASH_KEY_US_MX: PUENTE_PARTNER_WATCHLIST_FILE is set, but PUENTE_HASH_KEY_US_MX is not/);
    const short = 'c2hvcnQta2V5';
    let message = '';
    try {
      loadScreeningConfig({
        KAFKA_BROKERS: 'a:1',
        PUENTE_COUNTRY: 'US',
        PUENTE_HASH_KEY_US_MX: short,
        PUENTE_HASH_KEY_ID: 'Bad Id',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/PUENTE_HASH_KEY_US_MX: the bilateral HMAC key decodes to 9 bytes/);
    expect(message).toMatch(/PUENTE_HASH_KEY_ID: a key id is/);
    expect(message).not.toContain(short);
  });

  describe('a key rotation', () => {
    // Another development value (not a secret): the key being rotated out.
    const OLD = Buffer.from('the previous bilateral dev key, 32+ bytes long').toString('base64');
    const rotating = {
      KAFKA_BROKERS: 'a:1',
      PUENTE_COUNTRY: 'US',
      PUENTE_HASH_KEY_US_MX: KEY,
      PUENTE_HASH_KEY_ID: 'usmx-2',
      PUENTE_HASH_KEY_US_MX_PREVIOUS: OLD,
      PUENTE_HASH_KEY_PREVIOUS_ID: 'usmx-1',
      PUENTE_HASH_KEY_PREVIOUS_UNTIL: '2026-07-01T00:00:00Z',
    };

    it('hashes a traveller under both keys until the overlap ends, then under the new one', () => {
      const ring = loadScreeningConfig(rotating).hashKeyRing!;
      expect(ring.current.id).toBe('usmx-2');
      expect(ring.previous).toMatchObject({ id: 'usmx-1', until: Date.parse('2026-07-01T00:00:00Z') });
      let now = Date.parse('2026-06-30T23:59:59Z');
      const hasher = createDocumentHasher({ ring, now: () => now });
      expect(hasher.keyIds()).toEqual(['usmx-2', 'usmx-1']);
      const during = hasher.hash('G 1234-5678');
      expect(during.map((hash) => hash.split(':')[0])).toEqual(['usmx-2', 'usmx-1']);
      // The old key's hash is what a partner still on the old key alone writes.
      const partnerOnOldKey = loadScreeningConfig({
        KAFKA_BROKERS: 'a:1',
        PUENTE_COUNTRY: 'MX',
        PUENTE_HASH_KEY_US_MX: OLD,
        PUENTE_HASH_KEY_ID: 'usmx-1',
      }).hashKeyRing!;
      expect(during[1]).toBe(createDocumentHasher({ ring: partnerOnOldKey }).hash('g12345678')[0]);
      now = Date.parse('2026-07-01T00:00:00Z');
      expect(hasher.hash('G 1234-5678')).toEqual([during[0]]);
    });

    it('names each previous-key variable missing when only some are set', () => {
      const { PUENTE_HASH_KEY_US_MX_PREVIOUS: _key, PUENTE_HASH_KEY_PREVIOUS_UNTIL: _until, ...partial } = rotating;
      expect(() => loadScreeningConfig(partial)).toThrow(
        /PUENTE_HASH_KEY_US_MX_PREVIOUS: is not set, but PUENTE_HASH_KEY_PREVIOUS_ID is[\s\S]*PUENTE_HASH_KEY_PREVIOUS_UNTIL: is not set/,
      );
    });

    it('refuses a previous key with the current id, a time without its offset, and one without a current key', () => {
      expect(() => loadScreeningConfig({ ...rotating, PUENTE_HASH_KEY_PREVIOUS_ID: 'usmx-2' })).toThrow(
        /PUENTE_HASH_KEY_PREVIOUS_ID: is the current key's id/,
      );
      expect(() => loadScreeningConfig({ ...rotating, PUENTE_HASH_KEY_PREVIOUS_UNTIL: '1 July 2026' })).toThrow(
        /PUENTE_HASH_KEY_PREVIOUS_UNTIL: must be an ISO 8601 time/,
      );
      expect(() => loadScreeningConfig({ ...rotating, PUENTE_HASH_KEY_US_MX: undefined })).toThrow(
        /PUENTE_HASH_KEY_US_MX: is not set, but a previous key is/,
      );
    });

    it('says what is wrong with a short previous key without echoing it', () => {
      let message = '';
      try {
        loadScreeningConfig({ ...rotating, PUENTE_HASH_KEY_US_MX_PREVIOUS: 'c2hvcnQta2V5' });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/PUENTE_HASH_KEY_US_MX_PREVIOUS: the bilateral HMAC key decodes to 9 bytes/);
      expect(message).not.toContain('c2hvcnQta2V5');
    });
  });
});
