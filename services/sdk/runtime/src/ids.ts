// Deterministic ids: the same inputs give the same id, so a service that restarts and processes
// the same input again publishes the same key and eventId (and partners drop the duplicate).
import { createHash } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 4122 version-5 UUID (SHA-1 of `namespace` and `name`). `namespace` is itself a UUID. */
export function nameBasedUuid(namespace: string, name: string): string {
  if (!UUID.test(namespace))
    throw new TypeError(`the namespace of a name-based UUID must be a UUID, not '${namespace}'`);
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
