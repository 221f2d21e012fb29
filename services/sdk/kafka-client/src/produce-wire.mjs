// How KafkaBus hands records to its producer thread: every topic's messages packed into one
// ArrayBuffer that is transferred, not copied, and read back there as views into it (keys,
// values and header values are not copied again). Layout, little-endian:
//   u32 topics; per topic: i32 name length, name, u32 messages; per message: i32 partition,
//   f64 timestamp (NaN: none), i32 key length (-1: null), key, i32 value length (-1: null), value,
//   u16 headers; per header: u16 name length, name, i32 value length, value.

/**
 * A message as KafkaBus hands it to the producer thread.
 * @typedef {{
 *   readonly partition: number;
 *   readonly key: string | Buffer | null;
 *   readonly value: Buffer | null;
 *   readonly headers?: Readonly<Record<string, string | Buffer>>;
 *   readonly timestamp?: string;
 * }} WireMessage
 */

/**
 * A message as the producer thread reads it back: keys, values and header values are views
 * into the transferred buffer.
 * @typedef {{
 *   partition: number;
 *   key: Buffer | null;
 *   value: Buffer | null;
 *   headers: Record<string, Buffer>;
 *   timestamp?: string;
 * }} UnpackedMessage
 */

/**
 * UTF-8 length of a string: its length when ASCII (most keys and header values), else Buffer's count.
 * @param {string} text
 * @returns {number}
 */
export function utf8Length(text) {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text);
  return text.length;
}

/**
 * @param {string | Buffer} bytes
 * @returns {number}
 */
function sizeOf(bytes) {
  return typeof bytes === 'string' ? utf8Length(bytes) : bytes.length;
}

/**
 * @param {readonly { readonly topic: string; readonly messages: readonly WireMessage[] }[]} topicMessages
 * @returns {ArrayBuffer}
 */
export function packTopicMessages(topicMessages) {
  let size = 4;
  for (const { topic, messages } of topicMessages) {
    size += 8 + utf8Length(topic);
    for (const message of messages) {
      size += 4 + 8 + 4 + 4 + 2;
      if (message.key !== null) size += sizeOf(message.key);
      if (message.value !== null) size += message.value.length;
      const headers = message.headers;
      // for...in, not Object.entries: no array per message (header objects are plain records).
      // Each name it gives is one the headers have, hence the cast.
      for (const name in headers)
        size += 2 + utf8Length(name) + 4 + sizeOf(/** @type {string | Buffer} */ (headers[name]));
    }
  }
  const arrayBuffer = new ArrayBuffer(size);
  const out = Buffer.from(arrayBuffer);
  let at = 0;
  /** Writes a string at `at` (ASCII a byte at a time, else Buffer's UTF-8); returns its length. */
  const text = (/** @type {string} */ value) => {
    const n = value.length;
    if (n <= 64) {
      let i = 0;
      for (; i < n; i++) {
        const code = value.charCodeAt(i);
        if (code > 0x7f) break;
        out[at + i] = code;
      }
      if (i === n) return n;
    }
    return out.write(value, at, 'utf8');
  };
  const bytes = (/** @type {string | Buffer} */ value) => {
    if (typeof value === 'string') {
      at += 4;
      const written = text(value);
      out.writeInt32LE(written, at - 4);
      at += written;
    } else {
      out.writeInt32LE(value.length, at);
      out.set(value, at + 4);
      at += 4 + value.length;
    }
  };
  const shortString = (/** @type {string} */ value) => {
    at += 2;
    const written = text(value);
    out.writeUInt16LE(written, at - 2);
    at += written;
  };
  out.writeUInt32LE(topicMessages.length, at);
  at += 4;
  for (const { topic, messages } of topicMessages) {
    bytes(topic);
    out.writeUInt32LE(messages.length, at);
    at += 4;
    for (const message of messages) {
      out.writeInt32LE(message.partition, at);
      out.writeDoubleLE(message.timestamp === undefined ? NaN : Number(message.timestamp), at + 4);
      at += 12;
      if (message.key === null) {
        out.writeInt32LE(-1, at);
        at += 4;
      } else bytes(message.key);
      if (message.value === null) {
        out.writeInt32LE(-1, at);
        at += 4;
      } else bytes(message.value);
      const headers = message.headers;
      const countAt = at;
      let count = 0;
      at += 2;
      for (const name in headers) {
        shortString(name);
        bytes(/** @type {string | Buffer} */ (headers[name])); // a name for...in gave
        count++;
      }
      out.writeUInt16LE(count, countAt);
    }
  }
  return arrayBuffer;
}

/**
 * @param {ArrayBuffer} arrayBuffer
 * @returns {{ topic: string; messages: UnpackedMessage[] }[]}
 */
export function unpackTopicMessages(arrayBuffer) {
  const input = Buffer.from(arrayBuffer);
  let at = 0;
  const bytes = () => {
    const length = input.readInt32LE(at);
    at += 4;
    if (length < 0) return null;
    const view = input.subarray(at, at + length);
    at += length;
    return view;
  };
  // packTopicMessages writes a length of -1 only for a null key or value: a topic name and a
  // header value always have bytes, as the casts to Buffer below say.
  /** @type {{ topic: string; messages: UnpackedMessage[] }[]} */
  const topics = [];
  const topicCount = input.readUInt32LE(at);
  at += 4;
  for (let t = 0; t < topicCount; t++) {
    const topic = /** @type {Buffer} */ (bytes()).toString('utf8');
    const count = input.readUInt32LE(at);
    at += 4;
    /** @type {UnpackedMessage[]} */
    const messages = [];
    for (let m = 0; m < count; m++) {
      const partition = input.readInt32LE(at);
      const timestamp = input.readDoubleLE(at + 4);
      at += 12;
      const key = bytes();
      const value = bytes();
      const headerCount = input.readUInt16LE(at);
      at += 2;
      /** @type {Record<string, Buffer>} */
      const headers = {};
      for (let h = 0; h < headerCount; h++) {
        const nameLength = input.readUInt16LE(at);
        const name = input.toString('utf8', at + 2, at + 2 + nameLength);
        at += 2 + nameLength;
        headers[name] = /** @type {Buffer} */ (bytes());
      }
      messages.push(
        Number.isNaN(timestamp)
          ? { partition, key, value, headers }
          : { partition, key, value, headers, timestamp: String(timestamp) },
      );
    }
    topics.push({ topic, messages });
  }
  if (at !== input.length) throw new Error(`produce wire: ${input.length - at} trailing bytes`);
  return topics;
}
