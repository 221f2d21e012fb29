import { createSecretKey } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { parseHashKey } from './key-ring.js';
import { generalize, hmacHash, mask, REDACTED } from './transforms.js';

describe('transforms', () => {
  const key = createSecretKey(Buffer.alloc(32, 7));

  it('hashes with HMAC-SHA-256 to base64url, deterministic per key', () => {
    const a = hmacHash(key, 'G31415926');
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hmacHash(key, 'G31415926')).toBe(a);
    expect(hmacHash(createSecretKey(Buffer.alloc(32, 8)), 'G31415926')).not.toBe(a);
    expect(hmacHash(key, 12345)).toBe(hmacHash(key, '12345'));
  });

  it('masks initials (accents, hyphens, double names), last4 and redact', () => {
    expect(mask('initials', 'María José')).toBe('M. J.');
    expect(mask('initials', 'Ávila-Ortúzar')).toBe('Á. O.');
    expect(mask('last4', 'ABC123456')).toBe('*****3456');
    expect(mask('last4', 'ABC')).toBe('***');
    expect(mask('redact', 'anything')).toBe(REDACTED);
  });

  it('generalizes dates and timestamps to year or month, refusing non-dates', () => {
    expect(generalize('year', '1984-07-19')).toBe('1984');
    expect(generalize('month', '1984-07-19')).toBe('1984-07');
    expect(generalize('month', new Date('2026-11-27T23:59:59Z'))).toBe('2026-11');
    expect(() => generalize('year', 'not a date')).toThrow(/not a date/);
  });

  it('accepts base64 keys of at least 32 bytes only', () => {
    expect(typeof parseHashKey(Buffer.alloc(32).toString('base64'))).not.toBe('string');
    expect(parseHashKey(Buffer.alloc(16).toString('base64'))).toMatch(/at least 32/);
    expect(parseHashKey('not base64!')).toBe('is not base64');
  });
});
