// Deliberate watchlist hits: a party whose name is a variant spelling of a watchlist entry —
// word order swapped, accents dropped or added, a Spanish spelling variant (v/b, z/s, y/ll) or a
// one-letter typo — the real-world variation screening has to survive.
import type { Country } from '@puente/runtime';
import type { WatchlistEntry } from '@puente/screening';

import type { BorderCrossing } from './ports.js';
import type { Rng } from './prng.js';
import { americanAddress, mexicanAddress, stripAccents, type OrganizationJson, type PersonJson } from './parties.js';

export type VariantKind = 'word-order' | 'accents' | 'spelling' | 'typo' | 'legal-form' | 'alias';

const ACCENTED: Record<string, string> = { a: 'á', e: 'é', i: 'í', o: 'ó', u: 'ú', n: 'ñ' };
const SPANISH_VARIANTS: readonly (readonly [RegExp, string])[] = [
  [/v/i, 'b'],
  [/b/i, 'v'],
  [/z/i, 's'],
  [/ll/i, 'y'],
  [/y/i, 'll'],
  [/ce/i, 'se'],
  [/ci/i, 'si'],
];
const LEGAL_FORMS: readonly (readonly [RegExp, string])[] = [
  [/,?\s*S\.?\s*A\.?\s*de\s*C\.?\s*V\.?$/i, ', S. de R.L. de C.V.'],
  [/,?\s*S\.?\s*de\s*R\.?\s*L\.?\s*de\s*C\.?\s*V\.?$/i, ', S.A. de C.V.'],
  [/,?\s*SAPI de CV$/i, ', S.A.P.I. de C.V.'],
  [/,?\s*L\.?L\.?C\.?$/i, ', Inc.'],
  [/,?\s*Inc\.?$/i, ' LLC'],
  [/,?\s*Ltd\.?$/i, ' Limited'],
  [/\s+Company$/i, ' Co.'],
];

const keepCase = (original: string, replacement: string) =>
  original === original.toUpperCase() ? replacement.toUpperCase() : replacement;

/** One-letter typo (swap neighbours, drop or double a letter) inside the longest word; always changes it. */
function typo(rng: Rng, text: string): string {
  for (let attempt = 0; attempt < 8; attempt++) {
    const changed = typoOnce(rng, text);
    if (changed !== text) return changed;
  }
  return text;
}

function typoOnce(rng: Rng, text: string): string {
  const words = text.split(' ');
  let index = 0;
  words.forEach((w, i) => {
    if (w.length > (words[index]?.length ?? 0)) index = i;
  });
  const word = words[index] ?? '';
  if (word.length < 6) return text;
  const at = rng.int(1, word.length - 3);
  const chars = [...word];
  switch (rng.int(0, 2)) {
    case 0: // transpose two neighbours
      [chars[at], chars[at + 1]] = [chars[at + 1] ?? '', chars[at] ?? ''];
      break;
    case 1: // drop a letter
      chars.splice(at, 1);
      break;
    default: // double a letter
      chars.splice(at, 0, chars[at] ?? '');
  }
  words[index] = chars.join('');
  return words.join(' ');
}

function toggleAccents(rng: Rng, text: string): string {
  const plain = stripAccents(text);
  if (plain !== text) return plain;
  // Add an accent where Spanish often has one (…on → …ón, Ramon → Ramón).
  const word = /\b(\w*?)([aeiou])n\b/i.exec(text);
  if (word?.[2]) {
    const start = word.index + (word[1]?.length ?? 0);
    return text.slice(0, start) + keepCase(word[2], ACCENTED[word[2].toLowerCase()] ?? word[2]) + text.slice(start + 1);
  }
  // Nothing to accent: change the case instead, as a clerk retyping it might.
  if (text === text.toUpperCase()) return titleCase(text);
  return rng.chance(0.5) ? text.toUpperCase() : text.toLowerCase();
}

function spelling(rng: Rng, text: string): string {
  for (const [pattern, replacement] of rng.sample(SPANISH_VARIANTS, SPANISH_VARIANTS.length)) {
    const match = pattern.exec(text.slice(1));
    if (match) {
      const at = match.index + 1;
      return text.slice(0, at) + keepCase(match[0], replacement) + text.slice(at + match[0].length);
    }
  }
  return typo(rng, text);
}

