import { ConfigError } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { loadConsoleConfig } from './config.js';

describe('the console’s configuration', () => {
  it('defaults to a gateway on 127.0.0.1:50051 and the console on 127.0.0.1:8080', () => {
    expect(loadConsoleConfig({})).toEqual({
      gatewayAddress: '127.0.0.1:50051',
      host: '127.0.0.1',
      port: 8080,
      tls: undefined,
      sessionTtlMs: 480 * 60_000,
    });
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConsoleConfig({
        PUENTE_GATEWAY_ADDRESS: 'nowhere',
        PUENTE_CONSOLE_PORT: '70000',
        PUENTE_CONSOLE_TLS_CA: 'ca.pem',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PUENTE_GATEWAY_ADDRESS: must be host:port');
    expect(problems).toContain('PUENTE_CONSOLE_PORT');
    expect(problems).toContain(
      'PUENTE_CONSOLE_TLS_CA: PUENTE_CONSOLE_TLS_CA, PUENTE_CONSOLE_TLS_CERT and PUENTE_CONSOLE_TLS_KEY go together',
    );
  });

  it('reads the client certificate files, naming one it cannot read', () => {
    const files: Record<string, string> = { 'ca.pem': 'CA', 'cert.pem': 'CERT' };
    const read = (path: string) => {
      if (!(path in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return Buffer.from(files[path]!);
    };
    const env = {
      PUENTE_CONSOLE_TLS_CA: 'ca.pem',
      PUENTE_CONSOLE_TLS_CERT: 'cert.pem',
      PUENTE_CONSOLE_TLS_KEY: 'key.pem',
    };
    expect(() => loadConsoleConfig(env, read)).toThrow('PUENTE_CONSOLE_TLS_KEY: cannot read key.pem (ENOENT)');
    files['key.pem'] = 'KEY';
    expect(loadConsoleConfig(env, read).tls?.key.toString()).toBe('KEY');
  });
});
