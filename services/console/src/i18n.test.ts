// The two catalogs stay in step: the same keys, the same {placeholders}, no empty text, and the
// Spanish text differs from the English wherever a word is translated.
import { describe, expect, it } from 'vitest';

import { en } from '../web/i18n/en.js';
import { es } from '../web/i18n/es.js';
import { catalogs, translate } from '../web/i18n/index.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the console’s English and Spanish catalogs', () => {
  it('have identical keys', () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
  });

  it('use the same placeholders in both languages, and no text is empty', () => {
    for (const [key, english] of Object.entries(en)) {
      const spanish = es[key as keyof typeof en];
      expect(placeholders(spanish), key).toEqual(placeholders(english));
      expect(english.trim(), key).not.toBe('');
      expect(spanish.trim(), key).not.toBe('');
    }
  });

  it('translates the pages’ words (only codes, names and placeholders may read the same)', () => {
    const same = Object.keys(en).filter((key) => en[key as keyof typeof en] === es[key as keyof typeof en]);
    expect(same.sort()).toEqual(['app.no', 'sim.original', 'sim.partner'].sort());
  });

  it('says “pasarela” for the gateway in Spanish, as the CLI does', () => {
    const gateway = Object.entries(es).filter(([, text]) => /gateway/i.test(text));
    expect(gateway).toEqual([]);
    expect(es['error.UNAVAILABLE']).toContain('pasarela');
  });

  it('fills placeholders, leaving unknown ones visible', () => {
    expect(translate('es', 'messages.offset', { partition: 2, offset: '1,204' })).toBe('Partición 2, offset 1,204');
    expect(translate('en', 'topics.details', {})).toBe('Details of {topic}');
    expect(Object.keys(catalogs)).toEqual(['en', 'es']);
  });
});
