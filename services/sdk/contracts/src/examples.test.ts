// Every schema round-trips its examples; every invalid example is rejected naming exactly the
// paths it declares.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCodec } from './codec.js';
import { isAvroError } from './errors.js';
import { readExamples } from './examples.js';

const EXAMPLES = fileURLToPath(new URL('../../../../schemas/examples', import.meta.url));
const examples = readExamples(EXAMPLES);
const codec = createCodec();
const valid = examples.filter((e) => e.expectErrors === undefined);
const invalid = examples.filter((e) => e.expectErrors !== undefined);

describe('schema examples', () => {
  it('cover every topic with a valid example and every domain with an invalid one', () => {
    expect(new Set(valid.map((e) => e.topic))).toEqual(new Set(codec.topics()));
    expect(new Set(invalid.map((e) => e.domain))).toEqual(new Set(examples.map((e) => e.domain)));
  });

  it.each(valid.map((e) => [e.file, e] as const))('%s round-trips through the codec', (_file, example) => {
    const value = codec.fromFriendlyJson(example.topic, example.value);
    expect(codec.validate(example.topic, value)).toEqual([]);
    const bytes = codec.encode(example.topic, value);
    const decoded = codec.decode(bytes, { topic: example.topic });
    expect(decoded.schemaId).toBe(codec.schemaIdOf(example.topic));
    expect(decoded.value).toEqual(value);
    // Examples are written in canonical friendly form, so the way back is byte-for-byte JSON.
    expect(codec.toFriendlyJson(example.topic, decoded.value)).toEqual(example.value);
    expect(codec.keyOf(example.topic, decoded.value)).toBe(
      (example.value as Record<string, unknown>)[codec.catalog.topic(example.topic).keyField],
    );
  });

  it.each(invalid.map((e) => [e.file, e] as const))('%s is rejected naming every bad path', (_file, example) => {
    let caught: unknown;
    try {
      codec.fromFriendlyJson(example.topic, example.value);
    } catch (err) {
      caught = err;
    }
    expect(isAvroError(caught, 'SCHEMA_VALIDATION')).toBe(true);
    if (!isAvroError(caught)) return;
    expect(caught.fieldErrors.map((e) => e.path).sort()).toEqual([...(example.expectErrors ?? [])].sort());
    for (const path of example.expectErrors ?? []) expect(caught.message).toContain(`${path}: `);
  });

  it('names a null HS code exactly as documented', () => {
    const example = invalid.find((e) => e.file === 'cargo-manifests/invalid-goods-and-arrival.json');
    expect(() => codec.fromFriendlyJson(example?.topic ?? '', example?.value)).toThrow(
      'goods[3].hsCode: expected string, got null',
    );
  });
});
