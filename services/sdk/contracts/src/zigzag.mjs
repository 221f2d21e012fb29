// Zig-zag varints: Avro's int and long, and Kafka's varint and varlong in record batches. Plain
// JavaScript, so the producer thread loads it without a TypeScript loader. Exact for safe
// integers (|n| ≤ 2^53 - 1), with arithmetic rather than 32-bit operators.

/**
 * Bytes of the zig-zag varint of `value` (a safe integer).
 * @param {number} value
 * @returns {number}
 */
export function zigzagVarintLength(value) {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let length = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 0x80);
    length++;
  }
  return length;
}

/**
 * Writes the zig-zag varint of `value` into `out` at `at`; returns the offset after it.
 * @param {Uint8Array} out
 * @param {number} at
 * @param {number} value
 * @returns {number}
 */
export function writeZigzagVarint(out, at, value) {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  while (zigzag >= 0x80) {
    out[at++] = (zigzag % 0x80) | 0x80;
    zigzag = Math.floor(zigzag / 0x80);
  }
  out[at++] = zigzag;
  return at;
}
