// Full validation at the door: Avro binary that another producer wrote around our logical types
// (a uuid not in 8-4-4-4-12 form, a timestamp no Date holds, a decimal beyond its precision, an
// enum index out of range, a string that is not UTF-8) is refused by the skim and named field by
// field by explainBytes, with the same paths the Avro JSON path names for the same values; the
// skim never accepts what full validation (decode, then the validator) refuses.
import { isUtf8 } from 'node:buffer';
import { fileURLToPath } from 'node:url';

import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createCodec } from './codec.js';
import { AvroError } from './errors.js';
import { readExamples } from './examples.js';
import { isUtf8At } from './skim.js';
import { HEADER_SIZE } from './wire-format.js';

const EXAMPLES = fileURLToPath(new URL('../../../../schemas/examples', import.meta.url));
const codec = createCodec();
const valid = readExamples(EXAMPLES).filter((e) => e.expectErrors === undefined);
const CARGO = 'us.cargo-manifests.v1';
const RISK = 'us.risk-assessments.v1';

type Json = Record<string, any>;

/**
 * The topic's schema as another producer could write it: logical types as their underlying type,
 * enums and ints as longs (one varint encoding for all three), so any value can be written.
 */
function rawTypeOf(topic: string): avro.Type {
  const schema = JSON.parse(codec.catalog.schemaText(codec.schemaIdOf(topic)) ?? '') as unknown;
  const enums = new Map<string, string[]>();
  const fullName = (n: Json) => {
    const name = String(n['name']);
    return name.includes('.') ? name : `${String(n['namespace'] ?? 'org.puente.v1')}.${name}`;
  };
  const strip = (node: unknown): unknown => {
    if (typeof node === 'string') return enums.has(node) || node === 'int' ? 'long' : node;
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    const n = node as Json;
    if (n['type'] === 'enum') {
      // Referenced later by full name; the registered text names every type in org.puente.v1.
      enums.set(fullName(n), n['symbols'] as string[]);
      return 'long';
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(n)) if (!['logicalType', 'precision', 'scale'].includes(k)) out[k] = strip(v);
    // A field of an enum type with a default symbol: the default becomes the symbol's index.
    const type = n['type'];
    const symbols =
      typeof type === 'string'
        ? enums.get(type)
        : type !== null && typeof type === 'object' && (type as Json)['type'] === 'enum'
          ? enums.get(fullName(type as Json))
          : undefined;
    if (symbols && typeof n['default'] === 'string') out['default'] = symbols.indexOf(n['default']);
    if (out['type'] === 'int') out['type'] = 'long';
    return out;
  };
  return avro.Type.forSchema(strip(schema) as avro.Schema);
}

function sample(topic: string, file?: string) {
  const example = valid.find((e) => e.topic === topic && (file === undefined || e.file === file))!;
  const value = codec.fromFriendlyJson(topic, example.value);
  const bytes = codec.encode(topic, value);
  const raw = rawTypeOf(topic);
  return {
    topic,
    bytes,
    raw,
    datum: raw.fromBuffer(bytes.subarray(HEADER_SIZE)) as Json,
    json: codec.toAvroJson(topic, value) as Json,
  };
}

function framed(topic: string, body: Buffer): Buffer {
  const out = Buffer.alloc(HEADER_SIZE + body.length);
  out.writeInt32BE(codec.schemaIdOf(topic), 1);
  body.copy(out, HEADER_SIZE);
  return out;
}

const skimPaths = (topic: string) => [
  'meta.eventId',
  'meta.originCountry',
  'meta.originAgency',
  codec.catalog.topic(topic).keyField,
];

/** The verdicts of the binary path (skim, explainBytes) and of the JSON path on the same bad values. */
function verdicts(topic: string, bytes: Buffer, json: unknown) {
  const explained = codec.explainBytes(bytes);
  let jsonPaths: string[] = [];
  try {
    codec.fromAvroJson(topic, json);
  } catch (error) {
    if (!(error instanceof AvroError)) throw error;
    jsonPaths = error.fieldErrors.map((e) => e.path);
  }
  return {
    skimmed: codec.skim(topic, bytes, skimPaths(topic)),
    paths: explained.errors.map((e) => e.path),
    messages: explained.errors.map((e) => e.message),
    malformed: explained.malformed,
    jsonPaths,
  };
}

