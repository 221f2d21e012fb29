// `pnpm start`'s settings, read once from the environment. Every one has a default, so a new
// user starts the model port with none; a value that is set but unusable is named, with every
// other such problem, before anything starts.
import { ConfigError } from '@puente/runtime';

export interface ModelPortConfig {
  /** PUENTE_GATEWAY_PORT (default 50051). */
  readonly gatewayPort: number;
  /** PUENTE_METRICS_PORT (default 9464). */
  readonly metricsPort: number;
  /** PUENTE_SIM_RATE, else one event per PUENTE_DEMO_INTERVAL_MS, else about three a second. */
  readonly ratePerSecond: number;
  /** PUENTE_SIM_SEED (default: random, printed so a run can be repeated). */
  readonly seed: number;
  /** PUENTE_CONSOLE_PORT: the operators' web console on 127.0.0.1 (default 8080). */
  readonly consolePort: number;
  /** True when PUENTE_CONSOLE_PORT was not set: a busy 8080 then gives way to any free port. */
  readonly consolePortIsDefault: boolean;
}

export function loadModelPortConfig(
  env: Readonly<Record<string, string | undefined>>,
  random: () => number = Math.random,
): ModelPortConfig {
  const problems: string[] = [];
  const number = (name: string, fallback: number, check: (n: number) => boolean, what: string): number => {
    const text = env[name];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || !check(value)) {
      problems.push(`${name}: must be ${what} (got ${JSON.stringify(text)})`);
      return fallback;
    }
    return value;
  };
  const port = (name: string, fallback: number) =>
    number(name, fallback, (n) => Number.isInteger(n) && n >= 0 && n <= 65_535, 'a port number, 0 to 65535');
  const intervalMs = number('PUENTE_DEMO_INTERVAL_MS', 0, (n) => n >= 0, 'a number of milliseconds, 0 or more');
  const config = {
    gatewayPort: port('PUENTE_GATEWAY_PORT', 50051),
    metricsPort: port('PUENTE_METRICS_PORT', 9464),
    ratePerSecond: number(
      'PUENTE_SIM_RATE',
      intervalMs > 0 ? 1000 / intervalMs : 3,
      (n) => n > 0,
      'a number of events per second above 0',
    ),
    seed: number('PUENTE_SIM_SEED', Math.floor(random() * 2 ** 31), Number.isInteger, 'an integer'),
    consolePort: port('PUENTE_CONSOLE_PORT', 8080),
    consolePortIsDefault: env['PUENTE_CONSOLE_PORT'] === undefined,
  };
  if (problems.length > 0) throw new ConfigError('pnpm start', problems);
  return Object.freeze(config);
}
