import { existsSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { ConfigError, loadRiskConfig } from './config.js';

describe('loadRiskConfig', () => {
  it('defaults the rule and registry files to deploy/ for the country', () => {
    const config = loadRiskConfig({ KAFKA_BROKERS: 'localhost:9092', PUENTE_COUNTRY: 'MX' });
    expect(config.rulesFile).toMatch(/deploy\/risk\/mx\.yaml$/);
    expect(existsSync(config.rulesFile)).toBe(true);
    expect(existsSync(config.trustedShippersFile)).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every problem at once', () => {
    expect(() => loadRiskConfig({ KAFKA_BROKERS: 'nope', PUENTE_COUNTRY: 'CA' })).toThrow(ConfigError);
    try {
      loadRiskConfig({ PUENTE_COUNTRY: 'CA' });
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });
});
