// Simulator configuration: defaults, every problem listed at once, publisher tokens by agency.
import { describe, expect, it } from 'vitest';

import { createAgencySimulator } from './agency-simulator.js';
import { loadSimulatorConfig, publisherTokens } from './config.js';

describe('simulator configuration', () => {
  it('has defaults for a local gateway', () => {
    const config = loadSimulatorConfig({ PUENTE_SIM_SEED: '5' });
    expect(config).toMatchObject({ gatewayAddress: '127.0.0.1:50051', ratePerSecond: 2, seed: 5, partners: true });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every problem before giving up', () => {
    expect(() =>
      loadSimulatorConfig({ PUENTE_SIM_RATE: '0', PUENTE_SIM_SEED: '1.5', PUENTE_SIM_PARTNERS: 'maybe' }),
    ).toThrow(
      /PUENTE_SIM_RATE[\s\S]*PUENTE_SIM_SEED[\s\S]*PUENTE_SIM_PARTNERS|PUENTE_SIM_PARTNERS[\s\S]*PUENTE_SIM_RATE/,
    );
  });

  it('maps the dev token file to publishers; US/USAO and MX/INM have none, so US prosecutions and MX crossings are skipped', () => {
    const tokens = publisherTokens(
      new Map([
        ['dev-us-cbp-publisher', 'a'],
        ['dev-us-hsi-publisher', 'b'],
        ['dev-mx-anam-publisher', 'c'],
        ['dev-mx-fgr-publisher', 'd'],
      ]),
    );
    expect(tokens['US/USAO']).toBeUndefined();
    const simulator = createAgencySimulator({ address: '127.0.0.1:1', tokens, ratePerSecond: 1, seed: 1 });
    expect(simulator.skippedKinds).toEqual([
      { kind: 'MX/crossing', publisher: 'MX/INM' },
      { kind: 'US/prosecution', publisher: 'US/USAO' },
    ]);
    expect(simulator.publishing).toContain('MX/prosecution');
    expect(simulator.publishing).toContain('US/crossing');
    return simulator.stop(0);
  });

  it('refuses a simulator that could publish nothing', () => {
    expect(() => createAgencySimulator({ address: 'x:1', tokens: {}, ratePerSecond: 1, seed: 1 })).toThrow(
      /no token for any publisher/,
    );
  });
});
