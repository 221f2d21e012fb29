// A skim confirms bytes decode without decoding them; it must never accept what decoding refuses,
// and what it reads must be what decoding reads.
import { fileURLToPath } from 'node:url';

import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createCodec } from './codec.js';
import { readExamples } from './examples.js';
import { compileSkimmer, compileSkip } from './skim.js';
import { parseSchema } from './parse-options.js';

const EXAMPLES = fileURLToPath(new URL('../../../../schemas/examples', import.meta.url));
const codec = createCodec();
const valid = readExamples(EXAMPLES).filter((e) => e.expectErrors === undefined);

const pathsOf = (topic: string) => ['meta.eventId', 'meta.originCountry', 'meta.originAgency', keyFieldOf(topic)];

function keyFieldOf(topic: string): string {
  return codec.catalog.topic(topic).keyField;
}

function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, segment) => (v as Record<string, unknown> | undefined)?.[segment], value);
}

/** What decoding says of the bytes: the values at the paths, or undefined when it refuses them. */
function decoded(topic: string, bytes: Buffer): unknown[] | undefined {
  try {
    const { value, schemaId } = codec.decode(bytes, { topic });
    if (schemaId !== codec.schemaIdOf(topic)) return undefined;
    return pathsOf(topic).map((path) => at(value, path));
  } catch {
    return undefined;
  }
}

const samples = valid.map((example) => ({
  topic: example.topic,
  bytes: codec.encode(example.topic, codec.fromFriendlyJson(example.topic, example.value)),
}));

