import { describe, expect, it } from 'vitest';

import { packTopicMessages, unpackTopicMessages, utf8Length } from './produce-wire.mjs';

describe('produce wire format', () => {
  it('carries every topic, message, key, value, header and timestamp across, in order', () => {
    const input = [
      {
        topic: 'us.cargo-manifests.v1',
        messages: [
          {
            partition: 2,
            key: 'MANIFEST-ñ-日本-🚚',
            value: Buffer.from([0, 1, 2, 255]),
            headers: { ce_id: 'e-1', 'content-type': Buffer.from('application/vnd.confluent.avro') },
            timestamp: '1764288000123',
          },
          { partition: 0, key: null, value: null },
          { partition: 1, key: Buffer.from('bytes-key'), value: Buffer.alloc(0), headers: {} },
        ],
      },
      { topic: 'audit.disclosures.v1', messages: [{ partition: 0, key: 'k', value: Buffer.alloc(70_000, 7) }] },
      { topic: 'empty.topic', messages: [] },
    ];
    const out = unpackTopicMessages(packTopicMessages(input));
    expect(out.map((t) => t.topic)).toEqual(['us.cargo-manifests.v1', 'audit.disclosures.v1', 'empty.topic']);
    const [first, second, third] = out[0]!.messages;
    expect(first?.partition).toBe(2);
    expect(first?.key?.toString('utf8')).toBe('MANIFEST-ñ-日本-🚚');
    expect([...first!.value!]).toEqual([0, 1, 2, 255]);
    expect(first?.timestamp).toBe('1764288000123');
    expect(Object.fromEntries(Object.entries(first!.headers).map(([k, v]) => [k, v.toString()]))).toEqual({
      ce_id: 'e-1',
      'content-type': 'application/vnd.confluent.avro',
    });
    expect(second).toEqual({ partition: 0, key: null, value: null, headers: {} });
    expect(third?.key?.toString()).toBe('bytes-key');
    expect(third?.value?.length).toBe(0);
    expect(third?.timestamp).toBeUndefined();
    expect(out[1]!.messages[0]!.value!.equals(Buffer.alloc(70_000, 7))).toBe(true);
    expect(out[2]!.messages).toEqual([]);
  });

  it('writes ASCII and non-ASCII strings of any length in keys, header names and header values', () => {
    const strings = ['', 'a', 'ñ', 'x'.repeat(64), 'x'.repeat(63) + 'é', 'y'.repeat(65), 'z'.repeat(70) + '日本', '🚚'];
    const input = [
      {
        topic: 'tópico',
        messages: strings.map((text, partition) => ({
          partition,
          key: text,
          value: null,
          headers: { [`h-${text}`]: text, plain: 'v' },
        })),
      },
    ];
    const [topic] = unpackTopicMessages(packTopicMessages(input));
    expect(topic!.topic).toBe('tópico');
    expect(
      topic!.messages.map((m) => ({
        key: m.key?.toString('utf8'),
        headers: Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, v.toString('utf8')])),
      })),
    ).toEqual(strings.map((text) => ({ key: text, headers: { [`h-${text}`]: text, plain: 'v' } })));
    for (const text of strings) expect(utf8Length(text)).toBe(Buffer.byteLength(text));
  });

  it('hands over one buffer that the receiving side reads in place', () => {
    const packed = packTopicMessages([{ topic: 't', messages: [{ partition: 0, key: 'k', value: Buffer.from('v') }] }]);
    const [topic] = unpackTopicMessages(packed);
    expect(topic!.messages[0]!.value!.buffer).toBe(packed);
  });
});
