import { createRequire } from 'node:module';

import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { decodeRecord, encodePartitionRecords, type PartitionRecordsInput } from './record-batch.mjs';

// kafkajs's own Produce v3 request, with the hook our patch adds: unset, it encodes records as
// kafkajs always has, which is the reference the one-pass encoder must match byte for byte.
interface ProduceRequest {
  (args: Record<string, unknown>): { encode(): Promise<{ buffer: Buffer }> };
  setPartitionRecordsEncoder(encoder: ((args: Record<string, unknown>) => Buffer) | null): void;
}
const kafkajsRequire = createRequire(createRequire(import.meta.url).resolve('kafkajs'));
const produceV3 = kafkajsRequire('./src/protocol/requests/produce/v3/request.js') as ProduceRequest;
const crc32cOfKafkajs = kafkajsRequire('./src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
interface KafkajsEncoder {
  buffer: Buffer;
  size(): number;
  writeInt16(v: number): KafkajsEncoder;
  writeInt32(v: number): KafkajsEncoder;
  writeString(v: string | null): KafkajsEncoder;
  writeEncoder(v: KafkajsEncoder): KafkajsEncoder;
  writeBytes(v: Buffer): KafkajsEncoder;
}
const { KafkaJSInvalidLongError } = kafkajsRequire('./src/errors.js') as { KafkaJSInvalidLongError: new () => Error };
const Encoder = kafkajsRequire('./src/protocol/encoder.js') as new () => KafkajsEncoder;
const frameRequest = kafkajsRequire('./src/protocol/request.js') as (args: {
  correlationId: number;
  clientId: string | null;
  request: { apiKey: number; apiVersion: number; encode(): Promise<KafkajsEncoder> };
}) => Promise<KafkajsEncoder>;

const NOW = 1_764_288_000_123;

// kafkajs's record batch decoder, and its record decoder with the hook our patch adds.
const KafkajsDecoder = kafkajsRequire('./src/protocol/decoder.js') as new (buffer: Buffer) => unknown;
const decodeBatch = kafkajsRequire('./src/protocol/recordBatch/v0/decoder.js') as (
  decoder: unknown,
) => Promise<{ records: unknown[] }>;
const recordDecoderModule = kafkajsRequire('./src/protocol/recordBatch/record/v0/decoder.js') as {
  setRecordDecoder(decoder: typeof decodeRecord | null): void;
};

/** A value's shape for comparison: own properties in order, prototypes, buffers as hex. */
function canonical(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { buffer: value.toString('hex') };
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'function') return `function ${value.name}`;
  if (value === null || typeof value !== 'object') return value;
  return {
    plain: Object.getPrototypeOf(value) === Object.prototype,
    own: Object.getOwnPropertyNames(value).map((name) => [name, canonical((value as Record<string, unknown>)[name])]),
  };
}

