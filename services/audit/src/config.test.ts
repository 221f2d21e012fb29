import { describe, expect, it } from 'vitest';

import { ConfigError, loadAuditConfig } from './config.js';

const base = { KAFKA_BROKERS: 'localhost:9092', PUENTE_COUNTRY: 'MX' };

describe('the audit service’s configuration', () => {
  it('defaults to PGlite in .puente/audit-<country>, replication 3 and its country’s metrics port', () => {
    expect(loadAuditConfig(base)).toEqual({
      brokers: ['localhost:9092'],
      country: 'MX',
      ledger: { kind: 'pglite', dataDir: '.puente/audit-mx' },
      replicationFactor: 3,
      checkpointEvery: { entries: 10_000, ms: 60_000 },
      metricsPort: 9470,
      metricsHost: '127.0.0.1',
      logLevel: 'info',
    });
  });

  it('takes PostgreSQL from DATABASE_URL and the rest from the environment', () => {
    const config = loadAuditConfig({
      ...base,
      PUENTE_COUNTRY: 'US',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      PUENTE_AUDIT_DATA_DIR: '/ignored',
      PUENTE_AUDIT_REPLICATION_FACTOR: '1',
      PUENTE_AUDIT_CHECKPOINT_ENTRIES: '500',
      PUENTE_AUDIT_CHECKPOINT_MS: '1000',
      PUENTE_METRICS_PORT: '0',
    });
    expect(config).toMatchObject({
      ledger: { kind: 'postgres', databaseUrl: 'postgres://postgres@127.0.0.1:5432/test' },
      replicationFactor: 1,
      checkpointEvery: { entries: 500, ms: 1000 },
      metricsPort: 0,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadAuditConfig({
        PUENTE_COUNTRY: 'CA',
        DATABASE_URL: 'mysql://x',
        PUENTE_AUDIT_REPLICATION_FACTOR: '0',
        PUENTE_AUDIT_CHECKPOINT_MS: 'often',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const text of [
      'KAFKA_BROKERS',
      'PUENTE_COUNTRY is required: US or MX',
      'DATABASE_URL must be a PostgreSQL URL',
      'PUENTE_AUDIT_REPLICATION_FACTOR',
      'PUENTE_AUDIT_CHECKPOINT_MS',
    ])
      expect(problems).toContain(text);
  });
});
