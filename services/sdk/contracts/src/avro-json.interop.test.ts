// Avro JSON as the specification defines it, judged by an independent implementation (Debian's
// python3-avro, with the JSON encoding written from the specification in
// python-avro-interop.py): JSON we write, python reads into the same binary we write; JSON
// python writes from our binary, we read back into the same binary. Under CI=true a missing
// python3-avro fails the run instead of skipping.
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { createCodec } from './codec.js';
import { readExamples } from './examples.js';
import { askPythonAvroJson, pythonAvroAvailable } from './python-avro.js';
import { HEADER_SIZE } from './wire-format.js';

const EXAMPLES = fileURLToPath(new URL('../../../../schemas/examples', import.meta.url));
const codec = createCodec();
const examples = readExamples(EXAMPLES).filter((e) => e.expectErrors === undefined);

describe('Avro JSON against python3-avro', () => {
  it('python3-avro is installed (required under CI)', () => {
    if (process.env['CI'] === 'true') expect(pythonAvroAvailable).toBe(true);
  });

  describe.skipIf(!pythonAvroAvailable)('with python3-avro', () => {
    const cases = examples.map((example) => {
      const value = codec.fromFriendlyJson(example.topic, example.value);
      const schema = codec.catalog.schemaText(codec.schemaIdOf(example.topic)) ?? '';
      const body = codec.encode(example.topic, value).subarray(HEADER_SIZE);
      return { name: example.file, topic: example.topic, schema, body, json: codec.toAvroJson(example.topic, value) };
    });

    it('reads the Avro JSON we write into the bytes we write', () => {
      const answer = askPythonAvroJson({
        fromSpecJson: cases.map((c) => ({ name: c.name, schema: c.schema, json: JSON.stringify(c.json) })),
      });
      expect(answer.fromSpecJson).toHaveLength(cases.length);
      for (const [i, read] of answer.fromSpecJson.entries()) {
        const ours = cases[i]!;
        expect(read, ours.name).toMatchObject({ name: ours.name, valid: true });
        expect(Buffer.from(read.body ?? '', 'base64').equals(ours.body), `${ours.name}: same binary`).toBe(true);
      }
    });

    it('writes from our bytes the Avro JSON we write, and we read it back into the same bytes', () => {
      const answer = askPythonAvroJson({
        toSpecJson: cases.map((c) => ({ name: c.name, schema: c.schema, body: c.body.toString('base64') })),
      });
      expect(answer.toSpecJson).toHaveLength(cases.length);
      for (const [i, written] of answer.toSpecJson.entries()) {
        const ours = cases[i]!;
        expect(written.consumedAll, ours.name).toBe(true);
        const theirs: unknown = JSON.parse(written.json);
        expect(theirs, ours.name).toEqual(ours.json);
        const back = codec.encode(ours.topic, codec.fromAvroJson(ours.topic, theirs)).subarray(HEADER_SIZE);
        expect(back.equals(ours.body), `${ours.name}: same binary from python's JSON`).toBe(true);
      }
    });

    it('agrees on unions, decimals and timestamps written the friendly way: python refuses them, and so do we', () => {
      const example = cases.find((c) => c.topic === 'us.cargo-manifests.v1')!;
      const friendly = examples.find((e) => e.file === example.name)!.value;
      const answer = askPythonAvroJson({
        fromSpecJson: [{ name: 'friendly', schema: example.schema, json: JSON.stringify(friendly) }],
      });
      expect(answer.fromSpecJson[0]?.valid).toBe(false);
      expect(() => codec.fromAvroJson(example.topic, friendly)).toThrow(/invalid field/);
    });
  });
});
