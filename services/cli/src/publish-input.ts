// One line of a `puente publish` file → the Avro JSON the gateway takes, or why not. A line is
// an event in Avro JSON (PAYLOAD_FORMAT_AVRO_JSON); the friendly JSON of schemas/examples/ (a
// `{topic, value}` example, or a bare friendly value) is converted with the local catalog.
import type { AvroCodec } from '@puente/contracts';

import type { Messages } from './i18n/messages.js';

export type PreparedLine =
  | { readonly line: number; readonly payload: Buffer }
  | { readonly line: number; readonly reason: string; readonly message: string };

/** Reason of a line that is not a JSON object (reported by the CLI, never sent). */
export const MALFORMED_LINE = 'MALFORMED_LINE';

export function prepareLine(
  text: string,
  line: number,
  topic: string,
  codec: AvroCodec,
  t: Messages['t'],
): PreparedLine | undefined {
  if (text.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { line, reason: MALFORMED_LINE, message: t('publish.malformedJson', { message: messageOf(error) }) };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    return { line, reason: MALFORMED_LINE, message: t('publish.notObject') };
  const record = json as Record<string, unknown>;
  if ('topic' in record && 'value' in record) {
    if (record['topic'] !== topic)
      return { line, reason: 'WRONG_TOPIC', message: t('publish.wrongTopic', { topic: String(record['topic']) }) };
    try {
      return { line, payload: avroJsonOf(codec, topic, codec.fromFriendlyJson(topic, record['value'])) };
    } catch (error) {
      return { line, reason: 'SCHEMA_REJECTED', message: messageOf(error) };
    }
  }
  if (!codec.topics().includes(topic)) return { line, payload: Buffer.from(text) };
  try {
    codec.fromAvroJson(topic, json);
    return { line, payload: Buffer.from(text) };
  } catch {
    // Not Avro JSON of the local schema: friendly JSON, or left for the gateway to judge
    // (its answer names the bad field paths; the local catalog may be older than it).
    try {
      return { line, payload: avroJsonOf(codec, topic, codec.fromFriendlyJson(topic, json)) };
    } catch {
      return { line, payload: Buffer.from(text) };
    }
  }
}

function avroJsonOf(codec: AvroCodec, topic: string, value: unknown): Buffer {
  return Buffer.from(JSON.stringify(codec.toAvroJson(topic, value)));
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
