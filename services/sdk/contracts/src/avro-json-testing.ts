// For tests that keep their events in friendly JSON (the examples) but send Avro JSON: a
// conversion that, unlike the codec's, does not validate, so a deliberately invalid event
// stays invalid (a null where a string belongs, a missing field) for the gateway to refuse.
import { compileToAvroJson } from './avro-json.js';
import type { AvroCodec } from './codec.js';
import { compileFromJson } from './friendly-json.js';
import type { JsonValue } from './friendly-json.js';

/** Friendly JSON of a topic's value as Avro JSON, unvalidated; for an unknown topic, the JSON as is. */
export function friendlyToAvroJson(codec: AvroCodec, topic: string, json: unknown): JsonValue {
  if (!codec.topics().includes(topic)) return json as JsonValue;
  const type = codec.catalog.typeOf(codec.schemaIdOf(topic));
  return compileToAvroJson(type)(compileFromJson(type)(json).value);
}
