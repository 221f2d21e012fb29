// Configuration of `pnpm simulate`, parsed once from the environment into a frozen object;
// every problem is listed before giving up.
import { DEV_TOKENS_FILE } from '@puente/gateway/dev';

import { SimulatorError } from './errors.js';

export interface SimulatorConfig {
  /** PUENTE_GATEWAY_ADDRESS (default 127.0.0.1:50051). */
  readonly gatewayAddress: string;
  /** PUENTE_SIM_RATE: events per second over all agencies (default 2). */
  readonly ratePerSecond: number;
  /** PUENTE_SIM_SEED (default: random, printed so a run can be repeated). */
  readonly seed: number;
  /** PUENTE_SIM_WATCHLIST_HIT_RATE (default 0.05). */
  readonly watchlistHitRate: number;
  /** PUENTE_DEV_TOKENS_FILE (default deploy/dev-tokens.yaml). */
  readonly tokensFile: string;
  /** PUENTE_SIM_PARTNERS=false runs the agencies only (default true). */
  readonly partners: boolean;
}

export function loadSimulatorConfig(env: Readonly<Record<string, string | undefined>>): SimulatorConfig {
  const problems: string[] = [];
  const number = (name: string, fallback: number, valid: (n: number) => boolean, rule: string) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || !valid(n)) problems.push(`${name} must be ${rule}, got "${raw}"`);
    return n;
  };
  const partners = (env['PUENTE_SIM_PARTNERS'] ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(partners))
    problems.push(`PUENTE_SIM_PARTNERS must be true or false, got "${env['PUENTE_SIM_PARTNERS']}"`);
  const config: SimulatorConfig = {
    gatewayAddress: env['PUENTE_GATEWAY_ADDRESS'] || '127.0.0.1:50051',
    ratePerSecond: number('PUENTE_SIM_RATE', 2, (n) => n > 0 && n <= 10_000, 'a number > 0 and ≤ 10000'),
    seed: number('PUENTE_SIM_SEED', Math.floor(Math.random() * 2 ** 31), Number.isInteger, 'an integer'),
    watchlistHitRate: number('PUENTE_SIM_WATCHLIST_HIT_RATE', 0.05, (n) => n >= 0 && n <= 1, 'between 0 and 1'),
    tokensFile: env['PUENTE_DEV_TOKENS_FILE'] || DEV_TOKENS_FILE,
    partners: partners === 'true' || partners === '1',
  };
  if (problems.length > 0)
    throw new SimulatorError({
      code: 'INVALID_OPTIONS',
      message: `invalid configuration:\n  - ${problems.join('\n  - ')}`,
    });
  return Object.freeze(config);
}

/** Publisher → dev token name in deploy/dev-tokens.yaml. */
export const DEV_PUBLISHER_TOKENS: Readonly<Record<string, string>> = Object.freeze({
  'US/CBP': 'dev-us-cbp-publisher',
  'US/HSI': 'dev-us-hsi-publisher',
  'US/USAO': 'dev-us-usao-publisher',
  'MX/ANAM': 'dev-mx-anam-publisher',
  'MX/FGR': 'dev-mx-fgr-publisher',
  'MX/INM': 'dev-mx-inm-publisher',
});

/** The publisher tokens a token file holds, by publisher ("US/CBP" → token). */
export function publisherTokens(tokens: ReadonlyMap<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(DEV_PUBLISHER_TOKENS).map(([publisher, name]) => [publisher, tokens.get(name)]),
  );
}
