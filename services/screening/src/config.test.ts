import { describe, expect, it } from 'vitest';

import { ConfigError, loadScreeningConfig } from './config.js';

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
});
