// Keyed hashes both countries can match: each hashed field declares a normalisation applied
// identically on either side, and each hash names its key, so a bilateral key can be rotated
// with an overlap during which old and new hashes still match.
import { createHmac, type KeyObject } from 'node:crypto';

import { canonicalText } from './transforms.js';

export const NORMALIZATIONS = ['exact', 'document-number', 'name'] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

export function isNormalization(text: string): text is Normalization {
  return (NORMALIZATIONS as readonly string[]).includes(text);
}

/** Key id: what a hash names its key by. 1–32 chars of [a-z0-9._-], starting with a letter or digit. */
export const KEY_ID = /^[a-z0-9][a-z0-9._-]{0,31}$/;

export interface HashKey {
  readonly id: string;
  readonly key: KeyObject;
}

export interface KeyRing {
  readonly current: HashKey;
  /** The key being rotated out, still hashed with until `until` (epoch ms, exclusive): the overlap. */
  readonly previous?: HashKey & { readonly until: number };
}

// Compiled once: normalize runs per hashed field per record.
// JS `\s` and Unicode White_Space differ slightly (U+0085 is only in the latter, U+FEFF only in
// the former); both are removed. Dashes: \p{Pd} already holds U+2010..2015; U+2212 is a math sign.
// Format characters (\p{Cf}: soft hyphen, zero-width space, ZWJ/ZWNJ, BOM …) are invisible and
// common in copy-pasted numbers.
const DOCUMENT_NUMBER_NOISE = /[\s\p{White_Space}\p{Pd}\u2010-\u2015\u2212\p{Cf}]/gu;
// Only the diacritics of Latin, Greek and Cyrillic letters (the Combining Diacritical Marks
// block) are folded, with the invisible format characters: in scripts whose vowel signs are
// marks (Devanagari हिंदी) removing every \p{M} would make different names collide.
const FOLDED_IN_NAMES = /[\u0300-\u036f\p{Cf}]+/gu;
// The same set without the `u` flag, a third faster: \x85 is the one White_Space that `\s` lacks.
const WHITESPACE_RUNS = /[\s\x85]+/g;
const FINAL_SIGMA = /ς/g;
// The common case (a document number, most names) skips the Unicode tables.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The text a value is hashed as: normalised strings; other scalars as today's canonical text. */
export function normalize(normalization: Normalization, text: string): string {
  switch (normalization) {
    case 'exact':
      return text;
    case 'document-number':
      return normalizeDocumentNumber(text);
    case 'name':
      return normalizeName(text);
  }
}

function normalizeDocumentNumber(text: string): string {
  // Printable ASCII is its own NFKC form and stays ASCII when upper-cased: half the cost.
  if (PRINTABLE_ASCII.test(text)) return text.toUpperCase().replace(DOCUMENT_NUMBER_NOISE, '');
  // The closing NFKC recomposes what upper-casing and stripping leave apart ('a¨' → 'A', space,
  // U+0308 → 'Ä'), so the result is in NFKC and normalising it again changes nothing.
  return text.normalize('NFKC').toUpperCase().replace(DOCUMENT_NUMBER_NOISE, '').normalize('NFKC');
}

function normalizeName(text: string): string {
  // Printable ASCII has no marks, no compatibility forms and no whitespace but the space.
  if (PRINTABLE_ASCII.test(text)) return text.toLowerCase().replace(WHITESPACE_RUNS, ' ').trim();
  // Lower, upper, lower is full case folding for our purpose: ẞ → ß → SS → ss, so 'STRAẞE',
  // 'straße' and 'strasse' agree (upper-then-lower alone leaves ẞ as ß).
  // Final sigma last: lower-casing writes Σ as ς or σ by its neighbours, which stripping and
  // trimming change, so Unicode case folding's ς → σ keeps the result a fixed point.
  const folded = text
    .normalize('NFKD')
    .replace(FOLDED_IN_NAMES, '')
    .toLowerCase()
    .toUpperCase()
    .toLowerCase()
    .replace(FINAL_SIGMA, 'σ');
  return folded.replace(WHITESPACE_RUNS, ' ').trim().normalize('NFC');
}

/** The ids of the keys a hash made at `now` carries, current first. */
export function keyIdsAt(ring: KeyRing, now: number): string[] {
  const { current, previous } = ring;
  return previous !== undefined && now < previous.until ? [current.id, previous.id] : [current.id];
}

/**
 * HMAC-SHA-256 (base64url, unpadded) of the normalised value, written `<key id>:<digest>`; during the
 * overlap (now < previous.until) the current key's hash, one space, then the previous key's.
 */
export function keyedHash(ring: KeyRing, normalization: Normalization, value: unknown, now?: number): string {
  const text = hashText(normalization, value);
  const { current, previous } = ring;
  const digest = createHmac('sha256', current.key).update(text, 'utf8').digest('base64url');
  if (previous === undefined || (now ?? Date.now()) >= previous.until) return `${current.id}:${digest}`;
  const old = createHmac('sha256', previous.key).update(text, 'utf8').digest('base64url');
  return `${current.id}:${digest} ${previous.id}:${old}`;
}

function hashText(normalization: Normalization, value: unknown): string {
  if (typeof value === 'string') return normalization === 'exact' ? value : normalize(normalization, value);
  if (normalization !== 'exact') {
    throw new TypeError(
      `cannot hash a ${describeType(value)} with normalisation '${normalization}': it applies to strings only (use 'exact')`,
    );
  }
  return canonicalText(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'Date';
  if (Buffer.isBuffer(value)) return 'Buffer';
  return typeof value;
}

// SHA-256 is 32 bytes: 43 base64url characters without padding.
const HASH_PART = /^([a-z0-9][a-z0-9._-]{0,31}):([A-Za-z0-9_-]{43})$/;

/** The (key id, digest) pairs of a hash string as keyedHash writes it; undefined if it is not one. */
export function parseKeyedHash(text: string): { keyId: string; digest: string }[] | undefined {
  const parts = text.split(' ');
  if (parts.length > 2) return undefined;
  const pairs: { keyId: string; digest: string }[] = [];
  for (const part of parts) {
    const match = HASH_PART.exec(part);
    const keyId = match?.[1];
    const digest = match?.[2];
    if (keyId === undefined || digest === undefined) return undefined;
    if (pairs.some((pair) => pair.keyId === keyId)) return undefined;
    pairs.push({ keyId, digest });
  }
  return pairs;
}

/** Whether two hash strings share a (key id, digest) pair: the same value under a common key. */
export function hashesMatch(a: string, b: string): boolean {
  const left = parseKeyedHash(a);
  const right = parseKeyedHash(b);
  if (left === undefined || right === undefined) return false;
  return left.some((l) => right.some((r) => l.keyId === r.keyId && l.digest === r.digest));
}
