import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { devCheckpointKey, rawPublicKey } from '@puente/ledger';
import { describe, expect, it } from 'vitest';

import { ConfigError, loadGatewayConfig } from './config.js';

describe('gateway configuration', () => {
  it('parses a development setup with defaults', () => {
    const config = loadGatewayConfig({
      KAFKA_BROKERS: '127.0.0.1:9092, kafka-2:9092',
      PUENTE_DEV_TOKENS_FILE: 'deploy/dev-tokens.yaml',
      PUENTE_HASH_KEY_US_MX: 'c2VjcmV0',
    });
    expect(config.brokers).toEqual(['127.0.0.1:9092', 'kafka-2:9092']);
    expect(config.address).toBe('127.0.0.1:50051');
    expect(config.tls).toBeUndefined();
    expect(config.secret('PUENTE_HASH_KEY_US_MX')).toBe('c2VjcmV0');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadGatewayConfig({ KAFKA_BROKERS: 'not a broker', PUENTE_TLS_CERT: 'server.crt', PUENTE_METRICS_PORT: '70000' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('KAFKA_BROKERS must be host:port');
    expect(problems).toContain('PUENTE_METRICS_PORT');
  });

  it('refuses a gateway nobody could authenticate to, and half a TLS setup', () => {
    expect(() => loadGatewayConfig({ KAFKA_BROKERS: 'k:9092' })).toThrow(/no way to authenticate callers/);
    expect(() => loadGatewayConfig({ KAFKA_BROKERS: 'k:9092', PUENTE_TLS_CA: 'ca.crt' })).toThrow(/go together/);
  });

  it('reads relative paths from where the command was typed (pnpm --filter runs in the package)', () => {
    const config = loadGatewayConfig({
      KAFKA_BROKERS: 'k:9092',
      PUENTE_DEV_TOKENS_FILE: 'deploy/dev-tokens.yaml',
      PUENTE_POLICIES_DIR: '/etc/puente/policies',
      INIT_CWD: '/home/dev/puente',
    });
    expect(config.devTokensFile).toBe('/home/dev/puente/deploy/dev-tokens.yaml');
    expect(config.policiesDir).toBe('/etc/puente/policies');
  });

  it('serves metrics on loopback unless told otherwise', () => {
    const base = { KAFKA_BROKERS: 'k:9092', PUENTE_DEV_TOKENS_FILE: 't.yaml' };
    expect(loadGatewayConfig(base)).toMatchObject({ metricsHost: '127.0.0.1', metricsPort: 9464 });
    expect(loadGatewayConfig({ ...base, PUENTE_METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
  });

  it('takes a schema registry URL, with credentials only in pairs', () => {
    const base = { KAFKA_BROKERS: 'k:9092', PUENTE_DEV_TOKENS_FILE: 't.yaml' };
    expect(loadGatewayConfig(base).schemaRegistry).toBeUndefined();
    expect(
      loadGatewayConfig({
        ...base,
        SCHEMA_REGISTRY_URL: 'https://registry.example:8081/apis/ccompat/v7',
        SCHEMA_REGISTRY_USERNAME: 'puente',
        SCHEMA_REGISTRY_PASSWORD: 'secret',
      }).schemaRegistry,
    ).toEqual({
      url: 'https://registry.example:8081/apis/ccompat/v7',
      auth: { username: 'puente', password: 'secret' },
    });
    expect(() => loadGatewayConfig({ ...base, SCHEMA_REGISTRY_URL: 'registry:8081' })).toThrow(/SCHEMA_REGISTRY_URL/);
    expect(() =>
      loadGatewayConfig({ ...base, SCHEMA_REGISTRY_URL: 'http://r:8081', SCHEMA_REGISTRY_USERNAME: 'u' }),
    ).toThrow(/SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together/);
  });

  it('replicates the disclosure topic three times, two in sync, unless told otherwise', () => {
    const base = { KAFKA_BROKERS: 'k:9092', PUENTE_DEV_TOKENS_FILE: 't.yaml' };
    expect(loadGatewayConfig(base).auditTopic).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(
      loadGatewayConfig({ ...base, PUENTE_AUDIT_REPLICATION_FACTOR: '1', PUENTE_AUDIT_MIN_INSYNC_REPLICAS: '1' })
        .auditTopic,
    ).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
  });

  it('refuses disclosure replication no write could satisfy, naming the variables', () => {
    const base = { KAFKA_BROKERS: 'k:9092', PUENTE_DEV_TOKENS_FILE: 't.yaml' };
    const problems = (env: Record<string, string>): string => {
      try {
        loadGatewayConfig({ ...base, ...env });
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
      return '';
    };
    expect(problems({ PUENTE_AUDIT_REPLICATION_FACTOR: '1' })).toMatch(
      /PUENTE_AUDIT_MIN_INSYNC_REPLICAS: must not exceed PUENTE_AUDIT_REPLICATION_FACTOR \(1\)/,
    );
    expect(problems({ PUENTE_AUDIT_REPLICATION_FACTOR: '0' })).toContain('PUENTE_AUDIT_REPLICATION_FACTOR');
    expect(problems({ PUENTE_AUDIT_MIN_INSYNC_REPLICAS: 'two' })).toContain('PUENTE_AUDIT_MIN_INSYNC_REPLICAS');
  });

  it('reads the ledgers from DATABASE_URL with their checkpoint keys, and names what is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
    try {
      const key = devCheckpointKey('US');
      writeFileSync(
        join(dir, 'keys.json'),
        JSON.stringify({ US: { [key.keyId]: rawPublicKey(key.publicKey).toString('base64') } }),
      );
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ CA: {} }));
      const base = { KAFKA_BROKERS: 'k:9092', PUENTE_DEV_TOKENS_FILE: 't.yaml', INIT_CWD: dir };
      expect(loadGatewayConfig(base).ledger).toBeUndefined();
      const ledger = loadGatewayConfig({
        ...base,
        DATABASE_URL: 'postgres://puente@db:5432/audit',
        PUENTE_AUDIT_PUBLIC_KEYS_FILE: 'keys.json',
      }).ledger;
      expect(ledger?.databaseUrl).toBe('postgres://puente@db:5432/audit');
      expect([...(ledger?.checkpointKeys?.US?.keys() ?? [])]).toEqual([key.keyId]);
      expect(ledger?.checkpointKeys?.US?.get(key.keyId)?.equals(key.publicKey)).toBe(true);
      expect(
        loadGatewayConfig({ ...base, DATABASE_URL: 'postgresql://db/audit' }).ledger?.checkpointKeys,
      ).toBeUndefined();

      let error: unknown;
      try {
        loadGatewayConfig({
          ...base,
          KAFKA_BROKERS: 'nope',
          DATABASE_URL: 'postgres://db/audit',
          PUENTE_AUDIT_PUBLIC_KEYS_FILE: 'bad.json',
        });
      } catch (e) {
        error = e;
      }
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('KAFKA_BROKERS');
      expect(problems).toContain('"CA" is not a country (US or MX)');
      expect(() => loadGatewayConfig({ ...base, DATABASE_URL: 'mysql://db/audit' })).toThrow(
        /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/,
      );
      expect(() => loadGatewayConfig({ ...base, PUENTE_AUDIT_PUBLIC_KEYS_FILE: 'keys.json' })).toThrow(
        /PUENTE_AUDIT_PUBLIC_KEYS_FILE verifies the ledgers at DATABASE_URL/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
