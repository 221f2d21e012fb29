// installKafkajsHooks() is the one switch: before it, kafkajs decodes fetched records itself;
// after it, the one-pass decoder of record-batch.mjs does, to the same records. Vitest gives each
// test file its own modules, so kafkajs-hooks.ts starts here with nothing installed.
import { createRequire } from 'node:module';

import { afterAll, describe, expect, it, vi } from 'vitest';

import { installKafkajsHooks, kafkajsHooksInstalled } from './kafkajs-hooks.js';
import { decodeRecord, encodePartitionRecords } from './record-batch.mjs';

// The same decoder, watched: kafkajs-hooks.ts installs this module's decodeRecord.
vi.mock(import('./record-batch.mjs'), async (importOriginal) => {
  const original = await importOriginal();
  return { ...original, decodeRecord: vi.fn(original.decodeRecord) };
});

const kafkajsRequire = createRequire(createRequire(import.meta.url).resolve('kafkajs'));
// kafkajs's byte reader: its own record decoder reads each record's timestamp delta with
// readVarLong; ours reads the bytes in place and calls none of its methods.
const KafkajsDecoder = kafkajsRequire('./src/protocol/decoder.js') as {
  new (buffer: Buffer): unknown;
  prototype: { readVarLong(): unknown };
};
const decodeBatch = kafkajsRequire('./src/protocol/recordBatch/v0/decoder.js') as (
  decoder: unknown,
) => Promise<{ records: unknown[] }>;
const recordDecoderModule = kafkajsRequire('./src/protocol/recordBatch/record/v0/decoder.js') as {
  setRecordDecoder(decoder: typeof decodeRecord | null): void;
};

const NOW = 1_764_288_000_123;

/** A fetched record batch (from FirstOffset on) of three records, headers repeated and absent. */
const batch = encodePartitionRecords({
  partition: 0,
  messages: [
    { key: 'case-1', value: Buffer.from('first'), headers: { ce_id: 'e-1', hop: ['a', 'b'] }, timestamp: String(NOW) },
    { key: null, value: Buffer.from('second'), timestamp: String(NOW + 7) },
    { key: Buffer.from([0, 255]), value: null, headers: { ce_id: 'e-3' }, timestamp: String(NOW + 1) },
  ],
  producerId: 4_000,
  producerEpoch: 1,
  transactional: false,
}).subarray(8);

const decoded = async () => (await decodeBatch(new KafkajsDecoder(batch))).records;

afterAll(() => {
  // Leave kafkajs decoding as it found it.
  recordDecoderModule.setRecordDecoder(null);
});

describe('installKafkajsHooks', () => {
  it('leaves kafkajs its own record decoder until called, then decodes the same records in one pass', async () => {
    const ours = vi.mocked(decodeRecord);
    const readVarLong = vi.spyOn(KafkajsDecoder.prototype, 'readVarLong');

    expect(kafkajsHooksInstalled()).toBe(false);
    const before = await decoded();
    expect(readVarLong).toHaveBeenCalledTimes(3);
    expect(ours).not.toHaveBeenCalled();
    expect(before).toMatchObject([
      { key: Buffer.from('case-1'), headers: { ce_id: Buffer.from('e-1'), hop: [Buffer.from('a'), Buffer.from('b')] } },
      { key: null, value: Buffer.from('second'), timestamp: String(NOW + 7) },
      { key: Buffer.from([0, 255]), value: null, offset: '2' },
    ]);

    readVarLong.mockClear();
    installKafkajsHooks();
    expect(kafkajsHooksInstalled()).toBe(true);
    const after = await decoded();
    expect(ours).toHaveBeenCalledTimes(3);
    expect(readVarLong).not.toHaveBeenCalled();
    expect(after).toStrictEqual(before);

    // Installing again changes nothing.
    installKafkajsHooks();
    expect(await decoded()).toStrictEqual(before);
    expect(ours).toHaveBeenCalledTimes(6);
  });
});
