// Avro JSON as the specification defines it, judged by Apache Avro's Java reference
// implementation (its JsonEncoder and JsonDecoder; see java-avro-interop.java), which shares no
// code with our codec nor with python-avro-interop.py's hand-written JSON encoding. For every
// valid example, and for the us-to-mx view of the cargo manifests as a subscriber receives it:
// JSON we write, Java reads into the binary we write; JSON Java writes from our binary, we read
// back into the same binary; our friendly JSON, Java refuses. Under CI=true a missing Java or
// Maven, or jars Maven cannot fetch, fail the run instead of skipping.
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { compileFromAvroJson } from './avro-json.js';
import { createCodec } from './codec.js';
import { readExamples } from './examples.js';
import { askJavaAvroJson, findJavaAvro, type JavaAvroAnswer } from './java-avro.js';
import { HEADER_SIZE } from './wire-format.js';

const EXAMPLES = fileURLToPath(new URL('../../../../schemas/examples', import.meta.url));
const VIEW_TOPIC = 'us.cargo-manifests.v1';
const VIEW_SUBJECT = `${VIEW_TOPIC}-view-us-to-mx-value`;

const codec = createCodec();
const examples = readExamples(EXAMPLES).filter((e) => e.expectErrors === undefined);
// Maven's first resolution of the jars can take longer than a test's timeout; collection has none.
const javaAvro = await findJavaAvro();
const missing = 'missing' in javaAvro ? javaAvro.missing : undefined;

interface Case {
  readonly name: string;
  readonly schema: string;
  /** Avro binary of the value, without the Confluent framing. */
  readonly body: Buffer;
  /** The value as we write it in Avro JSON. */
  readonly json: unknown;
  /** Our reader of Avro JSON in this case's schema, back to Avro binary. */
  readonly readBack: (json: unknown) => Buffer;
  /** The example as people write it (friendly JSON), where there is one. */
  readonly friendly?: unknown;
}

function cases(): Case[] {
  const topicCases = examples.map((example): Case => {
    const value = codec.fromFriendlyJson(example.topic, example.value);
    return {
      name: example.file,
      schema: codec.catalog.schemaText(codec.schemaIdOf(example.topic)) ?? '',
      body: codec.encode(example.topic, value).subarray(HEADER_SIZE),
      json: codec.toAvroJson(example.topic, value),
      readBack: (json) => codec.encode(example.topic, codec.fromAvroJson(example.topic, json)).subarray(HEADER_SIZE),
      friendly: example.value,
    };
  });
  // A subscriber's delivery: the view schema of a policy, with its own record names (so its
  // unions of records are wrapped in those names), read the way the view's schema id says.
  const viewId = codec.catalog.latest(VIEW_SUBJECT).id;
  const viewType = codec.catalog.typeOf(viewId);
  const readView = compileFromAvroJson(viewType);
  const viewCases = examples
    .filter((e) => e.topic === VIEW_TOPIC)
    .map((example): Case => {
      const view = viewType.clone(codec.fromFriendlyJson(example.topic, example.value));
      return {
        name: `${VIEW_SUBJECT}: ${example.file}`,
        schema: codec.catalog.schemaText(viewId) ?? '',
        body: codec.encodeWithSchemaId(viewId, view).subarray(HEADER_SIZE),
        json: codec.toAvroJsonWithSchemaId(viewId, view),
        readBack: (json) => {
          const read = readView(json);
          expect(read.errors).toEqual([]);
          return codec.encodeWithSchemaId(viewId, read.value).subarray(HEADER_SIZE);
        },
      };
    });
  return [...topicCases, ...viewCases, ...edgeCases()];
}

// Text that every JSON writer escapes its own way; decimals whose two's-complement bytes are
// 0x00, 0x7F, 0x80, 0xFF, '"', '\\' and control characters, written as ISO-8859-1 strings; doubles
// at the ends of their range, NaN and the infinities (which JSON numbers cannot carry).
const EDGE_TEXT = 'Ñandú 😀 "quoted" \\ back\nslash\ttab \u0001 \u007f \u0080 ÿ \u2028 漢字';
const EDGE_DECIMALS = ['0.00', '1.27', '1.28', '-0.01', '-1.28', '-1.29', '0.34', '0.92', '0.08', '0.10', '2.55'];
const EDGE_DOUBLES = [5e-324, 1.7976931348623157e308, 0.1, -2.5e-7, 1e21, 123456789.123, NaN, Infinity, -Infinity];

