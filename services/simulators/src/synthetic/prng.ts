// A small seeded pseudo-random generator (sfc32 seeded through splitmix32) with the helpers the
// synthetic-data generators need. Deterministic per seed; not for anything cryptographic.

export interface Rng {
  /** The seed this generator was created with. */
  readonly seed: number;
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight; items with weight ≤ 0 are never picked. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  /** `count` distinct items (fewer when the list is shorter), in random order. */
  sample<T>(items: readonly T[], count: number): T[];
  digits(count: number): string;
  letters(count: number, alphabet?: string): string;
  /** A version-4 UUID drawn from this generator (so reproducible per seed). */
  uuid(): string;
  /** An independent generator derived from this one, for sub-streams that must not shift others. */
  fork(): Rng;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number): Rng {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const u32 = (): number => {
    // sfc32
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();

  const rng: Rng = {
    seed,
    next: () => u32() / 4294967296,
    int: (min, max) => min + Math.floor((u32() / 4294967296) * (max - min + 1)),
    chance: (p) => u32() / 4294967296 < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[rng.int(0, items.length - 1)] as T;
    },
    weighted<T>(items: readonly (readonly [T, number])[]): T {
      const total = items.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
      if (total <= 0) throw new RangeError('weighted pick needs a positive weight');
      let x = rng.next() * total;
      for (const [item, w] of items) {
        if (w <= 0) continue;
        x -= w;
        if (x < 0) return item;
      }
      const last = items.filter(([, w]) => w > 0).at(-1);
      return (last as readonly [T, number])[0];
    },
    sample<T>(items: readonly T[], count: number): T[] {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy.slice(0, Math.max(0, count));
    },
    digits: (count) => Array.from({ length: count }, () => String(rng.int(0, 9))).join(''),
    letters: (count, alphabet = UPPER) =>
      Array.from({ length: count }, () => alphabet[rng.int(0, alphabet.length - 1)]).join(''),
    uuid() {
      const hex = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16));
      hex[12] = '4';
      hex[16] = ((rng.int(0, 15) & 0x3) | 0x8).toString(16);
      const s = hex.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
    fork: () => createRng(u32()),
  };
  return rng;
}
