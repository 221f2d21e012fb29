import { describe, expect, it } from 'vitest';

import { validateThresholds } from './screen-party.js';

describe('validateThresholds', () => {
  it('returns the thresholds frozen, without extra properties', () => {
    const input = { potential: 0.8, confirmed: 0.9, extra: 1 };
    const thresholds = validateThresholds(input);
    expect(thresholds).toEqual({ potential: 0.8, confirmed: 0.9 });
    expect(Object.isFrozen(thresholds)).toBe(true);
  });

  it('accepts potential equal to confirmed and confirmed of 1', () => {
    expect(validateThresholds({ potential: 1, confirmed: 1 })).toEqual({ potential: 1, confirmed: 1 });
  });

  it.each([
    [0, 0.9],
    [0.95, 0.9],
    [0.8, 1.01],
    [Number.NaN, 0.9],
  ])('rejects potential %s with confirmed %s', (potential, confirmed) => {
    expect(() => validateThresholds({ potential, confirmed })).toThrow(
      new RangeError(`thresholds must satisfy 0 < potential ≤ confirmed ≤ 1 (got ${potential}, ${confirmed})`),
    );
  });
});
