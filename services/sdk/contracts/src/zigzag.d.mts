// Types of zigzag.mjs (plain JavaScript so the producer thread loads it without a TypeScript loader).

/** Bytes of the zig-zag varint of `value` (a safe integer). */
export function zigzagVarintLength(value: number): number;

/** Writes the zig-zag varint of `value` into `out` at `at`; returns the offset after it. */
export function writeZigzagVarint(out: Uint8Array, at: number, value: number): number;
