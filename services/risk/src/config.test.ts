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

  it("configures the traveller lanes' group and join timeout and the development topic creation", () => {
    const base = { KAFKA_BROKERS: 'localhost:9092', PUENTE_COUNTRY: 'US' };
    expect(loadRiskConfig(base)).toMatchObject({
      travellerGroupId: undefined,
      travellerJoinTimeoutMs: 30_000,
      ensureTopicsPartitions: undefined,
    });
    const config = loadRiskConfig({
      ...base,
      PUENTE_RISK_TRAVELLERS_GROUP_ID: 'puente.risk-travellers.us.blue',
      PUENTE_RISK_TRAVELLERS_JOIN_TIMEOUT_MS: '5000',
      PUENTE_ENSURE_TOPICS_PARTITIONS: '3',
    });
    expect(config).toMatchObject({
      travellerGroupId: 'puente.risk-travellers.us.blue',
      travellerJoinTimeoutMs: 5_000,
      ensureTopicsPartitions: 3,
    });
    expect(() =>
      loadRiskConfig({ ...base, PUENTE_RISK_TRAVELLERS_JOIN_TIMEOUT_MS: '0', PUENTE_ENSURE_TOPICS_PARTITIONS: '65' }),
    ).toThrow(/PUENTE_RISK_TRAVELLERS_JOIN_TIMEOUT_MS[\s\S]*PUENTE_ENSURE_TOPICS_PARTITIONS/);
  });

  it('lists every problem at once', () => {
    expect(() => loadRiskConfig({ KAFKA_BROKERS: 'nope', PUENTE_COUNTRY: 'CA' })).toThrow(ConfigError);
    try {
      loadRiskConfig({ PUENTE_COUNTRY: 'CA' });
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });

  it('has no gateway, so partner findings are off, unless PUENTE_GATEWAY_ADDRESS is set', () => {
    expect(loadRiskConfig({ KAFKA_BROKERS: 'localhost:9092', PUENTE_COUNTRY: 'US' }).gateway).toBeUndefined();
    const config = loadRiskConfig({
      KAFKA_BROKERS: 'localhost:9092',
      PUENTE_COUNTRY: 'US',
      PUENTE_GATEWAY_ADDRESS: 'gateway:8443',
      PUENTE_GATEWAY_TOKEN_FILE: '/run/secrets/token',
    });
    expect(config.gateway).toEqual({
      address: 'gateway:8443',
      token: undefined,
      tokenFile: '/run/secrets/token',
      tls: undefined,
      subscription: 'puente-pre-clearance-us',
      feed: 'mx-to-us/mx.screening-results.v1',
    });
    const mx = loadRiskConfig({ KAFKA_BROKERS: 'k:9092', PUENTE_COUNTRY: 'MX', PUENTE_GATEWAY_ADDRESS: 'g:1' });
    expect(mx.gateway?.feed).toBe('us-to-mx/us.screening-results.v1');
  });

  it('names each inconsistent gateway setting', () => {
    try {
      loadRiskConfig({
        KAFKA_BROKERS: 'localhost:9092',
        PUENTE_COUNTRY: 'US',
        PUENTE_GATEWAY_TOKEN: 'x',
        PUENTE_GATEWAY_CERT_FILE: '/c.pem',
        PUENTE_PRE_CLEARANCE_SUBSCRIPTION: 'Puente.Pre',
      });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PUENTE_PRE_CLEARANCE_SUBSCRIPTION/);
    }
    try {
      loadRiskConfig({
        KAFKA_BROKERS: 'k:9092',
        PUENTE_COUNTRY: 'US',
        PUENTE_GATEWAY_TOKEN: 'x',
        PUENTE_GATEWAY_CERT_FILE: '/c.pem',
      });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PUENTE_GATEWAY_TOKEN: set without PUENTE_GATEWAY_ADDRESS/);
      expect(problems).toMatch(
        /PUENTE_GATEWAY_CERT_FILE: the client certificate and PUENTE_GATEWAY_KEY_FILE go together/,
      );
      expect(problems).toMatch(/PUENTE_GATEWAY_CA_FILE: needed for a client certificate/);
    }
  });
});
