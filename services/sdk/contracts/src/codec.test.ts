import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CargoManifest, InvestigationEvent } from './generated/avro-types.js';
import { createCodec } from './codec.js';
import { AvroError, isAvroError } from './errors.js';
import type { AvroErrorCode } from './errors.js';
import { readExamples } from './examples.js';
import { createCatalogRegistry } from './registry.js';

const EXAMPLES = fileURLToPath(new URL('../../../../schemas/examples', import.meta.url));
const examples = readExamples(EXAMPLES);
const codec = createCodec();
const CARGO = 'us.cargo-manifests.v1';

function example(file: string): { topic: string; value: unknown } {
  const found = examples.find((e) => e.file === file);
  if (!found) throw new Error(`no example ${file}`);
  return found;
}

const manifest: CargoManifest = codec.fromFriendlyJson(
  CARGO,
  example('cargo-manifests/us-northbound-laredo.json').value,
);
const investigation: InvestigationEvent = codec.fromFriendlyJson(
  'us.investigations.v1',
  example('investigations/us-hsi-case-opened.json').value,
);

function errorOf(fn: () => unknown): AvroError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AvroError) return err;
    throw new Error(`expected an AvroError, got ${String(err)}`);
  }
  throw new Error('expected an AvroError, nothing was thrown');
}

function expectCode(fn: () => unknown, code: AvroErrorCode): AvroError {
  const err = errorOf(fn);
  expect(err.code).toBe(code);
  expect(err.retriable).toBe(false);
  return err;
}

describe('Confluent framing', () => {
  it('writes magic byte 0 and the big-endian schema id before the Avro body', () => {
    const bytes = codec.encode(CARGO, manifest);
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(codec.schemaIdOf(CARGO));
    expect(bytes.subarray(5)).toEqual(codec.catalog.typeOf(codec.schemaIdOf(CARGO)).toBuffer(manifest));
  });

  it('shares one schema id between subjects with identical schemas', () => {
    expect(codec.schemaIdOf('us.cargo-manifests.v1')).toBe(codec.schemaIdOf('mx.cargo-manifests.v1'));
    expect(codec.schemaIdOf('us.cargo-manifests.v1')).not.toBe(codec.schemaIdOf('us.investigations.v1'));
  });

  it('decodes a plain Uint8Array and, without a topic, as the writer schema', () => {
    const bytes = codec.encode(CARGO, manifest);
    const decoded = codec.decode(new Uint8Array(bytes));
    expect(decoded.value).toEqual(manifest);
    expect(decoded.schemaId).toBe(decoded.readerSchemaId);
    expect(decoded.topic).toBeUndefined();
  });

  it('types decoded values by topic and extracts the Kafka key', () => {
    const decoded = codec.decode(codec.encode('us.investigations.v1', investigation), {
      topic: 'us.investigations.v1',
    });
    const caseId: string = decoded.value.caseId;
    expect(caseId).toBe('HSI-SD-2025-00418');
    expect(decoded.subject).toBe('us.investigations.v1-value');
    expect(codec.keyOf('us.investigations.v1', decoded.value)).toBe(caseId);
    expect(decoded.value.meta.occurredAt).toBeInstanceOf(Date);
    expect(decoded.value.subjects[0]?.person?.dateOfBirth).toBe('1988-05-02');
  });
});

