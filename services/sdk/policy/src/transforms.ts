// The value transforms an agreement can apply to a field: keyed hashing, masking and
// generalisation. Each output is a string, which is what the derived view schema declares.
import { createHmac, type KeyObject } from 'node:crypto';

export type MaskStyle = 'initials' | 'last4' | 'redact';
export type Granularity = 'year' | 'month';

export const REDACTED = '[REDACTED]';

/**
 * HMAC-SHA-256, base64url. With the same key both countries derive the same value for the same
 * document number, so they can match records without either disclosing the number.
 */
export function hmacHash(key: KeyObject, value: unknown): string {
  return createHmac('sha256', key).update(canonicalText(value)).digest('base64url');
}

export function mask(style: MaskStyle, value: unknown): string {
  const text = canonicalText(value);
  switch (style) {
    case 'redact':
      return REDACTED;
    case 'last4': {
      const chars = [...text];
      const keep = chars.length > 4 ? chars.slice(-4).join('') : '';
      return '*'.repeat(chars.length - keep.length) + keep;
    }
    case 'initials':
      return text
        .split(/[\s-]+/u)
        .filter((word) => word.length > 0)
        .map((word) => `${[...word][0]?.toLocaleUpperCase('es') ?? ''}.`)
        .join(' ');
  }
}

/** Dates ('YYYY-MM-DD' strings or Date for timestamps) reduced to 'YYYY' or 'YYYY-MM' (UTC). */
export function generalize(granularity: Granularity, value: unknown): string {
  const iso = value instanceof Date ? value.toISOString() : canonicalText(value);
  const match = /^(\d{4})-(\d{2})/.exec(iso);
  if (!match) throw new TypeError(`cannot generalize '${iso.slice(0, 40)}': not a date`);
  return granularity === 'year' ? (match[1] ?? '') : `${match[1]}-${match[2]}`;
}

export function canonicalText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  throw new TypeError(`cannot transform a value of type ${typeof value}`);
}
