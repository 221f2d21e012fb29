// Keyed hashes of document numbers under the bilateral key, as the agreements compute them
// (@puente/policy's keyedHash with the 'document-number' normalisation): what a partner's shared
// lists carry instead of numbers, and what a traveller's presented documents are hashed to so the
// two can be compared without either side seeing the other's numbers.
import { keyedHash, parseHashKey, type KeyRing } from '@puente/policy';
import { PuenteError } from '@puente/runtime';

export interface DocumentHasher {
  /** Ids of the keys hashes are made with right now, current first. */
  keyIds(): readonly string[];
  /**
   * The keyed hashes of one document number, one `<key id>:<digest>` per key in force: one
   * normally, two during a rotation overlap (current key first).
   */
  hash(documentNumber: string): readonly string[];
}

export interface DocumentHasherOptions {
  readonly ring: KeyRing;
  /** The clock deciding whether a rotation overlap still lasts (epoch ms); Date.now by default. */
  readonly now?: () => number;
}

export function createDocumentHasher(options: DocumentHasherOptions): DocumentHasher {
  const { ring } = options;
  const now = options.now ?? Date.now;
  return {
    keyIds() {
      const previous = ring.previous;
      return previous !== undefined && now() < previous.until ? [ring.current.id, previous.id] : [ring.current.id];
    },
    // keyedHash writes both keys' hashes space-separated during the overlap; each part stands alone.
    hash: (documentNumber) => keyedHash(ring, 'document-number', documentNumber, now()).split(' '),
  };
}

export class HashKeyError extends PuenteError<'INVALID_HASH_KEY'> {
  override readonly name = 'HashKeyError';
  constructor(message: string) {
    super({ code: 'INVALID_HASH_KEY', message });
  }
}

/**
 * A key ring of one key from its id and its base64 value (as in PUENTE_HASH_KEY_US_MX); throws
 * HashKeyError naming `source` when the value is not a usable HMAC key.
 */
export function singleKeyRing(id: string, value: string, source = 'hash key'): KeyRing {
  const key = parseHashKey(value);
  if (typeof key === 'string') throw new HashKeyError(`${source} (key ${id}) ${key}`);
  return { current: { id, key } };
}

/** Whether any of a traveller's document hashes is one of an entry's. */
export function anyHashShared(presented: readonly string[], listed: readonly string[]): boolean {
  return presented.some((hash) => listed.includes(hash));
}