async function requestBytes(args: Record<string, unknown>, fast: boolean): Promise<Buffer> {
  produceV3.setPartitionRecordsEncoder(
    fast ? (a) => encodePartitionRecords({ ...(a as unknown as PartitionRecordsInput), now: NOW }) : null,
  );
  try {
    return Buffer.from((await produceV3(args).encode()).buffer);
  } finally {
    produceV3.setPartitionRecordsEncoder(null);
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

const bytesOrText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);
const message = fc.record(
  {
    key: fc.oneof(fc.constant(null), bytesOrText),
    value: fc.oneof(
      fc.constant(null),
      fc.uint8Array({ maxLength: 2_000 }).map((a) => Buffer.from(a)),
    ),
    headers: fc.dictionary(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
      fc.oneof(bytesOrText, fc.array(bytesOrText, { minLength: 1, maxLength: 3 })),
      { maxKeys: 6 },
    ),
    // 13-digit millisecond times (2001–2286), as every real timestamp: kafkajs orders them as strings.
    timestamp: fc.integer({ min: 1_000_000_000_000, max: 9_999_999_999_999 }).map(String),
  },
  { requiredKeys: ['key', 'value'] },
);

describe('one-pass record batch encoding', () => {
  it('writes the bytes kafkajs writes for the same produce request', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ partition: fc.integer({ min: 0, max: 63 }), messages: fc.array(message, { maxLength: 25 }) }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
        fc.integer({ min: 0, max: 32_767 }),
        fc.boolean(),
        async (partitions, firstSequence, producerId, producerEpoch, transactional) => {
          const args = {
            acks: -1,
            timeout: 30_000,
            transactionalId: transactional ? 'tx-1' : null,
            producerId: producerId.toString(),
            producerEpoch,
            topicData: [
              {
                topic: 'us.cargo-manifests.v1',
                partitions: partitions.map((p) => ({ ...p, firstSequence })),
              },
            ],
          };
          const reference = await requestBytes(args, false);
          const fast = await requestBytes(args, true);
          expect(fast.equals(reference)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('stamps messages without a timestamp with the time of encoding, as kafkajs does', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    const args = {
      acks: -1,
      timeout: 30_000,
      producerId: '4000',
      producerEpoch: 3,
      topicData: [
        {
          topic: 'audit.disclosures.v1',
          partitions: [
            {
              partition: 1,
              firstSequence: 7,
              messages: [
                { key: 'k-1', value: Buffer.from('no time') },
                { key: 'k-2', value: Buffer.from('timed'), timestamp: String(NOW - 5_000) },
              ],
            },
          ],
        },
      ],
    };
    expect((await requestBytes(args, true)).equals(await requestBytes(args, false))).toBe(true);
  });

  it('checksums from the attributes on with CRC-32C, and lays out the batch header as Kafka reads it', () => {
    const out = encodePartitionRecords({
      partition: 5,
      messages: [{ key: 'case-1', value: Buffer.from('payload'), headers: { ce_id: 'e-1' }, timestamp: String(NOW) }],
      firstSequence: 42,
      producerId: 9_001n,
      producerEpoch: 2,
      transactional: false,
    });
    expect(out.readInt32BE(0)).toBe(5);
    expect(out.readInt32BE(4)).toBe(out.length - 8);
    const batch = out.subarray(8);
    expect(batch.readBigInt64BE(0)).toBe(0n);
    expect(batch.readInt32BE(8)).toBe(batch.length - 12);
    expect(batch.readInt8(16)).toBe(2);
    expect(batch.readUInt32BE(17)).toBe(crc32cOfKafkajs(batch.subarray(21)));
    expect(batch.readInt32BE(23)).toBe(0); // last offset delta: one record
    expect(batch.readBigInt64BE(27)).toBe(BigInt(NOW));
    expect(batch.readBigInt64BE(43)).toBe(9_001n);
    expect(batch.readInt16BE(51)).toBe(2);
    expect(batch.readInt32BE(53)).toBe(42);
    expect(batch.readInt32BE(57)).toBe(1);
    // A flipped payload byte no longer matches the checksum the broker verifies.
    const damaged = Buffer.from(batch);
    damaged[damaged.length - 10]! ^= 1;
    expect(crc32cOfKafkajs(damaged.subarray(21))).not.toBe(batch.readUInt32BE(17));
  });

  it('frames a request (size, api key and version, correlation id, client id, payload) as kafkajs always has', async () => {
    for (const [clientId, payloadSize] of [
      ['puente-gateway', 0],
      ['gateway-ñ', 300],
      [null, 70_000],
    ] as const) {
      const payload = new Encoder().writeBytes(Buffer.alloc(payloadSize, 7));
      const framed = await frameRequest({
        correlationId: 123_456,
        clientId,
        request: { apiKey: 0, apiVersion: 7, encode: () => Promise.resolve(payload) },
      });
      // kafkajs 2.2.4's own framing, step by step.
      const body = new Encoder()
        .writeInt16(0)
        .writeInt16(7)
        .writeInt32(123_456)
        .writeString(clientId)
        .writeEncoder(payload);
      const reference = new Encoder().writeInt32(body.size()).writeEncoder(body);
      expect(framed.buffer.equals(reference.buffer)).toBe(true);
      expect(framed.size()).toBe(reference.size());
    }
  });

  it('decodes fetched records to exactly what kafkajs decodes, headers, offsets and timestamps included', async () => {
    // Batches are built here byte by byte, not by the encoder: Kafka delivers what kafkajs
    // would never write (null header names and values, deltas far past 2^53).
    const zigzag = (n: bigint) => {
      let z = n >= 0n ? n * 2n : -n * 2n - 1n;
      const out: number[] = [];
      while (z >= 0x80n) {
        out.push(Number(z & 0x7fn) | 0x80);
        z >>= 7n;
      }
      out.push(Number(z));
      return Buffer.from(out);
    };
    const bytes = (b: Buffer | null) => (b === null ? zigzag(-1n) : Buffer.concat([zigzag(BigInt(b.length)), b]));
    const text = (t: string | null) => bytes(t === null ? null : Buffer.from(t, 'utf8'));
    const awkwardName = fc.constantFrom('__proto__', 'toString', 'constructor', 'ce_id', 'ñandú', '0', 'null', null);
    const maybeBytes = fc.oneof(
      fc.constant(null),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    );
    const record = fc.record({
      timestampDelta: fc.oneof(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map(BigInt),
        fc.bigInt(-(2n ** 62n), 2n ** 62n),
      ),
      key: maybeBytes,
      value: maybeBytes,
      headers: fc.array(fc.tuple(fc.oneof(awkwardName, fc.string({ maxLength: 8 })), maybeBytes), { maxLength: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 12 }),
        fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.boolean(),
        async (records, firstOffset, firstTimestamp, logAppendTime) => {
          const encoded = records.map((r, i) => {
            const body = Buffer.concat([
              Buffer.from([0]),
              zigzag(r.timestampDelta),
              zigzag(BigInt(i)),
              bytes(r.key),
              bytes(r.value),
              zigzag(BigInt(r.headers.length)),
              ...r.headers.flatMap(([name, value]) => [text(name), bytes(value)]),
            ]);
            return Buffer.concat([zigzag(BigInt(body.length)), body]);
          });
          const head = Buffer.alloc(61);
          head.writeBigInt64BE(firstOffset, 0);
          head.writeInt8(2, 16);
          head.writeInt16BE(logAppendTime ? 0x08 : 0, 21);
          head.writeInt32BE(records.length - 1, 23);
          head.writeBigInt64BE(firstTimestamp, 27);
          head.writeBigInt64BE(firstTimestamp + 5n > 2n ** 63n - 1n ? firstTimestamp : firstTimestamp + 5n, 35);
          head.writeBigInt64BE(-1n, 43);
          head.writeInt32BE(records.length, 57);
          const batch = Buffer.concat([head, ...encoded]);
          batch.writeInt32BE(batch.length - 12, 8);
          const decode = async (fast: boolean) => {
            recordDecoderModule.setRecordDecoder(fast ? decodeRecord : null);
            try {
              return canonical((await decodeBatch(new KafkajsDecoder(batch))).records);
            } finally {
              recordDecoderModule.setRecordDecoder(null);
            }
          };
          expect(await decode(true)).toEqual(await decode(false));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fails a corrupt record as kafkajs does: a long varlong with its non-retriable error, a negative header count', async () => {
    const decoder = (bytes: number[]) => ({ buffer: Buffer.from(bytes), offset: 0 });
    const context = { firstOffset: '0', firstTimestamp: '0' };
    const longVarlong = [0, ...Array<number>(10).fill(0x80), 1];
    expect(() => decodeRecord(decoder(longVarlong), context)).toThrow(KafkaJSInvalidLongError);
    expect(() => decodeRecord(decoder(longVarlong), context)).toThrow(expect.objectContaining({ retriable: false }));
    expect(() => decodeRecord(decoder([0, 0, 0, 1, 1, 3]), context)).toThrow(RangeError);
  });

  it('refuses what kafkajs cannot encode either, naming it', () => {
    const encode = (message: Record<string, unknown>) => () =>
      encodePartitionRecords({
        partition: 0,
        messages: [message],
        producerId: 1,
        producerEpoch: 0,
        transactional: false,
      });
    expect(encode({ key: 42, value: Buffer.from('v') })).toThrow(/message key must be a string or a Buffer/);
    expect(encode({ key: 'k', value: Buffer.from('v'), headers: { ce_id: null } })).toThrow(/header 'ce_id'/);
    expect(encode({ key: 'k', value: Buffer.from('v'), headers: null })).toThrow(/headers must be an object/);
    expect(encode({ key: 'k', value: Buffer.from('v'), timestamp: 'yesterday' })).toThrow(/whole milliseconds/);
    expect(encode({ key: null, value: null })).not.toThrow();
  });

  it('orders timestamps as kafkajs does, as strings, and stamps a falsy one with the time of encoding', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW);
    for (const stamps of [
      ['999', '1000'],
      [0, String(NOW)],
      [undefined, String(NOW - 1)],
    ]) {
      const args = {
        acks: -1,
        timeout: 30_000,
        producerId: '7',
        producerEpoch: 0,
        topicData: [
          {
            topic: 't',
            partitions: [
              {
                partition: 0,
                firstSequence: 0,
                messages: stamps.map((timestamp, i) => ({ key: `k${i}`, value: Buffer.from('v'), timestamp })),
              },
            ],
          },
        ],
      };
      expect((await requestBytes(args, true)).equals(await requestBytes(args, false)), String(stamps)).toBe(true);
    }
  });
});
