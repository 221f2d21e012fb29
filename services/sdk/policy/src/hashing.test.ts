import { createHmac, createSecretKey } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  hashesMatch,
  KEY_ID,
  keyedHash,
  keyIdsAt,
  normalize,
  NORMALIZATIONS,
  parseKeyedHash,
  type HashKey,
  type KeyRing,
} from './hashing.js';
import { hmacHash } from './transforms.js';

const RUNS = 2_000;
const DIGEST = '[A-Za-z0-9_-]{43}';

function hashKey(id: string, fill: number): HashKey {
  return { id, key: createSecretKey(Buffer.alloc(32, fill)) };
}

const K1 = hashKey('mx-us-2026a', 1);
const K2 = hashKey('mx-us-2026b', 2);
const T = Date.UTC(2026, 5, 1);

describe('normalize: document-number', () => {
  it.each([
    'G 1234-5678',
    'g12345678',
    'Ｇ１２３４５６７８', // full width
    'g 1234–5678', // en dash
    'G\u00a01234\u20145678', // no-break space, em dash
    'G\u30001234\u22125678', // ideographic space, minus sign
    'g-1234\u20115678', // non-breaking hyphen
    ' G\t1234\n5678 ', // tab, newline, leading and trailing space
    'Ｇ－１２３４‐５６７８', // full-width hyphen-minus, hyphen U+2010
    'G\u20091234\u202f\u20155678', // thin and narrow no-break space, horizontal bar
    'G\u00851234\ufeff5678', // next line (Unicode White_Space, not JS \s), zero-width no-break space
    'G\u00ad1234\u00ad5678', // soft hyphens
    'G1234\u200b5678\u200b', // zero-width spaces
    '\ufeffG\u200d1234\u200c5678\u2060', // BOM, ZWJ, ZWNJ, word joiner
  ])('%j → G12345678', (written) => {
    expect(normalize('document-number', written)).toBe('G12345678');
  });

  it('keeps letters and digits apart from case: other separators are not noise', () => {
    expect(normalize('document-number', 'g1234/5678')).toBe('G1234/5678');
    expect(normalize('document-number', 'g1234.5678')).toBe('G1234.5678');
    expect(normalize('document-number', 'ñ-12')).toBe('Ñ12');
  });

  it('is locale-independent upper case (Turkish dotless ı upper-cases to I)', () => {
    expect(normalize('document-number', 'ı12')).toBe('I12');
    expect(normalize('document-number', 'i12')).toBe('I12');
    // Dotted capital İ is a letter of its own here (no accent folding for document numbers), and
    // no locale turns i into İ on the way.
    expect(normalize('document-number', 'İ12')).toBe('\u0130' + '12');
    expect(normalize('document-number', 'i\u0307-12')).toBe('\u0130' + '12'); // decomposed, NFKC composes it
  });
});

