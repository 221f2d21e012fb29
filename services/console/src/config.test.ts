import { ConfigError } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { loadConsoleConfig } from './config.js';

describe('the console’s configuration', () => {
  it('defaults to a gateway on 127.0.0.1:50051 and the console on 127.0.0.1:8080', () => {
    expect(loadConsoleConfig({})).toEqual({
      gatewayAddress: '127.0.0.1:50051',
      host: '127.0.0.1',
      port: 8080,
      behindTlsProxy: false,
      tls: undefined,
      sessionTtlMs: 480 * 60_000,
    });
  });

  it('listens beyond loopback only when a TLS-terminating proxy is declared', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) {
      expect(loadConsoleConfig({ PUENTE_CONSOLE_HOST: host }).host).toBe(host);
    }
    for (const host of ['0.0.0.0', '192.168.1.20', '::', 'console.example.org']) {
      expect(() => loadConsoleConfig({ PUENTE_CONSOLE_HOST: host })).toThrow(
        `PUENTE_CONSOLE_HOST: ${host} is not a loopback address: the console would take operators' tokens over plain HTTP; put a TLS-terminating proxy in front and set PUENTE_CONSOLE_BEHIND_TLS_PROXY=1`,
      );
    }
    expect(loadConsoleConfig({ PUENTE_CONSOLE_HOST: '0.0.0.0', PUENTE_CONSOLE_BEHIND_TLS_PROXY: '1' })).toMatchObject({
      host: '0.0.0.0',
      behindTlsProxy: true,
    });
    expect(() => loadConsoleConfig({ PUENTE_CONSOLE_BEHIND_TLS_PROXY: 'yes' })).toThrow(
      /PUENTE_CONSOLE_BEHIND_TLS_PROXY: /,
    );
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
