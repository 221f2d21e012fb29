import { describe, expect, it } from 'vitest';

import { DedupeWindow, type Acknowledged } from './dedupe-window.js';

const entry = (n: number, topic = 'us.cargo-manifests.v1'): Acknowledged => ({
  topic,
  partition: n % 3,
  offset: String(1_000_000_000_000 + n),
  schemaId: 7,
  timestamp: 1_764_288_000_000 + n,
});

describe('dedupe window', () => {
  it('answers what was acknowledged for a key, and keeps the first entry of a key', () => {
    const window = new DedupeWindow(60_000, 100);
    window.add('a', entry(1), 0);
    window.add('b', entry(2, 'mx.cargo-manifests.v1'), 0);
    window.add('a', entry(3), 0);
    expect(window.get('a')).toEqual(entry(1));
    expect(window.get('b')).toEqual(entry(2, 'mx.cargo-manifests.v1'));
    expect(window.get('c')).toBeUndefined();
    expect(window.size).toBe(2);
  });

  it('forgets entries older than the window, oldest first', () => {
    const window = new DedupeWindow(1_000, 100);
    window.add('old', entry(1), 0);
    window.add('newer', entry(2), 600);
    window.expire(1_000);
    expect(window.has('old')).toBe(true);
    window.expire(1_001);
    expect(window.has('old')).toBe(false);
    expect(window.get('newer')).toEqual(entry(2));
    window.expire(1_601);
    expect(window.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the oldest, through growth and wrap-around', () => {
    const max = 2_500;
    const window = new DedupeWindow(60_000, max);
    for (let n = 0; n < 10_000; n++) {
      window.add(`k${n}`, entry(n), n);
      if (n % 997 === 0) window.expire(n - 30_000);
    }
    expect(window.size).toBe(max);
    expect(window.has(`k${10_000 - max - 1}`)).toBe(false);
    for (let n = 10_000 - max; n < 10_000; n++) expect(window.get(`k${n}`), `k${n}`).toEqual(entry(n));
    // Expiring after wrap-around still goes oldest first.
    window.expire(10_000 - max + 100 + 60_000);
    expect(window.size).toBe(max - 100);
    expect(window.has(`k${10_000 - max + 99}`)).toBe(false);
    expect(window.get(`k${10_000 - max + 100}`)).toEqual(entry(10_000 - max + 100));
  });

  it('keeps answering across many chunks, after emptying and refilling, with the oldest always going first', () => {
    const window = new DedupeWindow(1_000, 50_000);
    for (let n = 0; n < 20_000; n++) window.add(`a${n}`, entry(n), n % 2 === 0 ? 0 : 500);
    expect(window.size).toBe(20_000);
    // Only entries acknowledged at 0 are past the window; expiry stops at the first that is not.
    window.expire(1_001);
    expect(window.size).toBe(19_999);
    expect(window.has('a0')).toBe(false);
    expect(window.get('a1')).toEqual(entry(1));
    window.expire(1_501);
    expect(window.size).toBe(0);
    expect(window.get('a19999')).toBeUndefined();
    for (let n = 0; n < 9_000; n++) window.add(`b${n}`, entry(n), 2_000);
    expect(window.size).toBe(9_000);
    expect(window.get('b0')).toEqual(entry(0));
    expect(window.get('b8999')).toEqual(entry(8_999));
    expect(window.has('a1')).toBe(false);
  });

  it('refuses a window that could hold nothing', () => {
    expect(() => new DedupeWindow(60_000, 0)).toThrow(RangeError);
    expect(() => new DedupeWindow(60_000, Number.NaN)).toThrow(/at least 1 entry/);
  });
});