const titleCase = (text: string) =>
  text
    .toLowerCase()
    .split(' ')
    .map((w) => (['de', 'del', 'la', 'las', 'los', 'y'].includes(w) ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');

export interface PersonHit {
  readonly person: PersonJson;
  readonly variant: VariantKind;
}

/** A person named after a watchlist entry ("SURNAMES, Given names"), spelled a little differently. */
export function personVariant(rng: Rng, entry: WatchlistEntry, now: number): PersonHit {
  const [surnamePart = entry.name, givenPart = ''] = entry.name.split(',').map((s) => s.trim());
  const surnames = titleCase(surnamePart).split(' ');
  let givenNames = titleCase(givenPart);
  let surname = surnames[0] ?? '';
  let secondSurname: string | null = surnames.slice(1).join(' ') || null;
  const variant = rng.pick<VariantKind>(['word-order', 'accents', 'spelling', 'typo']);
  switch (variant) {
    case 'word-order': {
      const given = givenNames.split(' ');
      if (given.length > 1) givenNames = [...given.slice(1), given[0]].join(' ');
      else if (secondSurname && !secondSurname.includes(' ')) [surname, secondSurname] = [secondSurname, surname];
      else givenNames = stripAccents(givenNames);
      break;
    }
    case 'accents':
      if (rng.chance(0.5)) surname = toggleAccents(rng, surname);
      else givenNames = toggleAccents(rng, givenNames);
      break;
    default: {
      // Misspell one surname of six letters or more (a typo in a short word is a different name).
      const change = variant === 'typo' ? typo : spelling;
      const second = secondSurname;
      if (second && !second.includes(' ') && second.length >= 6 && (surname.length < 6 || rng.chance(0.5)))
        secondSurname = change(rng, second);
      else if (surname.length >= 6) surname = change(rng, surname);
      else givenNames = change(rng, givenNames);
    }
  }
  const nationality = entry.countryCode ?? 'MX';
  return {
    variant,
    person: {
      personId: null,
      givenNames,
      surname,
      secondSurname,
      aliases: [],
      dateOfBirth:
        entry.dateOfBirth && rng.chance(0.5)
          ? entry.dateOfBirth
          : new Date(now - rng.int(25 * 365, 60 * 365) * 86_400_000).toISOString().slice(0, 10),
      nationalities: [nationality],
      documents: [
        {
          documentType: nationality === 'MX' ? 'PASSPORT' : 'PASSPORT_CARD',
          documentNumber: nationality === 'MX' ? `G${rng.digits(8)}` : `C0${rng.digits(7)}`,
          issuingCountry: nationality,
          issuingAuthority: nationality === 'MX' ? 'Secretaría de Relaciones Exteriores' : 'U.S. Department of State',
          expiresOn: null,
        },
      ],
      address: null,
    },
  };
}

export interface OrganizationHit {
  readonly organization: OrganizationJson;
  readonly variant: VariantKind;
}

/** A company named after a watchlist organization, spelled a little differently. */
export function organizationVariant(rng: Rng, entry: WatchlistEntry, crossing: BorderCrossing | null): OrganizationHit {
  let name = entry.aliases.length > 0 && rng.chance(0.15) ? (rng.pick(entry.aliases) ?? entry.name) : entry.name;
  let variant: VariantKind =
    name === entry.name ? rng.pick<VariantKind>(['accents', 'spelling', 'typo', 'legal-form', 'word-order']) : 'alias';
  switch (variant) {
    case 'accents':
      name = toggleAccents(rng, name);
      break;
    case 'spelling':
    case 'typo': {
      // Misspell the name proper, never the legal form ("S.A. de C.V." → "S.A. de C.B." is no variant).
      const form = LEGAL_FORMS.find(([pattern]) => pattern.test(name));
      const proper = form ? name.replace(form[0], '') : name;
      const changed = variant === 'typo' ? typo(rng, proper) : spelling(rng, proper);
      name = changed + name.slice(proper.length);
      break;
    }
    case 'legal-form': {
      const form = LEGAL_FORMS.find(([pattern]) => pattern.test(name));
      if (form) name = name.replace(form[0], form[1]);
      else {
        variant = 'typo';
        name = typo(rng, name);
      }
      break;
    }
    case 'word-order': {
      // Swap the first two words of the name proper (before any legal form).
      const [proper = name, ...rest] = name.split(',');
      const words = proper.trim().split(' ');
      if (words.length >= 2) [words[0], words[1]] = [words[1] ?? '', words[0] ?? ''];
      name = [words.join(' '), ...rest].join(',');
      break;
    }
    default:
  }
  const country: Country = entry.countryCode === 'MX' ? 'MX' : 'US';
  const registered = entry.countryCode ?? 'US';
  return {
    variant,
    organization: {
      name,
      tradeName: null,
      countryCode: registered,
      identifiers:
        registered === 'MX'
          ? [{ scheme: 'MX_RFC', value: `${rng.letters(3)}${rng.digits(6)}${rng.letters(2)}${rng.digits(1)}` }]
          : registered === 'US'
            ? [{ scheme: 'US_EIN', value: `${rng.digits(2)}-${rng.digits(7)}` }]
            : [],
      address:
        registered === 'MX' || registered === 'US'
          ? country === 'MX'
            ? mexicanAddress(rng, crossing)
            : americanAddress(rng, crossing)
          : null,
      trustedTraderMemberships: [],
    },
  };
}
