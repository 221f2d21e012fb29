// Byte verdicts: the skim refuses bytes framed with another id and compiles one skimmer per
// schema and paths, whichever array the paths come in; explainBytes needs a known writer id.
import { describe, expect, it, vi } from 'vitest';
import { createCodecSchemas } from './codec-schemas.js';
import { createEncoding } from './codec-encode.js';
import { createByteVerdicts } from './codec-verdicts.js';
import { PARCELS, PARCELS_V1, tinyCatalog } from './codec-testing.js';
import * as skim from './skim.js';

vi.mock('./skim.js', async (importOriginal) => {
  const original = await importOriginal<typeof skim>();
  return { ...original, compileSkimmer: vi.fn(original.compileSkimmer) };
});

function setUp() {
  const schemas = createCodecSchemas(tinyCatalog());
  return { schemas, encoding: createEncoding(schemas), verdicts: createByteVerdicts(schemas) };
}

describe('codec byte verdicts', () => {
  it('skims only bytes framed with the topic’s current schema id', () => {
    const { schemas, encoding, verdicts } = setUp();
    const current = encoding.encode(PARCELS, { parcelId: 'P-7', weightKg: 1, note: null });
    expect(verdicts.skim(PARCELS, current, ['parcelId'])).toEqual(['P-7']);
    expect(verdicts.skim(PARCELS, new Uint8Array(current), ['parcelId'])).toEqual(['P-7']);
    const older = encoding.frame(schemas.entry(PARCELS_V1), { parcelId: 'P-7', weightKg: 1 }, 'parcels');
    expect(verdicts.skim(PARCELS, older, ['parcelId'])).toBeUndefined();
    expect(verdicts.skim(PARCELS, current.subarray(0, 4), ['parcelId'])).toBeUndefined();
    const badMagic = Buffer.from(current);
    badMagic[0] = 1;
    expect(verdicts.skim(PARCELS, badMagic, ['parcelId'])).toBeUndefined();
  });

  it('compiles one skimmer per schema and paths, for the same array or an equal one', () => {
    const compile = vi.mocked(skim.compileSkimmer);
    compile.mockClear();
    const { encoding, verdicts } = setUp();
    const bytes = encoding.encode(PARCELS, { parcelId: 'P-1', weightKg: 1, note: 'n' });
    const paths = ['parcelId'];
    expect(verdicts.skim(PARCELS, bytes, paths)).toEqual(['P-1']);
    expect(verdicts.skim(PARCELS, bytes, paths)).toEqual(['P-1']);
    expect(verdicts.skim(PARCELS, bytes, [...paths])).toEqual(['P-1']);
    expect(compile).toHaveBeenCalledTimes(1);
    expect(verdicts.skim(PARCELS, bytes, [])).toEqual([]);
    expect(compile).toHaveBeenCalledTimes(2);
  });

  it('explains bytes against their writer schema, and refuses an unknown writer id', () => {
    const { schemas, encoding, verdicts } = setUp();
    expect(verdicts.explainBytes(encoding.encode(PARCELS, { parcelId: 'P', weightKg: 1, note: null }))).toMatchObject({
      errors: [],
    });
    const bad = encoding.frame(schemas.entry(PARCELS_V1), { parcelId: 'P', weightKg: 1 }, 'parcels');
    expect(verdicts.explainBytes(bad.subarray(0, bad.length - 3)).errors).not.toEqual([]);
    const unknown = Buffer.from(bad);
    unknown.writeInt32BE(999, 1);
    expect(() => verdicts.explainBytes(unknown)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SCHEMA_ID', message: 'schema id 999 is not known to this codec' }),
    );
    expect(() => verdicts.explainBytes(Buffer.from([1, 0, 0, 0, 1]))).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
  });
});