describe('normalize: name', () => {
  it.each([
    ['José Núñez', 'jose nunez'],
    ['JOSÉ NÚÑEZ', 'jose nunez'],
    ['Jose\u0301 Nu\u0301n\u0303ez', 'jose nunez'], // already decomposed
    ['María Güemes', 'maria guemes'],
    ['Ángela  María\u00a0Peña ', 'angela maria pena'], // double space, no-break space, trailing
    ['\t Ñandú \u3000 Ávila\n', 'nandu avila'], // tab, ideographic space, newline
    ['Ana\u0085Luz\u2028Ortiz', 'ana luz ortiz'], // next line, line separator
    ['Müller', 'muller'],
    ['STRAẞE', 'strasse'],
    ['straße', 'strasse'],
    ['strasse', 'strasse'],
    ['İlkay', 'ilkay'], // Turkish dotted capital I: the dot is a combining mark, folded away
    ['ILKAY', 'ilkay'],
    ['ılkay', 'ilkay'], // dotless small i upper-cases to I, then lower-cases to i
    ['Çağlar Şahin', 'caglar sahin'],
    ['ﬁlomena', 'filomena'], // ligature, a compatibility character
    ['Jo\u00adsé Nú\u200bñez', 'jose nunez'], // soft hyphen, zero-width space
    ['\ufeffAna\u200dLuz', 'analuz'], // BOM, zero-width joiner
    ['Άλφα Ωμέγα', 'αλφα ωμεγα'], // Greek tonos folded
    ['ΟΔΥΣΣΕΥΣ', 'οδυσσευσ'], // final sigma folded to σ, as Unicode case folding does
    ['Οδυσσεύς', 'οδυσσευσ'],
    ['İ\ufeffς', 'iσ'], // found by the idempotence property on Node 24: ς after stripped characters
    ['Йосиф Ёлкин', 'иосиф елкин'], // Cyrillic breve and diaeresis folded
    ['हिंदी', 'हिंदी'], // Devanagari vowel signs and anusvara are letters' parts, not diacritics
  ])('%j → %j', (written, expected) => {
    expect(normalize('name', written)).toBe(expected);
  });

  it('keeps the marks of scripts whose vowel signs are marks: हिंदी and हद stay apart', () => {
    expect(normalize('name', 'हिंदी')).not.toBe(normalize('name', 'हद'));
    expect(normalize('name', 'हद')).toBe('हद');
    const ring: KeyRing = { current: K1 };
    expect(keyedHash(ring, 'name', 'हिंदी')).not.toBe(keyedHash(ring, 'name', 'हद'));
    // Thai and Arabic too: vowel signs and harakat are not folded.
    expect(normalize('name', 'กิน')).not.toBe(normalize('name', 'กน'));
    expect(normalize('name', 'مُحَمَّد')).not.toBe(normalize('name', 'محمد'));
  });

  it('keeps hyphens and apostrophes: they are part of a name', () => {
    expect(normalize('name', "Ávila-O'Higgins")).toBe("avila-o'higgins");
  });
});

describe('normalize: exact', () => {
  it('returns the text unchanged', () => {
    for (const text of ['G 1234-5678', 'José', ' x ', '']) expect(normalize('exact', text)).toBe(text);
  });
});

