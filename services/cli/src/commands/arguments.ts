// Parsers of option values shared by commands: each throws a usage error naming the option and
// the value it could not read.
import type { Party } from '@puente/proto';

import { usageError } from '../exit-codes.js';
import type { Messages } from '../i18n/messages.js';

export function parseCount(value: string | undefined, option: string, t: Messages['t']): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw usageError(t('error.integer', { option, value }));
  return Number(value);
}

/** `US`, `mx/anam` → { country: 'MX', agency: 'ANAM' }. */
export function parseParty(value: string, option: string, t: Messages['t']): Party {
  const match = /^([A-Za-z]{2})(?:\/([A-Za-z][A-Za-z0-9-]{0,31}))?$/.exec(value);
  if (!match) throw usageError(t('error.country', { option, value }));
  return { country: match[1]!.toUpperCase(), agency: (match[2] ?? '').toUpperCase() };
}

export function parseTime(value: string | undefined, option: string, t: Messages['t']): Date | undefined {
  if (value === undefined) return undefined;
  const date = isoTime(value);
  if (date === undefined) throw usageError(t('error.time', { option, value }));
  return date;
}

/** An ISO-8601 date or date-time (a date alone is midnight UTC). */
export function isoTime(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export type From =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'time'; readonly time: Date }
  | { readonly kind: 'offset'; readonly offset: string };

/** `--from earliest|latest|<ISO-8601 time>|<offset>`. */
export function parseFrom(value: string, t: Messages['t']): From {
  if (value === 'earliest' || value === 'latest') return { kind: value };
  if (/^\d+$/.test(value)) return { kind: 'offset', offset: value };
  const time = isoTime(value);
  if (time) return { kind: 'time', time };
  throw usageError(t('error.from', { value }));
}

/** A string option's value (commander's options are untyped). */
export function text(options: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}