describe('bad bytes never crash or yield garbage', () => {
  const good = codec.encode(CARGO, manifest);

  it.each([
    ['empty', Buffer.alloc(0)],
    ['shorter than the header', Buffer.from([0, 0, 0])],
    ['bad magic byte', Buffer.concat([Buffer.from([1]), good.subarray(1)])],
    ['JSON instead of Avro', Buffer.from('{"manifestId":"X"}')],
    ['truncated body', good.subarray(0, good.length - 7)],
    ['header only', good.subarray(0, 5)],
    ['trailing bytes', Buffer.concat([good, Buffer.from([0, 0])])],
    ['negative schema id', Buffer.from([0, 0xff, 0xff, 0xff, 0xfe, 2])],
  ])('%s → MALFORMED', (_name, bytes) => {
    const err = expectCode(() => codec.decode(bytes, { topic: CARGO }), 'MALFORMED');
    expect(err.message.length).toBeGreaterThan(10);
  });

  it('an unknown schema id → UNKNOWN_SCHEMA_ID', () => {
    const bytes = Buffer.from(good);
    bytes.writeInt32BE(987_654, 1);
    expect(expectCode(() => codec.decode(bytes), 'UNKNOWN_SCHEMA_ID').message).toContain('987654');
  });

  it('an array claiming billions of items is refused at once, not allocated', () => {
    // RiskAssessment: meta, assessmentId, subject, score, level, then factors (an array).
    const topic = 'us.risk-assessments.v1';
    const valid = codec.encode(
      topic,
      codec.fromFriendlyJson(topic, example('risk-assessments/us-shipment-expedited.json').value),
    );
    const type = codec.catalog.typeOf(codec.schemaIdOf(topic));
    const value = type.fromBuffer(valid.subarray(5)) as Record<string, unknown>;
    const prefix = type.toBuffer({ ...value, factors: [] });
    // Splice the huge count in at every position: one of them is where the factors count is read.
    const huge = Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x1f]); // zig-zag varint of 2^32 - 1 items
    const start = Date.now();
    for (let cut = 1; cut < prefix.length; cut += 1) {
      const bomb = Buffer.concat([valid.subarray(0, 5), prefix.subarray(0, cut), huge, prefix.subarray(cut)]);
      try {
        codec.decode(bomb, { topic });
      } catch (err) {
        expect(isAvroError(err)).toBe(true);
      }
    }
    expect(Date.now() - start).toBeLessThan(5_000);
  });

  it('random bodies behind a valid header only ever fail with AvroError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(...codec.topics()), (body, topic) => {
        const bytes = Buffer.concat([good.subarray(0, 5), body]);
        bytes.writeInt32BE(codec.schemaIdOf(topic), 1);
        try {
          codec.decode(bytes, { topic });
        } catch (err) {
          if (!isAvroError(err)) throw err;
          expect(['MALFORMED']).toContain(err.code);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('mutated real messages only ever fail with AvroError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const bytes = Buffer.from(good);
        bytes[at] = byte;
        try {
          codec.decode(bytes, { topic: CARGO });
        } catch (err) {
          if (!isAvroError(err)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('validation', () => {
  it('names every bad path, in schema order, in the documented format', () => {
    const bad = structuredClone(manifest) as unknown as Record<string, unknown> & { goods: Record<string, unknown>[] };
    const goods = bad.goods;
    goods.push({ ...goods[0], lineNumber: 4, hsCode: null });
    goods.splice(1, 0, { ...goods[0], lineNumber: 2 });
    goods[1] = { ...goods[1], packageCount: 2.5, declaredValue: 10 };
    const meta = bad['meta'] as Record<string, unknown>;
    meta['classification'] = 'TOP_SECRET';
    meta['releasableTo'] = ['MX', 'CA'];
    delete bad['manifestId'];
    const err = expectCode(() => codec.encode(CARGO, bad as unknown as CargoManifest), 'SCHEMA_VALIDATION');
    expect(err.fieldErrors.map((e) => e.message)).toEqual([
      'meta.classification: expected enum Classification (PUBLIC | SENSITIVE | LAW_ENFORCEMENT_SENSITIVE | RESTRICTED), got string "TOP_SECRET"',
      'meta.releasableTo[1]: expected enum Country (US | MX), got string "CA"',
      'manifestId: expected string, got undefined (missing)',
      'goods[1].packageCount: expected int, got number 2.5',
      'goods[1].declaredValue: expected decimal(16,2) string, got number 10: not a string',
      'goods[4].hsCode: expected string, got null',
    ]);
    expect(codec.validate(CARGO, bad)).toEqual(err.fieldErrors);
    expect(err.message).toContain('6 invalid field(s)');
  });

  it('reports the value itself when it is not a record', () => {
    expect(codec.validate(CARGO, 'manifest').map((e) => e.message)).toEqual([
      '(value): expected record CargoManifest, got string (8 chars)',
    ]);
    expect(codec.validate(CARGO, null)[0]?.path).toBe('');
  });

  it('says "null or …" for nullable fields and accepts them left out (default null)', () => {
    const bad = { ...manifest, portOfExit: 'Nuevo Laredo' };
    expect(codec.validate(CARGO, bad).map((e) => e.message)).toEqual([
      'portOfExit: expected null or record PortOfEntry, got string (12 chars)',
    ]);
    const { customsBroker: _omitted, ...withoutBroker } = manifest;
    const decoded = codec.decode(codec.encode(CARGO, withoutBroker as CargoManifest)).value as CargoManifest;
    expect(decoded.customsBroker).toBeNull();
  });

  it('rejects enum look-alikes that avsc alone would write as the first symbol', () => {
    for (const symbol of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const bad = { ...manifest, meta: { ...manifest.meta, classification: symbol } } as unknown as CargoManifest;
      const err = expectCode(() => codec.encode(CARGO, bad), 'SCHEMA_VALIDATION');
      expect(err.fieldErrors.map((e) => e.path)).toEqual(['meta.classification']);
    }
  });

  it('never echoes free-text values (they may be personal data) in messages', () => {
    const bad = structuredClone(investigation);
    (bad.subjects[0]?.person?.documents[0] as unknown as Record<string, unknown>)['expiresOn'] = 'N47120953-EXPIRED';
    const err = expectCode(() => codec.encode('us.investigations.v1', bad), 'SCHEMA_VALIDATION');
    expect(err.message).toContain('subjects[0].person.documents[0].expiresOn: expected null or date string');
    expect(err.message).not.toContain('N47120953');
    expect(err.cause).toBeUndefined();
  });

  it('fromJson rejects unknown fields and bad timestamps that plain Avro would ignore or misread', () => {
    const json = structuredClone(example('cargo-manifests/us-northbound-laredo.json').value) as Record<
      string,
      Record<string, unknown>
    >;
    json['conveyance'] = { ...json['conveyance'], licencePlate: 'X' };
    json['meta'] = { ...json['meta'], occurredAt: '2025-11-27 13:42' };
    const err = expectCode(() => codec.fromFriendlyJson(CARGO, json), 'SCHEMA_VALIDATION');
    expect(err.fieldErrors.map((e) => e.path).sort()).toEqual(['conveyance.licencePlate', 'meta.occurredAt']);
  });

  it('unknown topics are refused everywhere', () => {
    expectCode(() => codec.encode('us.weather.v1', {}), 'UNKNOWN_TOPIC');
    expectCode(() => codec.validate('us.weather.v1', {}), 'UNKNOWN_TOPIC');
    expectCode(() => codec.decode(codec.encode(CARGO, manifest), { topic: 'constructor' }), 'UNKNOWN_TOPIC');
    expectCode(() => codec.fromFriendlyJson('toString', {}), 'UNKNOWN_TOPIC');
  });

  it('refuses a value whose key field is empty', () => {
    expectCode(() => codec.keyOf(CARGO, { ...manifest, manifestId: '' }), 'SCHEMA_VALIDATION');
  });
});

describe('reading across schemas', () => {
  it('refuses to read one topic’s data as another topic’s schema', () => {
    const bytes = codec.encode(CARGO, manifest);
    expectCode(() => codec.decode(bytes, { topic: 'us.investigations.v1' }), 'INCOMPATIBLE_SCHEMA');
  });

  it('decodeAsync learns unknown ids from the registry; encodeWithSchemaId frames with them', async () => {
    const registry = createCatalogRegistry(codec.catalog);
    const view = JSON.stringify({
      type: 'record',
      name: 'CargoManifestView',
      namespace: 'org.puente.v1.view',
      fields: [{ name: 'manifestId', type: 'string' }],
    });
    const viewId = await registry.register('us.cargo-manifests.v1.view-value', view);
    const writer = createCodec({ catalog: codec.catalog, registry });
    writer.addSchema(viewId, view);
    const bytes = writer.encodeWithSchemaId(viewId, { manifestId: 'TLBV7731950042' });
    const reader = createCodec({ catalog: codec.catalog, registry });
    expectCode(() => reader.decode(bytes), 'UNKNOWN_SCHEMA_ID');
    const decoded = await reader.decodeAsync(bytes);
    expect(decoded).toMatchObject({ schemaId: viewId, value: { manifestId: 'TLBV7731950042' } });
    expect(reader.decode(bytes).value).toEqual({ manifestId: 'TLBV7731950042' });
    expectCode(() => reader.encodeWithSchemaId(424_242, {}), 'UNKNOWN_SCHEMA_ID');
  });

  it('decodeAsync passes on a registry that does not know the id either', async () => {
    const bytes = codec.encode(CARGO, manifest);
    bytes.writeInt32BE(5_555, 1);
    await expect(codec.decodeAsync(bytes)).rejects.toMatchObject({ code: 'UNKNOWN_SCHEMA_ID' });
  });
});
