// One Subscribe stream: which feeds it reads, where it is on each partition, what it delivered
// and the partner has not acknowledged yet. Records come from the shared tail when the cursor is
// inside its buffer, or from a short-lived catch-up reader until the cursor reaches it. Offsets
// are committed only up to the first unacknowledged delivery (at least once). An agreement change
// re-evaluates the feeds (reevaluate.ts): the stream ends, or a feed moves to the new version.
import { randomUUID } from 'node:crypto';

import type { ServerDuplexStream } from '@grpc/grpc-js';
import {
  ErrorReason,
  PayloadFormat,
  StartPosition,
  type Delivery,
  type StartSubscription,
  type SubscribeRequest,
  type SubscribeResponse,
} from '@puente/proto';
import {
  PartitionTracker,
  type Bus,
  type ConsumedRecord,
  type Reader,
  type StartedPartitionTracker,
} from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { Feed, Gate, Partner, PolicySet, TopicPolicy } from '@puente/policy';
import { type Logger } from '@puente/runtime';

import { GatewayError, toServiceError } from '../grpc/errors.js';
import { describeFeed, feedIdOf } from './feeds.js';
import { judgeFeed } from './reevaluate.js';
import { chooseFeeds } from './start-feeds.js';
import type { Principal } from '../auth/identity.js';
import type { CorrectionLookup } from './correction-lookup.js';
import type { CursorPositions, CursorStore } from './cursor-store.js';
import { createDeliverySharing, type DeliverySharing } from './delivery-sharing.js';
import type { TurnTaker } from './delivery-turns.js';
import { HeldBytes, type PartitionBytes } from './held-bytes.js';
import { evaluateRecord, type DeliveredRecord, type Evaluation, type WithheldCorrection } from './record-evaluation.js';
import type { TailEntry, TopicTail } from './topic-tail.js';

export interface SessionLimits {
  readonly defaultMaxUnacked: number;
  readonly maxUnacked: number;
  readonly defaultMaxBatch: number;
  readonly maxBatch: number;
  /** Records a catch-up reader may queue before it is paused. */
  readonly catchUpQueue: number;
  /** Longest a half-closed stream waits for its acks' commits before it ends UNAVAILABLE. */
  readonly endCommitTimeoutMs: number;
}

export interface SessionDeps {
  readonly bus: Bus;
  readonly codec: AvroCodec;
  readonly tails: ReadonlyMap<string, TopicTail>;
  readonly cursors: CursorStore;
  readonly feedsFor: (principal: Principal) => Feed[];
  /** The agreements in force: a stream checks its feeds against them once more when it has started. */
  readonly policies: () => PolicySet;
  readonly viewSchemaId: (policy: TopicPolicy) => number;
  readonly limits: SessionLimits;
  readonly logger: Logger;
  /**
   * Audits a batch before it is sent; a failure holds the batch back (nothing leaves unaudited).
   * Resolves with the deliveries it set aside (dead-lettered: their disclosure cannot be written).
   */
  readonly audit: (delivered: readonly DeliveredRecord[]) => Promise<readonly DeliveredRecord[]>;
  /**
   * Sets aside a record that cannot be decoded or evaluated (dlq.<topic>); resolves once it is
   * written. Until then nothing is committed past it; a failed write ends the stream.
   */
  readonly deadLetter: (record: ConsumedRecord, error: unknown) => Promise<void>;
  /**
   * Who received what a withheld correction supersedes (the origins' ledgers): such a
   * subscriber gets a retraction notice in its place. Without it corrections are just withheld.
   */
  readonly corrections?: CorrectionLookup;
  readonly onDelivered?: (feed: Feed, count: number) => void;
  /** Records withheld: by a gate (its name), or by the rules (null). */
  readonly onWithheld?: (feed: Feed, count: number, gate: Gate | null) => void;
  readonly onAcked?: (count: number) => void;
  /** A stream ended because an agreement change no longer admits `feed` (the one it read). */
  readonly onRevoked?: (feed: Feed) => void;
  /** A stream's feed moved to a new agreement version (`feed` is the new one). */
  readonly onReversioned?: (feed: Feed) => void;
  /**
   * What the gateway's streams share: record verdicts, turns at collecting, the unacknowledged
   * bytes budget. Without it the stream has its own (defaults), as if alone in the gateway.
   */
  readonly sharing?: DeliverySharing;
  /**
   * Makes the stream its subscription's holder across gateway instances (handover.ts) before its
   * positions are read; rejects when a newer stream claims it first. Without it, takeover is local.
   */
  readonly claim?: (session: SubscriptionSession) => Promise<void>;
}

