// The chosen language, remembered in localStorage, applied to <html lang>, and the Intl formats
// of dates and numbers in its locale.
import { type Language, LOCALES, type MessageKey, translate } from '../i18n/index.js';

const STORAGE_KEY = 'puente.console.language';

function initial(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'es') return saved;
  return navigator.language.toLowerCase().startsWith('es') ? 'es' : 'en';
}

let language: Language = initial();

export const currentLanguage = (): Language => language;

export function setLanguage(next: Language): void {
  language = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  document.title = t('app.title');
}

export function t(key: MessageKey, values?: Record<string, string | number>): string {
  return translate(language, key, values);
}

export function formatDate(value: string | number | Date | undefined | null): string {
  if (value === undefined || value === null || value === '') return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

export function formatTime(value: number): string {
  return new Intl.DateTimeFormat(LOCALES[language], { timeStyle: 'medium' }).format(new Date(value));
}

export function formatNumber(value: string | number | undefined | null, digits = 0): string {
  if (value === undefined || value === null || value === '') return '—';
  return new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: digits }).format(Number(value));
}

/** A duration in the chosen language, e.g. "7 days" / "7 días". */
export function formatDuration(seconds: number): string {
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (seconds >= size && seconds % size === 0) {
      return new Intl.NumberFormat(LOCALES[language], { style: 'unit', unit, unitDisplay: 'long' }).format(
        seconds / size,
      );
    }
  }
  return new Intl.NumberFormat(LOCALES[language], { style: 'unit', unit: 'second', unitDisplay: 'long' }).format(
    seconds,
  );
}
