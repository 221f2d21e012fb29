import { describe, expect, it } from 'vitest';

import { ConfigError, loadScreeningConfig } from './config.js';

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
});
