// The gateway's answers as plain JSON for the front end: timestamps as ISO text, enums by name
// (without their prefix), hashes as hex, and Avro JSON payloads parsed so the browser shows
// decoded values. int64 values are already decimal strings (ts-proto forceLong=string).
import {
  disclosureKindToJSON,
  fieldActionToJSON,
  payloadFormatToJSON,
  policyDecisionToJSON,
  topicAccessToJSON,
  topicKindToJSON,
  withholdingGateToJSON,
} from '@puente/proto';

// `kind` is absent: it names a topic's kind in listings and a receipt's kind in the ledger, and the
// two enums share numbers, so plainJson's `kindOf` decides.
const enums: Record<string, (value: never) => string> = {
  access: topicAccessToJSON,
  decision: policyDecisionToJSON,
  action: fieldActionToJSON,
  gate: withholdingGateToJSON,
  payloadFormat: payloadFormatToJSON,
  viewFormat: payloadFormatToJSON,
};

const prefixes =
  /^(TOPIC_ACCESS|TOPIC_KIND|POLICY_DECISION|FIELD_ACTION|WITHHOLDING_GATE|PAYLOAD_FORMAT|DISCLOSURE_KIND)_/;

/** An Avro JSON payload as a value; text that does not parse is kept as text. */
export function parsePayload(bytes: Uint8Array): unknown {
  const textValue = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(textValue) as unknown;
  } catch {
    return textValue;
  }
}

/**
 * A response as plain JSON. `kindOf` names which enum a `kind` field holds in this response.
 * Payload fields (`payload`, `viewPayload`) are parsed as Avro JSON; other bytes become hex.
 */
export function plainJson(value: unknown, kindOf: 'topic' | 'disclosure' = 'topic', key = ''): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) {
    if (key === 'payload' || key === 'viewPayload') return value.length === 0 ? null : parsePayload(value);
    return Buffer.from(value).toString('hex');
  }
  if (Array.isArray(value)) return value.map((item) => plainJson(item, kindOf, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
      if (child === undefined) continue;
      const toName =
        name === 'kind' && typeof child === 'number'
          ? kindOf === 'topic'
            ? topicKindToJSON
            : disclosureKindToJSON
          : typeof child === 'number'
            ? enums[name]
            : undefined;
      out[name] = toName ? toName(child as never).replace(prefixes, '') : plainJson(child, kindOf, name);
    }
    return out;
  }
  return value;
}