function edgeCases(doubles: readonly number[] = EDGE_DOUBLES): Case[] {
  const manifest = examples.find((e) => e.topic === VIEW_TOPIC)!;
  const goods = (manifest.value as { goods: Record<string, unknown>[] }).goods[0]!;
  const risk = examples.find((e) => e.topic === 'us.risk-assessments.v1')!;
  const factor = (risk.value as { factors: Record<string, unknown>[] }).factors[0]!;
  const edges = [
    {
      example: manifest,
      value: {
        ...(manifest.value as object),
        goods: EDGE_DECIMALS.map((declaredValue, i) => ({
          ...goods,
          lineNumber: i + 1,
          description: EDGE_TEXT,
          declaredValue,
        })),
      },
    },
    {
      example: risk,
      value: {
        ...(risk.value as object),
        factors: doubles.map((weight) => ({ ...factor, description: EDGE_TEXT, weight })),
      },
    },
  ];
  return edges.map(({ example, value: friendly }): Case => {
    const value = codec.fromFriendlyJson(example.topic, friendly);
    return {
      name: `edge values: ${example.file}`,
      schema: codec.catalog.schemaText(codec.schemaIdOf(example.topic)) ?? '',
      body: codec.encode(example.topic, value).subarray(HEADER_SIZE),
      json: codec.toAvroJson(example.topic, value),
      readBack: (json) => codec.encode(example.topic, codec.fromAvroJson(example.topic, json)).subarray(HEADER_SIZE),
    };
  });
}

describe('Avro JSON against Apache Avro for Java', () => {
  it('Java 17+ and the Apache Avro jars are at hand (required under CI)', () => {
    if (process.env['CI'] === 'true') expect(missing, missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)(`with Apache Avro for Java (${missing ?? 'available'})`, () => {
    const all = cases();
    const withFriendly = all.filter((c) => c.friendly !== undefined);
    const negativeZero = edgeCases([-0])[1]!;
    let answer: JavaAvroAnswer;

    beforeAll(async () => {
      if ('missing' in javaAvro) return;
      // One JVM for every case: its start costs seconds on a small machine.
      answer = await askJavaAvroJson(javaAvro, {
        fromSpecJson: [
          ...all.map((c) => ({ name: c.name, schema: c.schema, json: JSON.stringify(c.json) })),
          ...withFriendly.map((c) => ({ name: c.name, schema: c.schema, json: JSON.stringify(c.friendly) })),
          { name: negativeZero.name, schema: negativeZero.schema, json: JSON.stringify(negativeZero.json) },
        ],
        toSpecJson: all.map((c) => ({ name: c.name, schema: c.schema, body: c.body.toString('base64') })),
      });
    }, 120_000);

    it('covers every valid example and the view', () => {
      expect(all.length).toBeGreaterThan(examples.length + 2);
      expect(answer.avroVersion).toMatch(/^1\.1[2-9]\./);
      expect(answer.fromSpecJson).toHaveLength(all.length + withFriendly.length + 1);
      expect(answer.toSpecJson).toHaveLength(all.length);
    });

    it('reads the Avro JSON we write into the bytes we write', () => {
      for (const [i, ours] of all.entries()) {
        const read = answer.fromSpecJson[i]!;
        expect(read, ours.name).toMatchObject({ name: ours.name, valid: true });
        const theirs = Buffer.from(read.body ?? '', 'base64');
        expect(theirs.toString('hex'), `${ours.name}: Java's binary of our JSON`).toBe(ours.body.toString('hex'));
      }
    });

    it('writes from our bytes Avro JSON that we read back into the same bytes', () => {
      for (const [i, ours] of all.entries()) {
        const written = answer.toSpecJson[i]!;
        expect(written, ours.name).toMatchObject({ name: ours.name, consumedAll: true });
        const back = ours.readBack(JSON.parse(written.json));
        expect(back.toString('hex'), `${ours.name}: our binary of Java's JSON`).toBe(ours.body.toString('hex'));
      }
    });

    it('refuses our friendly JSON (unwrapped unions, ISO timestamps, decimal strings), as we do', () => {
      expect(withFriendly.length).toBe(examples.length);
      for (const [i, ours] of withFriendly.entries()) {
        // Every example has an ISO timestamp (meta.occurredAt), so its friendly form is never Avro JSON.
        expect(isDeepStrictEqual(ours.friendly, ours.json), `${ours.name}: friendly differs from Avro JSON`).toBe(
          false,
        );
        const read = answer.fromSpecJson[all.length + i]!;
        expect(read, ours.name).toMatchObject({ name: ours.name, valid: false });
        expect(() => ours.readBack(ours.friendly), ours.name).toThrow(/invalid field/);
      }
    });

    // A known disagreement, reported and not fixed here: a double -0.0 is valid Avro, and
    // toAvroJson keeps it as -0, but JSON.stringify (which every AVRO_JSON delivery goes
    // through) writes it as 0, so Java reads +0.0 (Java itself writes -0.0). Fixing it needs a
    // JSON writer of our own on every AVRO_JSON path. This turns red once it is fixed: then make
    // -0 one of EDGE_DOUBLES again and drop this.
    it.fails('keeps the sign of a negative zero double (it does not yet)', () => {
      const read = answer.fromSpecJson[all.length + withFriendly.length]!;
      expect(read).toMatchObject({ name: negativeZero.name, valid: true });
      expect(Buffer.from(read.body ?? '', 'base64').toString('hex')).toBe(negativeZero.body.toString('hex'));
    });
  });
});
