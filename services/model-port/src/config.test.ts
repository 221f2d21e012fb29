import { ConfigError } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { loadModelPortConfig } from './config.js';

describe('loadModelPortConfig', () => {
  it('starts with no settings at all: gateway 50051, metrics 9464, about three events a second', () => {
    const config = loadModelPortConfig({}, () => 0.5);
    expect(config).toEqual({
      gatewayPort: 50051,
      metricsPort: 9464,
      ratePerSecond: 3,
      seed: 2 ** 30,
      consolePort: 8080,
      consolePortIsDefault: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('publishes one event per PUENTE_DEMO_INTERVAL_MS unless PUENTE_SIM_RATE says otherwise', () => {
    expect(loadModelPortConfig({ PUENTE_DEMO_INTERVAL_MS: '200' }).ratePerSecond).toBe(5);
    expect(loadModelPortConfig({ PUENTE_DEMO_INTERVAL_MS: '200', PUENTE_SIM_RATE: '40' }).ratePerSecond).toBe(40);
  });

  it('takes ports and the seed from the environment', () => {
    expect(
      loadModelPortConfig({ PUENTE_GATEWAY_PORT: '6000', PUENTE_METRICS_PORT: '6001', PUENTE_SIM_SEED: '42' }),
    ).toMatchObject({ gatewayPort: 6000, metricsPort: 6001, seed: 42 });
    expect(loadModelPortConfig({ PUENTE_CONSOLE_PORT: '6002' })).toMatchObject({
      consolePort: 6002,
      consolePortIsDefault: false,
    });
  });

  it('names every unusable setting at once instead of starting with a NaN port', () => {
    let error: unknown;
    try {
      loadModelPortConfig({ PUENTE_CONSOLE_PORT: 'x', PUENTE_GATEWAY_PORT: '70000', PUENTE_SIM_RATE: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PUENTE_GATEWAY_PORT: must be a port number, 0 to 65535 (got "70000")',
      'PUENTE_SIM_RATE: must be a number of events per second above 0 (got "0")',
      'PUENTE_CONSOLE_PORT: must be a port number, 0 to 65535 (got "x")',
    ]);
  });
});