describe('keyedHash', () => {
  it('writes `<key id>:<digest>`, the HMAC-SHA-256 of the normalised text computed directly', () => {
    const hash = keyedHash({ current: K1 }, 'document-number', 'g 1234–5678', T);
    const direct = createHmac('sha256', Buffer.alloc(32, 1)).update(Buffer.from('G12345678', 'utf8'));
    expect(hash).toBe(`mx-us-2026a:${direct.digest('base64url')}`);
    expect(hash).toMatch(new RegExp(`^mx-us-2026a:${DIGEST}$`));
  });

  it('hashes the UTF-8 bytes of a normalised name', () => {
    const expected = createHmac('sha256', Buffer.alloc(32, 1))
      .update(Buffer.from([0x6a, 0x6f, 0x73, 0x65, 0x20, 0x6e, 0x75, 0x6e, 0x65, 0x7a])) // 'jose nunez'
      .digest('base64url');
    expect(keyedHash({ current: K1 }, 'name', 'JOSÉ  NÚÑEZ', T)).toBe(`mx-us-2026a:${expected}`);
    const accented = createHmac('sha256', Buffer.alloc(32, 1)).update(Buffer.from('c3b1', 'hex')).digest('base64url');
    expect(keyedHash({ current: K1 }, 'exact', 'ñ', T)).toBe(`mx-us-2026a:${accented}`); // NFC ñ, 2 bytes
  });

  it('matches the RFC 4231 HMAC-SHA-256 test case 1', () => {
    const ring = { current: { id: 'rfc4231', key: createSecretKey(Buffer.alloc(20, 0x0b)) } };
    const expected = Buffer.from('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7', 'hex');
    expect(keyedHash(ring, 'exact', 'Hi There', T)).toBe(`rfc4231:${expected.toString('base64url')}`);
  });

  it("gives today's hmacHash digest for 'exact', scalars written as canonical text", () => {
    const ring = { current: K1 };
    for (const value of ['G 1234-5678', 12345, 12345n, true, new Date(T), Buffer.from('bytes')]) {
      expect(keyedHash(ring, 'exact', value, T)).toBe(`mx-us-2026a:${hmacHash(K1.key, value)}`);
    }
    expect(keyedHash(ring, 'exact', 12345, T)).toBe(keyedHash(ring, 'exact', '12345', T));
    expect(keyedHash(ring, 'exact', new Date(T), T)).toBe(keyedHash(ring, 'exact', '2026-06-01T00:00:00.000Z', T));
  });

  it('refuses to normalise a non-string, naming the type and the normalisation', () => {
    const ring = { current: K1 };
    expect(() => keyedHash(ring, 'document-number', 12345678, T)).toThrow(TypeError);
    expect(() => keyedHash(ring, 'document-number', 12345678, T)).toThrow(
      /cannot hash a number with normalisation 'document-number'.*strings only/,
    );
    expect(() => keyedHash(ring, 'name', new Date(T), T)).toThrow(/cannot hash a Date with normalisation 'name'/);
    expect(() => keyedHash(ring, 'name', Buffer.from('x'), T)).toThrow(/a Buffer/);
    expect(() => keyedHash(ring, 'exact', { a: 1 }, T)).toThrow(/cannot transform a value of type object/);
  });

  it('carries the current then the previous key during the overlap, only the current from `until`', () => {
    const ring: KeyRing = { current: K2, previous: { ...K1, until: T } };
    const newOnly = keyedHash({ current: K2 }, 'document-number', 'G12345678', T);
    const oldOnly = keyedHash({ current: K1 }, 'document-number', 'G12345678', T);
    expect(keyedHash(ring, 'document-number', 'g 1234-5678', T - 1)).toBe(`${newOnly} ${oldOnly}`);
    expect(keyedHash(ring, 'document-number', 'g 1234-5678', T)).toBe(newOnly);
    expect(keyedHash(ring, 'document-number', 'g 1234-5678', T + 1)).toBe(newOnly);
    expect(keyIdsAt(ring, T - 1)).toEqual(['mx-us-2026b', 'mx-us-2026a']);
    expect(keyIdsAt(ring, T)).toEqual(['mx-us-2026b']);
    expect(keyIdsAt({ current: K1 }, T)).toEqual(['mx-us-2026a']);
  });

  it('reads the clock when no time is given', () => {
    const ring: KeyRing = { current: K2, previous: { ...K1, until: Date.now() + 3_600_000 } };
    expect(parseKeyedHash(keyedHash(ring, 'exact', 'x'))?.map((pair) => pair.keyId)).toEqual([K2.id, K1.id]);
    const expired: KeyRing = { current: K2, previous: { ...K1, until: Date.now() - 1 } };
    expect(parseKeyedHash(keyedHash(expired, 'exact', 'x'))?.map((pair) => pair.keyId)).toEqual([K2.id]);
  });
});

describe('KEY_ID', () => {
  it('accepts 1–32 of [a-z0-9._-] starting with a letter or digit, nothing else', () => {
    for (const id of ['a', '7', 'mx-us-2026.q1_a', 'a'.repeat(32)]) expect(id).toMatch(KEY_ID);
    for (const id of ['', '-a', '.a', '_a', 'A', 'a b', 'a:b', 'ñ', 'a'.repeat(33), 'a\n']) {
      expect(id).not.toMatch(KEY_ID);
    }
  });
});

