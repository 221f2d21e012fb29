// Interoperability: bytes produced by this codec are standard Avro in Confluent framing, as
// judged by an independent implementation (Debian's python3-avro, `apt-get install -y
// python3-avro`). Under CI=true a missing python3-avro fails the run instead of skipping.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCodec } from './codec.js';
import { checkBackward } from './compatibility.js';
import { readExamples } from './examples.js';
import { parseSchemaText } from './catalog.js';
import { readSchemaId } from './wire-format.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python-avro-interop.py', import.meta.url));
const SCHEMAS = fileURLToPath(new URL('../../../../schemas', import.meta.url));
const available = spawnSync(PYTHON, ['-c', 'import avro.io, avro.compatibility'], { encoding: 'utf8' }).status === 0;
const required = process.env['CI'] === 'true';

interface PythonAnswer {
  readonly avro: string;
  readonly decode: {
    name: string;
    value: unknown;
    consumedAll: boolean;
    reencodedIdentical: boolean;
    sourcesAgree: boolean;
  }[];
  readonly compat: { name: string; compatible: boolean }[];
}

function askPython(request: object): PythonAnswer {
  const run = spawnSync(PYTHON, [SCRIPT], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python3-avro failed (${String(run.status)}): ${run.stderr}`);
  return JSON.parse(run.stdout) as PythonAnswer;
}

describe('python3-avro interoperability', () => {
  it('python3-avro is installed (required under CI)', () => {
    if (required) expect(available, `${PYTHON} cannot import avro: apt-get install -y python3-avro`).toBe(true);
  });

  describe.skipIf(!available)('with python3-avro', () => {
    const codec = createCodec();
    const examples = readExamples(`${SCHEMAS}/examples`).filter((e) => e.expectErrors === undefined);

    it('decodes every example the codec framed to the same values, and re-encodes the same bytes', () => {
      const cases = examples.map((example) => {
        const framed = codec.encode(example.topic, codec.fromFriendlyJson(example.topic, example.value));
        const id = readSchemaId(framed);
        expect(framed[0]).toBe(0);
        expect(id).toBe(codec.schemaIdOf(example.topic));
        const entry = codec.catalog.data.schemas[String(id)];
        return {
          name: example.file,
          schema: entry?.schema,
          root: entry?.type,
          body: framed.subarray(5).toString('base64'),
        };
      });
      const answer = askPython({ avscDir: `${SCHEMAS}/avro`, decode: cases });
      expect(answer.decode).toHaveLength(examples.length);
      for (const [i, result] of answer.decode.entries()) {
        const example = examples[i];
        expect(result.name).toBe(example?.file);
        expect(result.consumedAll, result.name).toBe(true);
        expect(result.sourcesAgree, `${result.name}: .avsc sources resolve to the registered schema`).toBe(true);
        expect(result.reencodedIdentical, `${result.name}: python re-encodes identical bytes`).toBe(true);
        expect(result.value, result.name).toEqual(example?.value);
      }
    });

    it('agrees with python-avro’s own compatibility checker on the evolution cases', () => {
      const v1 = codec.catalog.schemaText(codec.schemaIdOf('us.cargo-manifests.v1')) ?? '';
      const withField = (field: object): string => {
        const schema = JSON.parse(v1) as { fields: object[] };
        return JSON.stringify({ ...schema, fields: [...schema.fields, field] });
      };
      const cases = {
        'optional field added': withField({ name: 'billOfLadingNumber', type: ['null', 'string'], default: null }),
        'required field added': withField({ name: 'inspectionLane', type: 'string' }),
        'field removed': JSON.stringify({
          ...(JSON.parse(v1) as object),
          fields: (JSON.parse(v1) as { fields: object[] }).fields.slice(0, -1),
        }),
      };
      const answer = askPython({
        avscDir: `${SCHEMAS}/avro`,
        compat: Object.entries(cases).map(([name, reader]) => ({ name, reader, writer: v1 })),
      });
      const ours = Object.fromEntries(
        Object.entries(cases).map(([name, reader]) => [
          name,
          checkBackward(parseSchemaText(reader), parseSchemaText(v1)).length === 0,
        ]),
      );
      const theirs = Object.fromEntries(answer.compat.map((c) => [c.name, c.compatible]));
      expect(theirs).toEqual({ 'optional field added': true, 'required field added': false, 'field removed': true });
      expect(ours).toEqual(theirs);
    });
  });
});
