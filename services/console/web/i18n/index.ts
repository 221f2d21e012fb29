// The console's two languages and a lookup that fills {placeholders}; shared by the front end
// and the catalogs' unit test.
import { en, type MessageKey } from './en.js';
import { es } from './es.js';

export type Language = 'en' | 'es';
export type { MessageKey };

export const LANGUAGES: readonly Language[] = ['en', 'es'];
export const catalogs: Record<Language, Record<MessageKey, string>> = { en, es };
/** The locale dates and numbers are formatted in: the border's two sides. */
export const LOCALES: Record<Language, string> = { en: 'en-US', es: 'es-MX' };

export function translate(language: Language, key: MessageKey, values: Record<string, string | number> = {}): string {
  return catalogs[language][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

export function isMessageKey(key: string): key is MessageKey {
  return key in en;
}