describe('parseKeyedHash and hashesMatch', () => {
  const d1 = 'A'.repeat(43);
  const d2 = 'b_-'.repeat(14) + 'z';

  it('reads one or two (key id, digest) pairs', () => {
    expect(parseKeyedHash(`k1:${d1}`)).toEqual([{ keyId: 'k1', digest: d1 }]);
    expect(parseKeyedHash(`k2:${d2} k1:${d1}`)).toEqual([
      { keyId: 'k2', digest: d2 },
      { keyId: 'k1', digest: d1 },
    ]);
  });

  it.each([
    ['', 'empty'],
    [d1, 'no key id'],
    [`K1:${d1}`, 'upper-case key id'],
    [`-k:${d1}`, 'key id starting with a dash'],
    [`${'k'.repeat(33)}:${d1}`, 'key id too long'],
    [`k1:${d1.slice(1)}`, 'digest too short'],
    [`k1:${d1}A`, 'digest too long'],
    [`k1:${d1}=`, 'padded digest'],
    [`k1:${d1.slice(1)}+`, 'base64 (not url) digest'],
    [`k1:${d1}  k2:${d2}`, 'two spaces'],
    [` k1:${d1}`, 'leading space'],
    [`k1:${d1} `, 'trailing space'],
    [`k1:${d1} k1:${d2}`, 'the same key id twice'],
    [`k1:${d1} k2:${d2} k3:${d1}`, 'three pairs'],
  ])('refuses %j (%s)', (text) => {
    expect(parseKeyedHash(text)).toBeUndefined();
    expect(hashesMatch(text, text)).toBe(false);
  });

  it('matches on a shared (key id, digest) pair only', () => {
    expect(hashesMatch(`k1:${d1}`, `k1:${d1}`)).toBe(true);
    expect(hashesMatch(`k2:${d2} k1:${d1}`, `k1:${d1}`)).toBe(true);
    expect(hashesMatch(`k1:${d1}`, `k2:${d2} k1:${d1}`)).toBe(true);
    expect(hashesMatch(`k1:${d1}`, `k1:${d2}`)).toBe(false);
    expect(hashesMatch(`k1:${d1}`, `k2:${d1}`)).toBe(false); // same digest, different key: not a match
    expect(hashesMatch(`k2:${d1} k1:${d2}`, `k1:${d1} k2:${d2}`)).toBe(false); // crossed pairs
    expect(hashesMatch(`k1:${d1}`, 'garbage')).toBe(false);
  });
});

// ---- properties ----

const keyId = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,31}$/);
const keyBytes = fc.uint8Array({ minLength: 32, maxLength: 32 });
const hashKeyArb = fc.record({ id: keyId, bytes: keyBytes }).map(({ id, bytes }) => ({
  id,
  key: createSecretKey(Buffer.from(bytes)),
  bytes: Buffer.from(bytes),
}));
/** Two keys with different ids and different key material: the old and the new of a rotation. */
const keyPair = fc
  .tuple(hashKeyArb, hashKeyArb)
  .filter(([a, b]) => a.id !== b.id && !a.bytes.equals(b.bytes))
  .map(
    ([a, b]) =>
      [
        { id: a.id, key: a.key },
        { id: b.id, key: b.key },
      ] as const,
  );

const SPACES = [
  ' ',
  '\u00a0',
  '\u3000',
  '\t',
  '\n',
  '\u2009',
  '\u202f',
  '\u2007',
  '\u205f',
  '\u1680',
  '\u0085',
  '\ufeff',
];
const DASHES = [
  '-',
  '\u2010',
  '\u2011',
  '\u2012',
  '\u2013',
  '\u2014',
  '\u2015',
  '\u2212',
  '\ufe63',
  '\uff0d',
  '\u2e3a',
];
const ACCENTED = [...'áéíóúñüÁÉÍÓÚÑÜçÇàèßẞİı', 'e\u0301', 'n\u0303'];
/** Format characters (\p{Cf}): invisible, removed from document numbers and names. */
const FORMAT = ['\u00ad', '\u200b', '\u200c', '\u200d', '\u200e', '\u2060', '\u061c', '\ufeff'];
/**
 * Code points where normalising and case mapping interact: combining marks, spacing accents that
 * NFKC turns into a space and a combining mark ('¨' → ' ̈'), letters whose case mapping changes
 * length or adds a mark (ß, ŉ, ǰ, ΐ, ﬀ), final sigma, full-width and compatibility forms.
 */
