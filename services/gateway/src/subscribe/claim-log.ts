// Who holds each subscription, as the cursor topic's single partition orders it: streams claim a
// subscription, the newest claim wins, the older holder releases, the winner records that it
// took it. Every gateway instance reads the same log, so each reaches the same answer, and a
// commit from a stream that no longer holds its subscription is ignored everywhere (fencing).

/** The cursor topic key of a subscription's claim records (compaction keeps the latest of each). */
export const claimKey = (subscriptionId: string): string => `${subscriptionId}\u0000claim`;

/** The subscription a claim key belongs to, or undefined for a cursor key. */
export function subscriptionOfClaimKey(key: string): string | undefined {
  const at = key.indexOf('\u0000');
  return at > 0 && key.slice(at + 1) === 'claim' ? key.slice(0, at) : undefined;
}

/** The header a cursor commit names its stream with (a commit without one is applied as before). */
export const STREAM_HEADER = 'puente-stream';

export type ClaimKind = 'claim' | 'release' | 'took';

export interface ClaimRecord {
  readonly kind: ClaimKind;
  readonly stream: string;
  /** The gateway instance the stream is on: for logs and the superseded stream's message. */
  readonly instance: string;
  /**
   * On a release: the stream held the subscription (its `took` came first). Compaction keeps only
   * a subscription's last claim record; read alone, such a release still says whose commits count.
   */
  readonly held?: boolean;
}

export function encodeClaim(record: ClaimRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

/** A claim record, or undefined for anything else (a value this version cannot read is skipped). */
export function decodeClaim(value: Buffer): ClaimRecord | undefined {
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Partial<ClaimRecord>;
    if (
      (parsed.kind === 'claim' || parsed.kind === 'release' || parsed.kind === 'took') &&
      typeof parsed.stream === 'string' &&
      typeof parsed.instance === 'string'
    ) {
      return {
        kind: parsed.kind,
        stream: parsed.stream,
        instance: parsed.instance,
        ...(parsed.kind === 'release' && parsed.held === true ? { held: true } : {}),
      };
    }
  } catch {
    // not JSON: skipped below
  }
  return undefined;
}

/** Where a stream's claim stands (see ClaimLog.standing). */
export type Standing =
  | { readonly state: 'clear' }
  | { readonly state: 'superseded' }
  | { readonly state: 'waiting'; readonly on: readonly string[] };

interface OpenClaim {
  readonly instance: string;
  /** Where the claim is in the log: an earlier claim is superseded by a later one. */
  readonly offset: number;
}

interface SubscriptionClaims {
  /** The stream whose `took` came last: only its commits move the cursor. */
  holder: { readonly stream: string; readonly instance: string; released: boolean } | undefined;
  /** Claims not yet released, in log order. */
  readonly open: Map<string, OpenClaim>;
  /** The stream released last: its `took`, if one follows (it gave up while taking), holds nothing. */
  lastReleased: string | undefined;
}

/** What applying a claim record changed: streams a newer claim supersedes. */
export interface ClaimEffect {
  readonly superseded: readonly { readonly stream: string; readonly instance: string }[];
}

const NOTHING: ClaimEffect = { superseded: [] };

export class ClaimLog {
  private readonly subscriptions = new Map<string, SubscriptionClaims>();

  /** Applies one record read at `offset`; records must come in log order. */
  apply(subscriptionId: string, record: ClaimRecord, offset: number): ClaimEffect {
    const claims = this.claimsOf(subscriptionId);
    if (record.kind === 'release') {
      claims.open.delete(record.stream);
      claims.lastReleased = record.stream;
      if (claims.holder?.stream === record.stream) claims.holder.released = true;
      // The holder's `took` was compacted away: its release says who held.
      else if (!claims.holder && record.held)
        claims.holder = { stream: record.stream, instance: record.instance, released: true };
      return NOTHING;
    }
    if (record.kind === 'took') {
      // A stream that released before its took landed (it gave up while taking) takes nothing.
      if (claims.lastReleased === record.stream && !claims.open.has(record.stream)) return NOTHING;
      claims.holder = { stream: record.stream, instance: record.instance, released: false };
      // Claims before the taker's were released or timed out: none of them holds anything now.
      const own = claims.open.get(record.stream)?.offset ?? offset;
      for (const [stream, claim] of claims.open)
        if (claim.offset < own && stream !== record.stream) claims.open.delete(stream);
      return NOTHING;
    }
    const superseded = [...claims.open]
      .filter(([stream]) => stream !== record.stream)
      .map(([stream, claim]) => ({ stream, instance: claim.instance }));
    const holder = unreleasedHolder(claims);
    if (holder && holder.stream !== record.stream) superseded.push(holder);
    claims.open.set(record.stream, { instance: record.instance, offset });
    return { superseded };
  }

  /** Whether a commit by `stream` moves the subscription's cursor (log order: after its `took`). */
  accepts(subscriptionId: string, stream: string | undefined): boolean {
    const holder = this.subscriptions.get(subscriptionId)?.holder;
    return stream === undefined || holder === undefined || holder.stream === stream;
  }

  /** The stream whose commits count, and its instance (released or not). */
  holder(subscriptionId: string): { readonly stream: string; readonly instance: string } | undefined {
    return this.subscriptions.get(subscriptionId)?.holder;
  }

  /**
   * Where `stream`'s claim stands: `superseded` once a later claim (or none of its own) is in the
   * log, `waiting` while earlier claims are unreleased (`on` names them), `clear` otherwise.
   */
  standing(subscriptionId: string, stream: string): Standing {
    const claims = this.subscriptions.get(subscriptionId);
    const own = claims?.open.get(stream);
    if (!claims || !own) return { state: 'superseded' };
    const on: string[] = [];
    for (const [other, claim] of claims.open) {
      if (other === stream) continue;
      if (claim.offset > own.offset) return { state: 'superseded' };
      on.push(other);
    }
    // A holder whose claim compaction removed still holds until it releases (or times out).
    const holder = unreleasedHolder(claims);
    if (holder && holder.stream !== stream) on.push(holder.stream);
    return on.length > 0 ? { state: 'waiting', on } : { state: 'clear' };
  }

  private claimsOf(subscriptionId: string): SubscriptionClaims {
    let claims = this.subscriptions.get(subscriptionId);
    if (!claims) {
      claims = { holder: undefined, open: new Map(), lastReleased: undefined };
      this.subscriptions.set(subscriptionId, claims);
    }
    return claims;
  }
}

/** The holder, when it has not released and its claim is no longer among the open ones. */
function unreleasedHolder(claims: SubscriptionClaims): { stream: string; instance: string } | undefined {
  const holder = claims.holder;
  if (!holder || holder.released || claims.open.has(holder.stream)) return undefined;
  return { stream: holder.stream, instance: holder.instance };
}
