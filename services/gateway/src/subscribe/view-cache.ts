// The gateway's verdicts on records, shared by every subscription that receives the same view: a
// feed read by 64 partners under one agreement evaluated and encoded each record 64 times (issue
// 19). A verdict is keyed by the record and everything the decision and the view bytes depend on;
// the cache is bounded in bytes (oldest out first) and emptied when no subscription is open.
import type { PayloadFormat } from '@puente/proto';
import type { FieldDecision, Gate, Partner, TopicPolicy } from '@puente/policy';

/**
 * What an agreement releases of one record to one view key. The payload is shared by every
 * delivery of the view: nothing may write into it once it is cached.
 */
export type SharedVerdict =
  | {
      readonly kind: 'admitted';
      /** The admitting rule and its field decisions (shared by every delivery of the view). */
      readonly decision: { readonly rule: string; readonly fields: readonly FieldDecision[] };
      /** The view with its Confluent header (or its Avro JSON): the Delivery's `payload`. */
      readonly payload: Buffer;
      /** SHA-256 of `payload`. */
      readonly digest: Buffer;
      readonly eventId: string;
      readonly purposes: readonly string[];
      readonly supersedes: string | null;
      /** Whether the rule releases the record's key as it is. */
      readonly releasesKey: boolean;
    }
  | {
      readonly kind: 'withheld';
      readonly gate: Gate | null;
      /** The event's meta (a withheld correction's notice needs its eventId, purposes and supersedes). */
      readonly meta: Record<string, unknown> | undefined;
    }
  | { readonly kind: 'setAside'; readonly error: unknown };

/** Where a record is, and whose view of it: the key of a verdict. */
export interface ViewKeyParts {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly policy: TopicPolicy;
  readonly agreementId: string;
  readonly agreementVersion: number;
  readonly partner: Partner;
  readonly format: PayloadFormat;
  /** Whether hashes also carry the previous key now (TopicPolicy.hashOverlapUntil): the view differs. */
  readonly overlap: boolean;
}

export interface ViewCacheOptions {
  /** Largest total of cached verdicts, in (estimated) bytes; oldest evicted first. */
  readonly maxBytes: number;
  readonly onHit?: () => void;
  readonly onMiss?: () => void;
  readonly onBytes?: (bytes: number) => void;
}

/**
 * What a verdict holds besides its payload: the key string, the entry, digest, meta. An estimate;
 * it keeps a cache of tiny views from growing to millions of entries.
 */
const ENTRY_OVERHEAD_BYTES = 512;

/**
 * Every compiled policy gets its own number: a reloaded agreement compiles new policies, so no
 * verdict of the old one is ever served under the new one, even at the same version.
 */
const policyIds = new WeakMap<TopicPolicy, number>();
let nextPolicyId = 1;
function policyIdOf(policy: TopicPolicy): number {
  let id = policyIds.get(policy);
  if (id === undefined) {
    id = nextPolicyId++;
    policyIds.set(policy, id);
  }
  return id;
}

/** The key: the record, the agreement version (and compiled policy), recipient, declared purposes, format, hash phase. */
export function viewKeyOf(parts: ViewKeyParts): string {
  const { partner } = parts;
  // Undefined purposes (no declaration) and none declared decide differently: they must not share.
  const purposes = partner.purposes === undefined ? '*' : [...partner.purposes].sort().join(',');
  return [
    parts.topic,
    parts.partition,
    parts.offset,
    `${parts.agreementId}@${parts.agreementVersion}#${policyIdOf(parts.policy)}`,
    partner.country,
    partner.agency,
    purposes,
    parts.format,
    parts.overlap ? 'overlap' : '',
  ].join('\u0000');
}

export interface ViewCache {
  /** The verdict for `key`, computed by `judge` on a miss and kept unless `cacheable` says no. */
  verdict(key: string, judge: () => SharedVerdict, cacheable?: (verdict: SharedVerdict) => boolean): SharedVerdict;
  /** A subscription opened: the cache is kept while any is. */
  retain(): void;
  /** A subscription closed: the last one to close empties the cache (its memory is returned). */
  release(): void;
  readonly bytes: number;
  readonly size: number;
}

export function createViewCache(options: ViewCacheOptions): ViewCache {
  // A Map iterates in insertion order: its first entry is the oldest.
  const entries = new Map<string, { verdict: SharedVerdict; bytes: number }>();
  let bytes = 0;
  let users = 0;
  const report = () => options.onBytes?.(bytes);
  const clear = () => {
    entries.clear();
    bytes = 0;
    report();
  };
  return {
    verdict(key, judge, cacheable) {
      const hit = entries.get(key);
      if (hit) {
        options.onHit?.();
        return hit.verdict;
      }
      options.onMiss?.();
      const verdict = judge();
      if (cacheable && !cacheable(verdict)) return verdict;
      const size = ENTRY_OVERHEAD_BYTES + key.length + (verdict.kind === 'admitted' ? verdict.payload.length : 0);
      // A verdict bigger than the whole cache is used once and not kept.
      if (size > options.maxBytes) return verdict;
      const kept = unpooled(verdict);
      entries.set(key, { verdict: kept, bytes: size });
      bytes += size;
      for (const [oldKey, old] of entries) {
        if (bytes <= options.maxBytes) break;
        entries.delete(oldKey);
        bytes -= old.bytes;
      }
      report();
      return kept;
    },
    retain() {
      users++;
    },
    release() {
      users = Math.max(0, users - 1);
      if (users === 0) clear();
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * The verdict with a payload of its own memory: small buffers are slices of Node's shared 8 KiB
 * pool, and a cached slice would keep its whole pool block alive (the byte cap would undercount).
 */
function unpooled(verdict: SharedVerdict): SharedVerdict {
  if (verdict.kind !== 'admitted' || verdict.payload.buffer.byteLength === verdict.payload.length) return verdict;
  const payload = Buffer.allocUnsafeSlow(verdict.payload.length);
  verdict.payload.copy(payload);
  return { ...verdict, payload };
}
