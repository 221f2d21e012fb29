import { describe, expect, it } from 'vitest';

import { catalogs, createMessages, langFromEnv } from './messages.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogs', () => {
  it('has every key in English and Spanish, with the same placeholders and no empty text', () => {
    const { en, es } = catalogs;
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(es[key].trim(), key).not.toBe('');
      expect(placeholders(es[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('takes the language from LC_ALL, then LC_MESSAGES, then LANG (es* is Spanish)', () => {
    expect(langFromEnv({ LANG: 'es_MX.UTF-8' })).toBe('es');
    expect(langFromEnv({ LC_ALL: 'en_US.UTF-8', LANG: 'es_MX.UTF-8' })).toBe('en');
    expect(langFromEnv({ LC_MESSAGES: 'es_ES', LANG: 'en_US' })).toBe('es');
    expect(langFromEnv({ LC_ALL: '', LANG: 'es' })).toBe('es');
    expect(langFromEnv({})).toBe('en');
  });

  it('fills placeholders and formats numbers and dates in the language', () => {
    const es = createMessages('es');
    expect(es.t('audit.nobody', { eventId: 'e-1' })).toBe('nadie recibió e-1');
    // int64 offsets arrive as strings: formatted exactly, beyond 2^53.
    expect(createMessages('en').number('9007199254740993')).toBe('9,007,199,254,740,993');
    expect(es.number(1234567)).toBe('1,234,567');
    expect(es.date(new Date('2026-01-05T10:00:00Z'))).toContain('ene');
    expect(createMessages('en').date(new Date('2026-01-05T10:00:00Z'))).toContain('Jan');
  });
});
