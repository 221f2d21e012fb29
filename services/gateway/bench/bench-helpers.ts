// Small helpers of the gateway benchmarks (bench:gateway, bench:scale): environment knobs, timeouts and
// number formatting.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A positive integer from the environment, or `fallback`; anything else stops the run with its name. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got "${raw}")`);
  return value;
}

/** An integer ≥ 0 from the environment (0 turns something off), or `fallback`. */
export function envCount(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be an integer ≥ 0 (got "${raw}")`);
  return value;
}

/** A comma-separated list of integers ≥ 0 from the environment, or `fallback`. */
export function envIntList(name: string, fallback: readonly number[]): readonly number[] {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error(`${name} must be comma-separated integers ≥ 0, e.g. "0,1,4,16" (got "${raw}")`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';

export const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MiB`;