const TRICKY = fc
  .oneof(
    fc.integer({ min: 0x300, max: 0x36f }),
    fc.constantFrom(0xa8, 0xaf, 0xb4, 0xb8, 0x2d8, 0x2d9, 0x2da, 0x2db, 0x2dc, 0x2dd, 0x384, 0x385, 0x1fbd, 0x1fc0),
    fc.constantFrom(0xdf, 0x1e9e, 0x130, 0x131, 0x149, 0x1f0, 0x390, 0x3b0, 0x3a3, 0x3c2, 0x1c4, 0x1c5, 0x1c6, 0x587),
    fc.integer({ min: 0xfb00, max: 0xfb06 }),
    fc.integer({ min: 0xff01, max: 0xff5e }),
    fc.integer({ min: 0x1f80, max: 0x1fff }),
    fc.integer({ min: 0x3131, max: 0x318e }), // Hangul compatibility jamo
    fc.integer({ min: 0x900, max: 0x97f }), // Devanagari: vowel signs and nukta are marks
  )
  .map((codePoint) => String.fromCodePoint(codePoint));

/** Text drawn from everything the normalisations touch, as well as arbitrary Unicode. */
const nastyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({
    unit: fc.oneof(
      fc.constantFrom(...SPACES, ...DASHES, ...ACCENTED, ...FORMAT),
      TRICKY,
      fc.string({ unit: 'grapheme-ascii', maxLength: 1 }),
    ),
    maxLength: 24,
  }),
);

/** Texts that differ only by a short insertion at one place in a shared text: near misses. */
const nearMisses = fc
  .tuple(
    nastyText,
    fc.uniqueArray(
      fc.string({
        unit: fc.oneof(
          fc.constantFrom(...SPACES, ...DASHES, ...ACCENTED, ...FORMAT),
          TRICKY,
          fc.string({ unit: 'grapheme-ascii', maxLength: 1 }),
        ),
        maxLength: 3,
      }),
      {
        minLength: 2,
        maxLength: 10,
      },
    ),
    fc.nat(),
  )
  .map(([base, inserts, at]) => {
    const chars = [...base]; // code points, so no surrogate pair is split
    const cut = at % (chars.length + 1);
    return inserts.map((insert) => chars.slice(0, cut).join('') + insert + chars.slice(cut).join(''));
  });

const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const documentNumber = fc
  .array(fc.constantFrom(...ALNUM), { minLength: 5, maxLength: 12 })
  .map((chars) => chars.join(''));

/** One way a person might write a document number: case, full width, spaces and dashes anywhere. */
function writtenVariant(canonical: string): fc.Arbitrary<string> {
  const separator = fc.string({ unit: fc.constantFrom(...SPACES, ...DASHES, ...FORMAT), maxLength: 3 });
  const char = (c: string): fc.Arbitrary<string> =>
    fc.tuple(fc.boolean(), fc.boolean()).map(([lower, fullWidth]) => {
      const cased = lower ? c.toLowerCase() : c;
      return fullWidth ? String.fromCodePoint(cased.codePointAt(0)! + 0xfee0) : cased;
    });
  return fc
    .tuple(separator, ...[...canonical].map((c) => fc.tuple(char(c), separator)))
    .map(([lead, ...rest]) => lead + rest.map(([c, sep]) => c + sep).join(''));
}