/** What one re-evaluation did to a stream. */
export interface Reevaluation {
  /** The feed (as the stream read it) whose revocation ends the stream. */
  readonly revoked?: Feed;
  /** Feeds that continue under a new agreement version (the new ones). */
  readonly reversioned: readonly Feed[];
}

const UNCHANGED: Reevaluation = { reversioned: [] };

interface PartitionState {
  readonly feedIndex: number;
  /** The feed as the agreements in force have it: replaced when its agreement gets a new version. */
  feed: Feed;
  readonly tail: TopicTail;
  readonly partition: number;
  /**
   * Where the stream is, and what it may commit: deliveries are awaited until acknowledged,
   * offsets being dead-lettered held until written. Each feed's partition has its own, even
   * when two feeds read one topic.
   */
  readonly offsets: StartedPartitionTracker;
  /**
   * Bytes held by each delivery awaited (offset → bytes), in ascending offsets: deliveries are
   * taken in order, and a rewind forgets every one from its offset on.
   */
  readonly bytes: PartitionBytes;
  catchUp?: { reader: Reader | undefined; queue: TailEntry[]; paused: boolean };
}

/** A record taken for delivery, with where it came from. */
interface Collected {
  readonly state: PartitionState;
  readonly offset: number;
  /**
   * What is sent and audited. For a withheld correction: its notice once the ledger says the
   * subscriber received what it supersedes; undefined before, and after if it did not.
   */
  evaluation: Evaluation | undefined;
  /** A withheld correction, awaiting the ledger before the batch is audited. */
  readonly correction?: WithheldCorrection;
  /** Taken back before it was sent (its feed moved to a new agreement version): never sent. */
  withdrawn?: boolean;
}

/** A record no subscriber can be given, on its way to the dead-letter topic. */
interface SetAside {
  readonly state: PartitionState;
  readonly offset: number;
  readonly record: ConsumedRecord;
  readonly error: unknown;
  /** Taken back with the deliveries around it: its record is evaluated again. */
  withdrawn?: boolean;
}

/** Records collected together, audited together, sent together. */
interface Batch {
  readonly collected: readonly Collected[];
  readonly setAside: readonly SetAside[];
  /** How many of `collected` are withheld corrections (the ledger is asked only when some are). */
  readonly corrections: number;
}

/** Batches prepared ahead while earlier ones are audited (what they hold counts against the byte caps). */
const MAX_AUDITS_IN_FLIGHT = 16;

/**
 * What a delivery holds besides its payload: the Delivery and DeliveredRecord objects, cursor,
 * batch bookkeeping. An estimate, so that a stream of tiny views is bounded too.
 */
const DELIVERY_OVERHEAD_BYTES = 512;

/**
 * How long a revoked stream waits for the commits of the acks it received before it ends: the
 * stream must end within a second of the change, and these usually land in milliseconds.
 */
const REVOKE_COMMIT_BUDGET_MS = 250;

