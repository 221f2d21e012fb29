// Picks the language (--lang, else LC_ALL / LC_MESSAGES / LANG: es* is Spanish) and formats
// messages, numbers and dates in it with Intl.
import { en, type MessageKey } from './en.js';
import { es } from './es.js';

export type Lang = 'en' | 'es';
export const LANGS: readonly Lang[] = ['en', 'es'];
export const catalogs: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { en, es };

export interface Messages {
  readonly lang: Lang;
  readonly t: (key: MessageKey, params?: Readonly<Record<string, string | number | bigint>>) => string;
  readonly number: (value: number | bigint | string) => string;
  readonly date: (value: Date | undefined) => string;
}

/** The language of the locale variables, as a POSIX program reads them (first set wins). */
export function langFromEnv(env: Readonly<Record<string, string | undefined>>): Lang {
  const locale = [env['LC_ALL'], env['LC_MESSAGES'], env['LANG']].find((v) => v !== undefined && v !== '');
  return locale?.toLowerCase().startsWith('es') ? 'es' : 'en';
}

export function createMessages(lang: Lang): Messages {
  const catalog = catalogs[lang];
  const locale = lang === 'es' ? 'es-MX' : 'en-US';
  const numbers = new Intl.NumberFormat(locale);
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });
  return {
    lang,
    t: (key, params = {}) =>
      catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) => {
        const value = params[name];
        return value === undefined ? whole : String(value);
      }),
    // Offsets and counts arrive as decimal strings (int64); Intl formats them exactly as BigInt.
    number: (value) =>
      numbers.format(typeof value === 'string' && /^-?\d+$/.test(value) ? BigInt(value) : Number(value)),
    date: (value) => (value === undefined ? '-' : `${dates.format(value)} UTC`),
  };
}