describe('properties', () => {
  it('normalize is idempotent for every normalisation', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NORMALIZATIONS), nastyText, (normalization, text) => {
        const once = normalize(normalization, text);
        expect(normalize(normalization, once)).toBe(once);
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('normalize, fast paths included, is the documented pipeline step by step', () => {
    // The brief's definitions written out naively (no fast paths), as a partner would implement them.
    const spec = {
      exact: (text: string) => text,
      'document-number': (text: string) =>
        text
          .normalize('NFKC')
          .toUpperCase()
          .replace(/[\s\p{White_Space}\p{Pd}\u2212\p{Cf}]/gu, '')
          .normalize('NFKC'),
      name: (text: string) =>
        text
          .normalize('NFKD')
          .replace(/[\u0300-\u036f\p{Cf}]/gu, '')
          .toLowerCase()
          .toUpperCase()
          .toLowerCase()
          .replace(/ς/gu, 'σ')
          .replace(/[\s\p{White_Space}]+/gu, ' ')
          .trim()
          .normalize('NFC'),
    };
    fc.assert(
      fc.property(fc.constantFrom(...NORMALIZATIONS), fc.oneof(nastyText, fc.string()), (normalization, text) => {
        expect(normalize(normalization, text)).toBe(spec[normalization](text));
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('every way of writing a document number hashes alike under one ring', () => {
    const variants = documentNumber.chain((canonical) =>
      fc.tuple(fc.constant(canonical), fc.array(writtenVariant(canonical), { minLength: 2, maxLength: 4 })),
    );
    fc.assert(
      fc.property(variants, keyPair, ([canonical, written], [key]) => {
        const ring = { current: key };
        const expected = keyedHash(ring, 'exact', canonical, T);
        for (const variant of written) {
          expect(normalize('document-number', variant)).toBe(canonical);
          expect(keyedHash(ring, 'document-number', variant, T)).toBe(expected);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('distinct normalised values get distinct hashes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NORMALIZATIONS),
        fc.oneof(fc.uniqueArray(nastyText, { minLength: 2, maxLength: 20 }), nearMisses),
        keyPair,
        (normalization, texts, [key]) => {
          const ring = { current: key };
          const normalised = new Set(texts.map((text) => normalize(normalization, text)));
          const hashes = new Set(texts.map((text) => keyedHash(ring, normalization, text, T)));
          expect(hashes.size).toBe(normalised.size);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('across a rotation, old-key and new-key hashes both match the overlap hash, never each other', () => {
    fc.assert(
      fc.property(
        keyPair,
        fc.constantFrom(...NORMALIZATIONS),
        nastyText,
        fc.integer({ min: 1, max: 90 * 86_400_000 }),
        ([oldKey, newKey], normalization, value, beforeUntil) => {
          const until = T;
          const now = until - beforeUntil;
          const oldOnly = keyedHash({ current: oldKey }, normalization, value, now);
          const newOnly = keyedHash({ current: newKey }, normalization, value, now);
          const overlap = keyedHash({ current: newKey, previous: { ...oldKey, until } }, normalization, value, now);
          expect(parseKeyedHash(overlap)?.map((pair) => pair.keyId)).toEqual([newKey.id, oldKey.id]);
          expect(hashesMatch(oldOnly, overlap)).toBe(true);
          expect(hashesMatch(overlap, oldOnly)).toBe(true);
          expect(hashesMatch(newOnly, overlap)).toBe(true);
          expect(hashesMatch(overlap, newOnly)).toBe(true);
          expect(hashesMatch(oldOnly, newOnly)).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('from `until` on, a hash carries only the current key', () => {
    fc.assert(
      fc.property(keyPair, nastyText, fc.nat({ max: 365 * 86_400_000 }), ([oldKey, newKey], value, afterUntil) => {
        const ring: KeyRing = { current: newKey, previous: { ...oldKey, until: T } };
        const now = T + afterUntil;
        const hash = keyedHash(ring, 'exact', value, now);
        expect(keyIdsAt(ring, now)).toEqual([newKey.id]);
        expect(hash).toBe(keyedHash({ current: newKey }, 'exact', value, now));
        expect(parseKeyedHash(hash)).toHaveLength(1);
        expect(hashesMatch(hash, keyedHash({ current: oldKey }, 'exact', value, now))).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('hashes under different keys never match, even when the key ids coincide', () => {
    const differentKeys = fc
      .tuple(hashKeyArb, hashKeyArb, fc.boolean())
      .filter(([a, b]) => !a.bytes.equals(b.bytes))
      .map(([a, b, sameId]) => [
        { id: a.id, key: a.key },
        { id: sameId ? a.id : b.id, key: b.key },
      ]);
    fc.assert(
      fc.property(differentKeys, fc.constantFrom(...NORMALIZATIONS), nastyText, ([a, b], normalization, value) => {
        expect(
          hashesMatch(
            keyedHash({ current: a! }, normalization, value, T),
            keyedHash({ current: b! }, normalization, value, T),
          ),
        ).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});