describe('full validation of Avro binary at the door', () => {
  it('accepts every valid example on both paths', () => {
    for (const example of valid) {
      const s = sample(example.topic, example.file);
      const v = verdicts(s.topic, s.bytes, s.json);
      expect(v.skimmed, example.file).toBeDefined();
      expect(v.paths, example.file).toEqual([]);
      expect(v.jsonPaths, example.file).toEqual([]);
    }
  });

  const cases: {
    name: string;
    topic: string;
    path: string;
    edit: (datum: Json) => void;
    editJson: (json: Json) => void;
    message: RegExp;
  }[] = [
    {
      name: 'meta.eventId not a uuid',
      topic: CARGO,
      path: 'meta.eventId',
      edit: (d) => (d['meta'].eventId = 'not-a-uuid'),
      editJson: (j) => (j['meta'].eventId = 'not-a-uuid'),
      message: /8-4-4-4-12/,
    },
    {
      name: 'a nested uuid (subject.eventId) not a uuid',
      topic: RISK,
      path: 'subject.eventId',
      edit: (d) => (d['subject'].eventId = '0b6f2a4e8c1d4f5a9e372d41c8a7b905'),
      editJson: (j) => (j['subject'].eventId = '0b6f2a4e8c1d4f5a9e372d41c8a7b905'),
      message: /8-4-4-4-12/,
    },
    {
      name: 'a timestamp beyond what a Date holds',
      topic: CARGO,
      path: 'meta.occurredAt',
      edit: (d) => (d['meta'].occurredAt = 8.64e15 + 1),
      editJson: (j) => (j['meta'].occurredAt = 8.64e15 + 1),
      message: /Date/,
    },
    {
      name: 'a date after 9999-12-31',
      topic: CARGO,
      path: 'driver.dateOfBirth',
      edit: (d) => (d['driver'].dateOfBirth = 2_932_897),
      editJson: (j) => (j['driver']['org.puente.v1.Person'].dateOfBirth = { int: 2_932_897 }),
      message: /YYYY-MM-DD|0000-9999/,
    },
    {
      name: 'a decimal beyond its precision',
      topic: CARGO,
      path: 'goods[0].quantity',
      // decimal(14,3): 10^14 unscaled is one digit too many.
      edit: (d) => (d['goods'][0].quantity = Buffer.from('5af3107a4000', 'hex')),
      editJson: (j) => (j['goods'][0].quantity = Buffer.from('5af3107a4000', 'hex').toString('latin1')),
      message: /more than 14 significant digits/,
    },
    {
      name: 'an enum index out of range',
      topic: CARGO,
      path: 'meta.originCountry',
      edit: (d) => (d['meta'].originCountry = 7),
      editJson: (j) => (j['meta'].originCountry = 'ZZ'),
      message: /enum Country/,
    },
    {
      name: 'an int beyond 32 bits',
      topic: CARGO,
      path: 'goods[1].lineNumber',
      edit: (d) => (d['goods'][1].lineNumber = 2 ** 31),
      editJson: (j) => (j['goods'][1].lineNumber = 2 ** 31),
      message: /32 bits|int/,
    },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('refuses %s, naming the field on both paths', (_name, c) => {
    const s = sample(c.topic);
    c.edit(s.datum);
    c.editJson(s.json);
    const v = verdicts(c.topic, framed(c.topic, s.raw.toBuffer(s.datum)), s.json);
    expect(v.skimmed).toBeUndefined();
    expect(v.paths).toEqual([c.path]);
    expect(v.messages[0]).toMatch(c.message);
    expect(v.malformed).toBe(false);
    expect(v.jsonPaths).toEqual([c.path]);
  });

  it('names every bad value of one event, not just the first', () => {
    const s = sample(CARGO);
    for (const c of cases.filter((c) => c.topic === CARGO)) {
      c.edit(s.datum);
      c.editJson(s.json);
    }
    const v = verdicts(CARGO, framed(CARGO, s.raw.toBuffer(s.datum)), s.json);
    const expected = cases.filter((c) => c.topic === CARGO).map((c) => c.path);
    expect([...v.paths].sort()).toEqual([...expected].sort());
    expect([...v.jsonPaths].sort()).toEqual([...expected].sort());
  });

  it('refuses a string that is not UTF-8 (and, on the JSON path, a lone surrogate that has no UTF-8 form)', () => {
    const s = sample(CARGO);
    const body = s.raw.toBuffer(s.datum);
    const agency = Buffer.from(s.datum['meta'].originAgency as string);
    const at = body.indexOf(agency);
    body[at] = 0xff;
    s.json['meta'].originAgency = '\ud800BP';
    const v = verdicts(CARGO, framed(CARGO, body), s.json);
    expect(v.skimmed).toBeUndefined();
    expect(v.paths).toEqual(['meta.originAgency']);
    expect(v.messages[0]).toMatch(/not UTF-8/);
    expect(v.jsonPaths).toEqual(['meta.originAgency']);
  });

  it('refuses truncated bytes and trailing bytes as malformed, saying where they broke', () => {
    const { bytes } = sample(CARGO);
    const truncated = verdicts(CARGO, bytes.subarray(0, bytes.length - 3), {});
    expect(truncated.skimmed).toBeUndefined();
    expect(truncated.malformed).toBe(true);
    expect(truncated.paths.at(-1)).toMatch(/^[a-zA-Z]/);
    expect(truncated.messages.at(-1)).toMatch(/end of data/);

    const trailing = verdicts(CARGO, Buffer.concat([bytes, Buffer.from([0, 0])]), {});
    expect(trailing.skimmed).toBeUndefined();
    expect(trailing.malformed).toBe(true);
    expect(trailing.messages).toEqual([expect.stringMatching(/2 trailing byte\(s\)/)]);

    const cut = verdicts(CARGO, bytes.subarray(0, HEADER_SIZE + 20), {});
    expect(cut.malformed).toBe(true);
    expect(cut.paths.at(-1)).toMatch(/^meta\./);
  });

  it('the skim accepts exactly what full validation accepts, over damaged events (property)', () => {
    const samples = valid.map((e) => sample(e.topic, e.file));
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: -3, max: 2 }),
        (s, sets, lengthChange) => {
          let bytes = Buffer.from(s.bytes);
          const body = bytes.length - HEADER_SIZE;
          for (const set of sets) bytes[HEADER_SIZE + (set.at % body)] = set.byte;
          if (lengthChange < 0) bytes = bytes.subarray(0, bytes.length + lengthChange);
          if (lengthChange > 0) bytes = Buffer.concat([bytes, Buffer.alloc(lengthChange)]);
          const skimmed = codec.skim(s.topic, bytes, skimPaths(s.topic));
          const { errors } = codec.explainBytes(bytes);
          // Full validation by other means: avsc decodes, then the validator of values.
          let fullyValid: boolean;
          try {
            fullyValid = codec.validate(s.topic, codec.decode(bytes, { topic: s.topic }).value).length === 0;
          } catch {
            fullyValid = false;
          }
          expect(skimmed !== undefined).toBe(errors.length === 0);
          if (skimmed !== undefined) {
            accepted++;
            expect(fullyValid).toBe(true);
          } else refused++;
        },
      ),
      { numRuns: 3_000 },
    );
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });

  it('checks UTF-8 in place exactly as Node does (property, with overlong forms, surrogates and cut sequences)', () => {
    const tricky = [
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xc3, 0xb3],
    ].map((b) => Buffer.from(b));
    for (const bytes of tricky) expect(isUtf8At(bytes, 0, bytes.length), bytes.toString('hex')).toBe(isUtf8(bytes));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 12 }),
          fc.string({ unit: 'binary', maxLength: 8 }).map((t) => new Uint8Array(Buffer.from(t))),
        ),
        fc.nat(3),
        (bytes, cut) => {
          const buf = Buffer.from(bytes);
          const end = Math.max(0, buf.length - cut);
          expect(isUtf8At(buf, 0, end)).toBe(isUtf8(buf.subarray(0, end)));
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