const SUBSCRIPTION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class SubscriptionSession {
  readonly streamId = randomUUID();
  subscriptionId = '';
  /** The subscriber as the policies see it: country, agency and the purposes it declared. */
  private partner: Partner = { country: '', agency: '', purposes: [] };
  private states: PartitionState[] = [];
  private unacked = 0;
  private maxUnacked = 0;
  private maxBatch = 0;
  private format = PayloadFormat.AVRO_CONFLUENT;
  private closed = false;
  /** The client half-closed: nothing more is delivered while its acks are committed. */
  private ending = false;
  private nextState = 0;
  /** Bytes of deliveries prepared or sent and not yet acknowledged (counted in the shared budget too). */
  private readonly held: HeldBytes;
  /** Whether this stream counts among the view cache's users (from start to close). */
  private usingViews = false;
  private readonly sharing: DeliverySharing;
  /** How the gateway's turns reach this stream. */
  private readonly taker: TurnTaker = { takeTurn: (max) => this.takeTurn(max) };
  /** Called by the shared budget when bytes are free again. */
  private readonly wake = () => this.pump();
  /** Records were taken since `caught_up` was last sent (true at start: the first one is owed). */
  private behind = true;
  /** Batches whose disclosures are being written. */
  private auditing = 0;
  private sending: Promise<void> = Promise.resolve();
  private confirmations: Promise<void> = Promise.resolve();
  private readonly unsubscribe: (() => void)[] = [];
  /** Batches collected and not yet through `send`: what a change of version must take back. */
  private readonly inFlight = new Set<Batch>();

  constructor(
    private readonly call: ServerDuplexStream<SubscribeRequest, SubscribeResponse>,
    private readonly principal: Principal,
    private readonly deps: SessionDeps,
    private readonly onStarted: (session: SubscriptionSession) => void,
    private readonly onClosed: (session: SubscriptionSession) => void,
  ) {
    this.sharing = deps.sharing ?? createDeliverySharing();
    this.held = new HeldBytes(this.sharing.budget);
  }

  /** Handles one client message; errors end the stream with their status. */
  async receive(message: SubscribeRequest): Promise<void> {
    try {
      const kind = message.kind;
      if (kind?.$case === 'start') {
        if (this.states.length > 0 || this.subscriptionId) throw protocol('start may only be sent once, first');
        await this.start(kind.value);
      } else if (kind?.$case === 'ack') {
        if (!this.subscriptionId) throw protocol('send start before acknowledging');
        await this.ack(kind.value.cursors);
      } else {
        throw protocol('a message must be start or ack');
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Ends the stream with an error status (no stack traces, one place for the mapping). */
  fail(error: unknown): void {
    if (this.closed) return;
    this.call.emit('error', toServiceError(error));
    this.close();
  }

  /** The client finished or went away: nothing more is delivered. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    for (const state of this.states) void state.catchUp?.reader?.stop();
    this.sharing.turns.cancel(this.taker);
    this.sharing.budget.unwait(this.wake);
    this.held.release();
    if (this.usingViews) {
      this.usingViews = false;
      this.sharing.views.release();
    }
    this.onClosed(this);
  }

  /** A newer stream took this subscription over. */
  supersede(): void {
    this.fail(
      new GatewayError({
        code: 'ABORTED',
        reason: ErrorReason.SUBSCRIPTION_SUPERSEDED,
        message: `subscription ${this.subscriptionId} was taken over by a newer stream`,
        metadata: { subscription: this.subscriptionId },
      }),
    );
  }

  /**
   * Another stream claimed this subscription (on this gateway instance or another): nothing more
   * is delivered, the acks received so far are committed and confirmed (waiting `budgetMs` at
   * most), then the stream ends ABORTED (SUBSCRIPTION_SUPERSEDED); closing releases the claim.
   */
  async handOver(by: { readonly stream: string; readonly instance: string }, budgetMs: number): Promise<void> {
    if (this.closed) return;
    this.ending = true;
    await this.confirmed(budgetMs);
    this.fail(
      new GatewayError({
        code: 'ABORTED',
        reason: ErrorReason.SUBSCRIPTION_SUPERSEDED,
        message: `subscription ${this.subscriptionId} was taken over by a newer stream (${by.stream} on gateway ${by.instance})`,
        metadata: { subscription: this.subscriptionId, stream: by.stream },
      }),
    );
  }

  /**
   * The client half-closed (after every message it sent was handled): OK only once every ack
   * it sent is committed and confirmed, UNAVAILABLE when a commit fails or takes too long.
   */
  async end(): Promise<void> {
    if (this.closed || this.ending) return;
    this.ending = true;
    const outcome = await this.confirmed();
    if (this.closed) return; // a commit failed: ended with its status already
    if (outcome === 'late') {
      this.fail(
        new GatewayError({
          code: 'UNAVAILABLE',
          reason: ErrorReason.BUS_UNAVAILABLE,
          message: `the acknowledged positions of ${this.subscriptionId} were not committed within ${this.deps.limits.endCommitTimeoutMs} ms; unconfirmed records will be delivered again`,
          retryAfterMs: 1_000,
        }),
      );
      return;
    }
    this.call.end();
    this.close();
  }

  /**
   * The gateway drains: nothing more is delivered, the acks received so far are committed and
   * their `committed` sent (waiting as long as a half-close does at most), then the stream
   * ends with `error` (SHUTTING_DOWN). Unconfirmed deliveries come again on the next stream.
   */
  async drain(error: unknown): Promise<void> {
    if (this.closed) return;
    this.ending = true;
    await this.confirmed();
    this.fail(error);
  }

  /**
   * Re-evaluates the stream's feeds against `set` at `now` (after an agreement change, or at a
   * validFrom / validUntil boundary): a feed no longer admitted ends the stream with
   * PERMISSION_DENIED (AGREEMENT_REVOKED); a feed whose agreement has a new version continues
   * under it from the next batch. A stream that is ending (half-closed, draining, revoked)
   * delivers nothing more and is left alone; one still starting checks itself when started.
   */
  reevaluate(set: PolicySet, now: number): Reevaluation {
    if (this.closed || this.ending || this.states.length === 0) return UNCHANGED;
    const feeds = new Map<number, Feed>(this.states.map((state) => [state.feedIndex, state.feed]));
    const verdicts = [...feeds].map(([feedIndex, feed]) => ({
      feedIndex,
      feed,
      verdict: judgeFeed(feed, set, this.partner, now),
    }));
    for (const { feed, verdict } of verdicts) {
      if (verdict.kind !== 'revoked') continue;
      this.revoke(feed, verdict.error);
      return { revoked: feed, reversioned: [] };
    }
    const reversioned: Feed[] = [];
    for (const { feedIndex, verdict } of verdicts) {
      if (verdict.kind !== 'reversioned') continue;
      this.moveTo(feedIndex, verdict.feed);
      this.deps.onReversioned?.(verdict.feed);
      reversioned.push(verdict.feed);
    }
    if (reversioned.length > 0) this.pump();
    return { reversioned };
  }

  /**
   * Ends the stream for a revoked feed: nothing more is delivered (batches waiting on their
   * audit are not sent), the acks received so far are committed if that is quick, then the
   * status goes out.
   */
  private revoke(feed: Feed, error: GatewayError): void {
    this.ending = true;
    this.deps.onRevoked?.(feed);
    this.deps.logger.warn(
      {
        subscription: this.subscriptionId,
        stream: this.streamId,
        feed: feedIdOf(feed),
        agreement: feed.agreement.id,
        previousVersion: String(feed.agreement.version),
        agreementVersion: error.metadata['agreementVersion'],
      },
      `subscription ended: ${error.message}`,
    );
    const budget = Math.min(REVOKE_COMMIT_BUDGET_MS, this.deps.limits.endCommitTimeoutMs);
    void this.confirmed(budget).then(() => this.fail(error));
  }

  /**
   * Moves a feed to its agreement's new version from the next batch. Deliveries prepared under
   * the old version and not sent yet (batches waiting on their audit) are withdrawn, and each of
   * the feed's partitions is taken back to the first of them, to be evaluated again under the
   * new version; their disclosures, already written or on their way, stay (they over-report).
   */
  private moveTo(feedIndex: number, feed: Feed): void {
    for (const state of this.states) {
      if (state.feedIndex !== feedIndex) continue;
      state.feed = feed;
      let first: number | undefined;
      for (const batch of this.inFlight) {
        for (const item of batch.collected) {
          if (item.state === state && !item.withdrawn && (first === undefined || item.offset < first)) {
            first = item.offset;
          }
        }
      }
      if (first === undefined) continue;
      for (const batch of this.inFlight) {
        for (const item of [...batch.collected, ...batch.setAside]) {
          if (item.state === state && item.offset >= first) item.withdrawn = true;
        }
      }
      this.unacked -= state.offsets.rewind(first);
      this.held.freeFrom(state.bytes, first);
      // A catch-up reader has passed the records taken back: a new one reads them again.
      if (state.catchUp) {
        void state.catchUp.reader?.stop();
        delete state.catchUp;
      }
    }
  }

  /** Waits for the confirmations of the acks received so far, at most `timeoutMs` (endCommitTimeoutMs). */
  private async confirmed(timeoutMs = this.deps.limits.endCommitTimeoutMs): Promise<'done' | 'late'> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
      timer.unref();
    });
    const outcome = await Promise.race([this.confirmations.then(() => 'done' as const), late]);
    clearTimeout(timer);
    return outcome;
  }

  private async start(start: StartSubscription): Promise<void> {
    if (!SUBSCRIPTION_NAME.test(start.subscription)) {
      throw new GatewayError({
        code: 'INVALID_ARGUMENT',
        reason: ErrorReason.REQUEST_INVALID,
        message: 'subscription must be 1-63 lower-case letters, digits or dashes',
        fieldViolations: [
          { field: 'start.subscription', description: 'lower-case name such as cargo-feed', reason: 'REQUEST_INVALID' },
        ],
      });
    }
    this.usingViews = true;
    this.sharing.views.retain();
    const { chosen, purposes } = chooseFeeds(start, this.deps.feedsFor(this.principal), this.principal, Date.now());
    this.partner = { country: this.principal.country, agency: this.principal.agency, purposes };
    this.subscriptionId = `${this.principal.country.toLowerCase()}.${this.principal.agency.toLowerCase()}.${start.subscription}`;
    const { limits } = this.deps;
    this.maxUnacked = Math.min(start.maxUnacked || limits.defaultMaxUnacked, limits.maxUnacked);
    this.maxBatch = Math.min(start.maxBatchSize || limits.defaultMaxBatch, limits.maxBatch, this.maxUnacked);
    this.format =
      start.payloadFormat === PayloadFormat.AVRO_JSON ? PayloadFormat.AVRO_JSON : PayloadFormat.AVRO_CONFLUENT;
    const lows = new Map((await this.deps.bus.admin.listTopics()).map((t) => [t.topic, t.partitions]));
    await this.deps.claim?.(this);
    if (this.closed) return; // taken over, or gone, while it waited for the claim
    // Nothing is awaited from here to onStarted: a stream taken over is never registered as started.
    const saved = this.deps.cursors.get(this.subscriptionId);
    chosen.forEach((feed, feedIndex) => {
      const tail = this.deps.tails.get(feed.policy.topic);
      if (!tail)
        throw new GatewayError({
          code: 'UNAVAILABLE',
          reason: ErrorReason.BUS_UNAVAILABLE,
          message: `feed ${feedIdOf(feed)} is not being read`,
          retryAfterMs: 1_000,
        });
      for (let partition = 0; partition < tail.partitions; partition++) {
        const savedOffset = saved?.[feed.policy.topic]?.[String(partition)];
        const low = Number(lows.get(feed.policy.topic)?.find((p) => p.partition === partition)?.low ?? 0);
        const next =
          savedOffset !== undefined
            ? Number(savedOffset)
            : start.startPosition === StartPosition.LATEST
              ? tail.range(partition).end
              : low;
        this.states.push({
          feedIndex,
          feed,
          tail,
          partition,
          offsets: PartitionTracker.startingAt(next),
          bytes: this.held.partition(),
        });
      }
      this.unsubscribe.push(tail.onRecords(() => this.pump()));
    });
    this.commitStart(saved);
    this.onStarted(this);
    this.write({
      kind: {
        $case: 'started',
        value: {
          subscription: start.subscription,
          streamId: this.streamId,
          maxUnacked: this.maxUnacked,
          maxBatchSize: this.maxBatch,
          payloadFormat: this.format,
          feeds: chosen.map((feed) => describeFeed(feed, this.deps.viewSchemaId)),
        },
      },
    });
    // Its feeds were chosen before the positions were read: a change meanwhile is caught here.
    this.reevaluate(this.deps.policies(), Date.now());
    this.pump();
  }

  private async ack(cursors: readonly string[]): Promise<void> {
    const touched = new Set<PartitionState>();
    const accepted: string[] = [];
    for (const cursor of cursors) {
      const parts = cursor.split(':');
      const [stream, feedIndex, partition, offset] = parts;
      if (
        parts.length !== 4 ||
        !/^\d+$/.test(feedIndex ?? '') ||
        !/^\d+$/.test(partition ?? '') ||
        !/^\d+$/.test(offset ?? '')
      ) {
        throw new GatewayError({
          code: 'INVALID_ARGUMENT',
          reason: ErrorReason.CURSOR_INVALID,
          message: `'${cursor.slice(0, 80)}' is not a cursor`,
        });
      }
      if (stream !== this.streamId) continue; // from an earlier stream: its record is delivered again here
      const state = this.states.find((s) => s.feedIndex === Number(feedIndex) && s.partition === Number(partition));
      if (!state) continue;
      const removed = state.offsets.acknowledgeUpTo(Number(offset));
      if (removed > 0) {
        this.held.freeUpTo(state.bytes, Number(offset));
        this.unacked -= removed;
        this.deps.onAcked?.(removed);
        touched.add(state);
      }
      accepted.push(cursor);
    }
    // The window is free again at once; the commit follows in the background.
    this.pump();
    this.commitPositions(touched, accepted);
  }

  /**
   * Commits where a new subscription starts, before anything is acknowledged: should its partner
   * move to another gateway instance (or stream) first, it resumes here, not at that instance's
   * idea of LATEST, which would skip what this stream sent and nobody acknowledged. A handover
   * waits for it like for any commit.
   */
  private commitStart(saved: CursorPositions | undefined): void {
    const byTopic = new Map<string, Map<number, number>>();
    for (const state of this.states) {
      const topic = state.feed.policy.topic;
      if (saved?.[topic]?.[String(state.partition)] !== undefined) continue;
      const positions = byTopic.get(topic) ?? new Map<number, number>();
      positions.set(state.partition, state.offsets.next);
      byTopic.set(topic, positions);
    }
    if (byTopic.size === 0) return;
    const committed = Promise.all(
      [...byTopic].map(([topic, positions]) =>
        this.deps.cursors.commit(this.subscriptionId, topic, positions, this.streamId),
      ),
    );
    committed.catch(() => undefined); // handled in turn below
    this.confirmations = this.confirmations
      .then(() => committed)
      .then(() => undefined)
      .catch((error: unknown) => this.fail(commitFailed(this.subscriptionId, error)));
  }

  /**
   * Commits, per topic, everything before each partition's first unacknowledged delivery or
   * unwritten dead letter; confirms `accepted` cursors once it has landed.
   */
  private commitPositions(touched: ReadonlySet<PartitionState>, accepted: readonly string[]): void {
    const byTopic = new Map<string, Map<number, number>>();
    for (const state of touched) {
      const position = state.offsets.toCommit();
      if (position === undefined) continue;
      const positions = byTopic.get(state.feed.policy.topic) ?? new Map<number, number>();
      positions.set(state.partition, position);
      byTopic.set(state.feed.policy.topic, positions);
    }
    const committed = Promise.all(
      [...byTopic].map(async ([topic, positions]) => {
        await this.deps.cursors.commit(this.subscriptionId, topic, positions, this.streamId);
        for (const state of touched) {
          const landed = state.feed.policy.topic === topic ? positions.get(state.partition) : undefined;
          if (landed !== undefined) state.offsets.committedAt(landed);
        }
      }),
    );
    committed.catch(() => undefined); // handled in turn below, not unhandled meanwhile
    // Confirmations go out in the order of the acks, each once its commit has landed.
    this.confirmations = this.confirmations
      .then(() => committed)
      .then(() => {
        if (accepted.length > 0) this.write({ kind: { $case: 'committed', value: { cursors: [...accepted] } } });
      })
      .catch((error: unknown) => this.fail(commitFailed(this.subscriptionId, error)));
  }

  /** Delivers what is available within the window, in the gateway's turns; calls coalesce. */
  pump(): void {
    if (this.closed || this.ending || !this.subscriptionId) return;
    this.sharing.turns.request(this.taker);
  }

  /**
   * One batch of at most `max` records, audited before it is sent, sent in the order collected;
   * the next batch (on a later turn) is prepared while this one's disclosures (and dead letters)
   * are on their way to Kafka. Returns how many records it took: 0 when the window, the byte
   * caps or the feeds leave nothing to take now.
   */
  private takeTurn(max: number): number {
    let taken = 0;
    try {
      taken = this.takeBatch(max);
    } catch (error) {
      this.fail(error);
      return 0;
    }
    if (taken === 0 && this.behind && !this.closed && this.atEnd()) {
      // After every batch taken so far is sent: `caught_up` never overtakes a delivery.
      this.sending = this.sending.then(() => this.announceCaughtUp());
    }
    return taken;
  }

  private takeBatch(max: number): number {
    if (this.closed || this.ending || this.unacked >= this.maxUnacked || this.auditing >= MAX_AUDITS_IN_FLIGHT)
      return 0;
    const { budget } = this.sharing;
    if (!budget.mayTake(this.held.total)) {
      // Over its own cap, its acks wake it; over the shared one, bytes freed by any stream do.
      if (budget.overTotal()) budget.wait(this.wake);
      return 0;
    }
    const batch = this.collect(Math.min(this.maxBatch, this.maxUnacked - this.unacked, max));
    const taken = batch.collected.length + batch.setAside.length;
    if (taken === 0) return 0;
    this.inFlight.add(batch);
    this.auditing++;
    const audited =
      batch.corrections > 0
        ? this.settleCorrections(batch).then(() => this.deps.audit(toAudit(batch)))
        : this.deps.audit(toAudit(batch));
    const written = Promise.all([
      audited,
      Promise.all(batch.setAside.map((bad) => this.deps.deadLetter(bad.record, bad.error))),
    ]);
    // Its failure is handled in turn below; meanwhile it must not count as unhandled.
    written.catch(() => undefined);
    this.sending = this.sending
      .then(() => written)
      .then(([auditSetAside]) => this.send(batch, auditSetAside))
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.inFlight.delete(batch);
        this.auditing--;
        this.pump();
      });
    return taken;
  }

  /**
   * Asks the origins' ledgers whether the subscriber received what the batch's withheld
   * corrections supersede: those it did become retraction notices, in their place in the batch.
   * A ledger that stays unavailable fails the batch (nothing of it is sent or committed).
   */
  private async settleCorrections(batch: Batch): Promise<void> {
    const lookup = this.deps.corrections;
    const pending = batch.collected.filter((item) => item.correction !== undefined);
    if (!lookup || pending.length === 0) return;
    const corrections = pending.map((item) => item.correction as WithheldCorrection);
    const received = await lookup.received(corrections, this.principal);
    pending.forEach((item, index) => {
      if (received[index]) item.evaluation = corrections[index]?.notice;
    });
  }

  /**
   * Sends a batch's deliveries, less what was set aside or withdrawn, and releases what was set
   * aside. Once here a batch is no longer in flight: a later change of version does not touch it.
   */
  private send(batch: Batch, auditSetAside: readonly DeliveredRecord[]): void {
    this.inFlight.delete(batch);
    const touched = new Set<PartitionState>();
    for (const bad of batch.setAside) {
      if (bad.withdrawn) continue;
      bad.state.offsets.release(bad.offset);
      touched.add(bad.state);
    }
    const dropped = new Set(auditSetAside);
    const deliveries: Delivery[] = [];
    for (const item of batch.collected) {
      if (item.withdrawn) continue; // taken back: evaluated again under the feed's new version
      if (!item.evaluation || dropped.has(item.evaluation.delivered)) {
        // A correction owing no notice, or written to the dead-letter topic by the audit: done, as if acknowledged.
        item.state.offsets.acknowledge(item.offset);
        this.held.freeAt(item.state.bytes, item.offset);
        this.unacked--;
        touched.add(item.state);
        continue;
      }
      deliveries.push(item.evaluation.delivery);
    }
    // After a half-close (or a revocation) nothing more is delivered: these stay unacknowledged,
    // delivered again on a later stream; only what is written counts as delivered.
    if (deliveries.length > 0 && !this.ending && !this.closed) {
      this.write({ kind: { $case: 'deliveries', value: { deliveries } } });
      for (const item of batch.collected) {
        const delivered = item.evaluation?.delivered;
        // A retraction notice is not a record delivered: its correction counted as withheld.
        if (!item.withdrawn && delivered && !delivered.retraction && !dropped.has(delivered)) {
          this.deps.onDelivered?.(delivered.feed, 1);
        }
      }
    }
    if (touched.size > 0 && !this.closed) this.commitPositions(touched, []);
  }

  /** Every partition read to the end the gateway has seen, nothing of it waiting to be sent. */
  private atEnd(): boolean {
    return this.states.every((state) => !state.catchUp && state.offsets.next >= state.tail.range(state.partition).end);
  }

  private announceCaughtUp(): void {
    if (this.closed || !this.behind || this.auditing > 0 || !this.atEnd()) return;
    this.behind = false;
    this.write({ kind: { $case: 'caughtUp', value: { asOf: new Date() } } });
  }

  private collect(max: number): Batch {
    const collected: Collected[] = [];
    const setAside: SetAside[] = [];
    let corrections = 0;
    const count = this.states.length;
    let idle = 0;
    // Records set aside count towards the batch: a run of bad records is worked through in steps.
    while (collected.length + setAside.length < max && idle < count) {
      const state = this.states[this.nextState % count];
      this.nextState = (this.nextState + 1) % count;
      if (!state) break;
      const entry = this.nextEntry(state);
      if (!entry) {
        idle++;
        continue;
      }
      idle = 0;
      this.behind = true;
      const offset = Number(entry.record.offset);
      state.offsets.take(offset);
      const result = evaluateRecord(
        {
          codec: this.deps.codec,
          viewSchemaId: this.deps.viewSchemaId,
          format: this.format,
          partner: this.partner,
          principal: this.principal,
          subscriptionId: this.subscriptionId,
          streamId: this.streamId,
          ...(this.deps.onWithheld ? { onWithheld: this.deps.onWithheld } : {}),
          views: this.sharing.views,
        },
        state,
        entry,
      );
      if (!result) continue;
      if ('correction' in result) {
        // Its notice may be owed (the ledger is asked before the batch is audited): held like a delivery.
        if (!this.deps.corrections?.covers(result.correction.origin)) continue;
        state.offsets.deliver(offset);
        this.held.hold(state.bytes, offset, DELIVERY_OVERHEAD_BYTES);
        this.unacked++;
        collected.push({ state, offset, evaluation: undefined, correction: result.correction });
        corrections++;
        continue;
      }
      if ('setAside' in result) {
        state.offsets.hold(offset);
        setAside.push({ state, offset, record: entry.record, error: result.setAside });
        continue;
      }
      state.offsets.deliver(offset);
      this.held.hold(state.bytes, offset, DELIVERY_OVERHEAD_BYTES + result.delivery.payload.length);
      this.unacked++;
      collected.push({ state, offset, evaluation: result });
    }
    return { collected, setAside, corrections };
  }

  /** The record at the state's position: from the shared tail, or its own catch-up reader. */
  private nextEntry(state: PartitionState): TailEntry | undefined {
    const range = state.tail.range(state.partition);
    const next = state.offsets.next;
    if (next >= range.start) {
      if (state.catchUp) {
        void state.catchUp.reader?.stop();
        delete state.catchUp;
      }
      if (next >= range.end) return undefined;
      return state.tail.entry(state.partition, next);
    }
    if (!state.catchUp) {
      this.startCatchUp(state);
      return undefined;
    }
    const queue = state.catchUp.queue;
    while (queue.length > 0 && Number(queue[0]?.record.offset) < next) queue.shift();
    const entry = queue.shift();
    if (state.catchUp.paused && queue.length < this.deps.limits.catchUpQueue / 2) {
      state.catchUp.paused = false;
      state.catchUp.reader?.resume();
    }
    return entry;
  }

  private startCatchUp(state: PartitionState): void {
    const catchUp: NonNullable<PartitionState['catchUp']> = { reader: undefined, queue: [], paused: false };
    state.catchUp = catchUp;
    this.deps.bus
      .readFrom({
        topic: state.feed.policy.topic,
        positions: [{ partition: state.partition, offset: String(state.offsets.next) }],
        handler: async (batch) => {
          for (const record of batch.records) catchUp.queue.push({ record });
          if (catchUp.queue.length >= this.deps.limits.catchUpQueue && !catchUp.paused) {
            catchUp.paused = true;
            catchUp.reader?.pause();
          }
          this.pump();
        },
      })
      .then((reader) => {
        catchUp.reader = reader;
        if (this.closed || state.catchUp !== catchUp) void reader.stop();
        else if (catchUp.paused) reader.pause();
      })
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: error, subscription: this.subscriptionId }, 'catch-up reader failed; retrying');
        if (state.catchUp === catchUp) delete state.catchUp;
        setTimeout(() => this.pump(), 1_000).unref();
      });
  }

  private write(message: SubscribeResponse): void {
    if (!this.closed) this.call.write(message);
  }
}

/** What a batch's audit writes: every delivery and notice it may send. */
function toAudit(batch: Batch): DeliveredRecord[] {
  const delivered: DeliveredRecord[] = [];
  for (const item of batch.collected) if (item.evaluation) delivered.push(item.evaluation.delivered);
  return delivered;
}

/** A cursor commit that failed: the stream ends, and what it did not confirm comes again. */
function commitFailed(subscriptionId: string, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError({
    code: 'UNAVAILABLE',
    reason: ErrorReason.BUS_UNAVAILABLE,
    message: `the cursor of ${subscriptionId} could not be committed; unconfirmed records will be delivered again`,
    retryAfterMs: 1_000,
    cause: error,
  });
}

function protocol(message: string): GatewayError {
  return new GatewayError({ code: 'FAILED_PRECONDITION', reason: ErrorReason.PROTOCOL_VIOLATION, message });
}