describe('skim', () => {
  it.each(samples.map((s) => [s.topic, s] as const))(
    'confirms %s and reads meta and key as decoding does',
    (topic, sample) => {
      const skimmed = codec.skim(topic, sample.bytes, pathsOf(topic));
      expect(skimmed).toBeDefined();
      expect(skimmed).toEqual(decoded(topic, sample.bytes));
      expect(skimmed?.every((v) => typeof v === 'string' && v.length > 0)).toBe(true);
    },
  );

  it('never accepts bytes that decoding refuses, and reads what decoding reads (damaged events)', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.oneof(
          // Flip, overwrite or drop bytes anywhere after the header, or add bytes at the end.
          fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
          fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
          fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
        ),
        (sample, damage) => {
          let bytes = Buffer.from(sample.bytes);
          const body = bytes.length - 5;
          if (damage.kind === 'set') bytes[5 + (damage.at % body)] = damage.byte;
          else if (damage.kind === 'cut') {
            const from = 5 + (damage.at % body);
            bytes = Buffer.concat([
              bytes.subarray(0, from),
              bytes.subarray(Math.min(bytes.length, from + damage.length)),
            ]);
          } else bytes = Buffer.concat([bytes, damage.bytes]);
          const skimmed = codec.skim(sample.topic, bytes, pathsOf(sample.topic));
          if (skimmed === undefined) {
            refused++;
            return;
          }
          accepted++;
          expect(skimmed).toEqual(decoded(sample.topic, bytes));
        },
      ),
      { numRuns: 4_000 },
    );
    // Both answers occur: a byte changed inside a string keeps the event decodable.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it('refuses another schema id, a missing or wrong header, and trailing bytes', () => {
    const { topic, bytes } = samples.find((s) => s.topic === 'us.cargo-manifests.v1')!;
    const paths = pathsOf(topic);
    const otherId = Buffer.from(bytes);
    otherId.writeInt32BE(codec.schemaIdOf('us.cargo-manifests.v1') + 1000, 1);
    expect(codec.skim(topic, otherId, paths)).toBeUndefined();
    const badMagic = Buffer.from(bytes);
    badMagic[0] = 1;
    expect(codec.skim(topic, badMagic, paths)).toBeUndefined();
    expect(codec.skim(topic, bytes.subarray(0, 3), paths)).toBeUndefined();
    expect(codec.skim(topic, Buffer.concat([bytes, Buffer.from([0])]), paths)).toBeUndefined();
    expect(codec.skim(topic, bytes.subarray(0, bytes.length - 1), paths)).toBeUndefined();
  });

  it('refuses union and enum indexes out of range, negative lengths and array counts beyond the bytes', () => {
    const type = parseSchema({
      type: 'record',
      name: 'T',
      fields: [
        { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] } },
        { name: 'u', type: ['null', 'string'] },
        { name: 'a', type: { type: 'array', items: 'int' } },
      ],
    });
    const skimmer = compileSkimmer(type, ['e']);
    const ok = type.toBuffer({ e: 'B', u: 'x', a: [1, 2] });
    expect(skimmer.skim(ok, 0)).toEqual(['B']);
    // Zig-zag: 4 = enum index 2 (out of range), 4 = union index 2, 3 = length -2, 100 = 50 items.
    expect(skimmer.skim(Buffer.from([4, 0, 0]), 0)).toBeUndefined();
    expect(skimmer.skim(Buffer.from([2, 4, 0]), 0)).toBeUndefined();
    expect(skimmer.skim(Buffer.from([2, 2, 3, 0]), 0)).toBeUndefined();
    expect(skimmer.skim(Buffer.from([2, 0, 100, 2, 4, 0]), 0)).toBeUndefined();
    for (const bytes of [
      [4, 0, 0],
      [2, 4, 0],
      [2, 2, 3, 0],
      [2, 0, 100, 2, 4, 0],
    ])
      expect(() => type.fromBuffer(Buffer.from(bytes))).toThrow();
  });

  it('with strict steps, refuses logical values a writer would refuse: uuid form, date and timestamp range, long decimals', () => {
    const type = parseSchema({
      type: 'record',
      name: 'L',
      fields: [
        { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
        { name: 'day', type: { type: 'int', logicalType: 'date' } },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 } },
      ],
    });
    const strict = compileSkip(type);
    const lenient = compileSkip(type, new Map(), false);
    const ok = { id: '123e4567-e89b-12d3-a456-426614174000', day: '9999-12-31', at: new Date(0), amount: '9999.99' };
    const check = (value: Record<string, unknown>) => {
      const bytes = type.toBuffer({ ...ok, ...value });
      return [strict({ buf: bytes, pos: 0 }), lenient({ buf: bytes, pos: 0 })];
    };
    expect(check({})).toEqual([true, true]);
    expect(check({ id: '123E4567-E89B-12D3-A456-426614174000' })).toEqual([true, true]);
    // Written around the logical types (as another producer could): the bytes decode, the values do not write back.
    const raw = (fields: Record<string, unknown>) =>
      Buffer.concat([
        avro.Type.forSchema('string').toBuffer(fields['id'] ?? ok.id),
        avro.Type.forSchema('int').toBuffer(fields['day'] ?? 0),
        avro.Type.forSchema('long').toBuffer(fields['at'] ?? 0),
        avro.Type.forSchema('bytes').toBuffer(fields['amount'] ?? Buffer.from([1])),
      ]);
    for (const bad of [
      { id: '123e4567-e89b-12d3-a456-42661417400g' },
      { id: '123e4567e89b12d3a456426614174000' },
      { day: 2_932_897 },
      { at: 8.64e15 + 1 },
      // 0x0f4240 = 1,000,000: 10000.00, one digit more than decimal(6,2) holds.
      { amount: Buffer.from([0x0f, 0x42, 0x40]) },
    ]) {
      expect(strict({ buf: raw(bad), pos: 0 }), JSON.stringify(bad)).toBe(false);
      expect(lenient({ buf: raw(bad), pos: 0 }), JSON.stringify(bad)).toBe(true);
    }
    expect(strict({ buf: raw({}), pos: 0 })).toBe(true);
  });

  it('names a field it cannot read', () => {
    const type = parseSchema({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'n', type: 'int' },
        {
          name: 'list',
          type: { type: 'array', items: { type: 'record', name: 'I', fields: [{ name: 's', type: 'string' }] } },
        },
      ],
    });
    expect(() => compileSkimmer(type, ['n'])).toThrow(/'n' \(int\)/);
    expect(() => compileSkimmer(type, ['list.s'])).toThrow(/inside the array 'list'/);
  });
});
