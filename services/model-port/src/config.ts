// `pnpm start`'s settings, read once from the environment. Every one has a default, so a new
// user starts the model port with none.
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
  const intervalMs = Number(env['PUENTE_DEMO_INTERVAL_MS'] ?? 0);
  return Object.freeze({
    gatewayPort: Number(env['PUENTE_GATEWAY_PORT'] ?? 50051),
    metricsPort: Number(env['PUENTE_METRICS_PORT'] ?? 9464),
    ratePerSecond: Number(env['PUENTE_SIM_RATE'] ?? (intervalMs > 0 ? 1000 / intervalMs : 3)),
    seed: Number(env['PUENTE_SIM_SEED'] ?? Math.floor(random() * 2 ** 31)),
    consolePort: Number(env['PUENTE_CONSOLE_PORT'] ?? 8080),
    consolePortIsDefault: env['PUENTE_CONSOLE_PORT'] === undefined,
  });
}
