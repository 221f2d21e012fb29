import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { createCodec } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import { createMessages } from './i18n/messages.js';
import { MALFORMED_LINE, prepareLine } from './publish-input.js';

const TOPIC = 'us.cargo-manifests.v1';
const codec = createCodec();
const { t } = createMessages('en');
const exampleText = readFileSync(
  fileURLToPath(new URL('../../../schemas/examples/cargo-manifests/us-northbound-laredo.json', import.meta.url)),
  'utf8',
);
const example = JSON.parse(exampleText) as { topic: string; value: unknown };
const avroJson = codec.toAvroJson(TOPIC, codec.fromFriendlyJson(TOPIC, example.value));

describe('a line of a publish file', () => {
  it('skips blank lines and names a malformed one by its number', () => {
    expect(prepareLine('   ', 4, TOPIC, codec, t)).toBeUndefined();
    expect(prepareLine('{"meta": ', 7, TOPIC, codec, t)).toMatchObject({ line: 7, reason: MALFORMED_LINE });
    expect(prepareLine('[1,2]', 8, TOPIC, codec, t)).toMatchObject({ line: 8, reason: MALFORMED_LINE });
  });

  it('sends Avro JSON as written', () => {
    const text = JSON.stringify(avroJson);
    const prepared = prepareLine(text, 1, TOPIC, codec, t);
    expect(prepared && 'payload' in prepared && prepared.payload.toString()).toBe(text);
  });

  it('converts the friendly JSON of an example, wrapped or bare, to Avro JSON', () => {
    for (const text of [JSON.stringify(example), JSON.stringify(example.value)]) {
      const prepared = prepareLine(text, 2, TOPIC, codec, t);
      expect(prepared && 'payload' in prepared && JSON.parse(prepared.payload.toString())).toEqual(avroJson);
    }
  });

  it('refuses an example of another topic, and leaves other invalid events to the gateway', () => {
    expect(
      prepareLine(JSON.stringify({ ...example, topic: 'mx.investigations.v1' }), 3, TOPIC, codec, t),
    ).toMatchObject({
      reason: 'WRONG_TOPIC',
    });
    const prepared = prepareLine('{"manifestId": 5}', 5, TOPIC, codec, t);
    expect(prepared && 'payload' in prepared).toBe(true);
  });
});
