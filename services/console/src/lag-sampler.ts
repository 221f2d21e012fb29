// Lag and topic sizes over time, for the Lag page's chart and the Topics page's rates. While
// operators are signed in, each country's lag and topic end offsets are sampled every interval
// with a signed-in operator of that country (so the gateway's rules apply to the sampling too),
// keeping a bounded history. Only countries whose operators used the API lately are sampled:
// nobody looking, nothing is asked. A token the gateway no longer accepts ends its session.
import type { Country } from '@puente/runtime';
import type { GetSubscriptionLagResponse } from '@puente/proto';

import { ConsoleError } from './errors.js';
import type { OperatorCalls } from './operator-calls.js';
import type { Session } from './sessions.js';

export interface LagSample {
  /** Epoch milliseconds. */
  readonly at: number;
  /** Total lag per subscription (`<country>.<agency>.<name>`) and per consumer group (`group:<id>`). */
  readonly lag: Readonly<Record<string, number>>;
  /** Approximate retained records per topic as the operator sees it (`<topic>` or `<topic>@<agreement>`). */
  readonly records: Readonly<Record<string, number>>;
}

export interface LagSampler {
  start(): void;
  stop(): void;
  /** Samples one country now (at sign-in, so the first page already has a point). */
  sample(session: Session): Promise<void>;
  /** Samples every country an operator used the API for lately (what the timer does). */
  tick(): Promise<void>;
  history(country: Country): readonly LagSample[];
  /**
   * The latest GetSubscriptionLag answer for the session's country, when it is younger than
   * `maxAgeMs` and was asked with this session's own token: another session's sample would answer
   * without the gateway ever seeing this token, so a revoked one would go on being served.
   */
  latestLag(session: Session, maxAgeMs: number): GetSubscriptionLagResponse | undefined;
  /** Records per second per topic key over the last two samples; empty until there are two. */
  rates(country: Country): Record<string, number>;
}

export interface LagSamplerOptions {
  readonly sessions: () => Session[];
  readonly callsFor: (session: Session) => OperatorCalls;
  readonly intervalMs: number;
  /** Samples kept per country (default 360: half an hour at 5 s). */
  readonly maxSamples?: number;
  /** A country is sampled while one of its sessions used the API this recently (default 10 min). */
  readonly activeWithinMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
  /** The gateway refused the session's token (revoked, expired): the session should end. */
  readonly onUnauthenticated?: (session: Session) => void;
}

export function topicKey(name: string, viewAgreementId: string): string {
  return viewAgreementId === '' ? name : `${name}@${viewAgreementId}`;
}

export function createLagSampler(options: LagSamplerOptions): LagSampler {
  const maxSamples = options.maxSamples ?? 360;
  const activeWithinMs = options.activeWithinMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const histories = new Map<Country, LagSample[]>();
  const latest = new Map<Country, { at: number; sessionId: string; answer: GetSubscriptionLagResponse }>();
  const inFlight = new Set<Country>();
  let timer: NodeJS.Timeout | undefined;

  async function sample(session: Session): Promise<void> {
    const country = session.operator.country;
    if (inFlight.has(country)) return;
    inFlight.add(country);
    try {
      const calls = options.callsFor(session);
      const [lag, topics] = await Promise.all([
        calls.getSubscriptionLag({ subscription: '', topic: '', consumerGroup: '' }),
        calls.listTopics({ prefix: '' }),
      ]);
      const lagByName: Record<string, number> = {};
      for (const s of lag.subscriptions) {
        lagByName[`${s.subscriber?.country ?? ''}.${s.subscriber?.agency ?? ''}.${s.subscription}`] = Number(
          s.totalLag,
        );
      }
      for (const g of lag.consumerGroups) lagByName[`group:${g.groupId}`] = Number(g.totalLag);
      const records: Record<string, number> = {};
      for (const t of topics.topics) records[topicKey(t.name, t.viewAgreementId)] = Number(t.approximateRecordCount);
      const at = now();
      latest.set(country, { at, sessionId: session.id, answer: lag });
      const history = histories.get(country) ?? [];
      history.push({ at, lag: lagByName, records });
      if (history.length > maxSamples) history.splice(0, history.length - maxSamples);
      histories.set(country, history);
    } catch (error) {
      if (error instanceof ConsoleError && error.code === 'NOT_SIGNED_IN') options.onUnauthenticated?.(session);
      else options.onError?.(error);
    } finally {
      inFlight.delete(country);
    }
  }

  async function tick(): Promise<void> {
    const byCountry = new Map<Country, Session>();
    const since = now() - activeWithinMs;
    // The most recently used session of each country: the likeliest to hold a token still valid.
    const active = options.sessions().filter((session) => session.lastUsedAt > since);
    active.sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    for (const session of active) byCountry.set(session.operator.country, session);
    await Promise.all([...byCountry.values()].map(sample));
  }

  return {
    start() {
      timer ??= setInterval(() => void tick(), options.intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    sample,
    tick,
    history: (country) => histories.get(country) ?? [],
    latestLag(session, maxAgeMs) {
      const entry = latest.get(session.operator.country);
      return entry && entry.sessionId === session.id && now() - entry.at < maxAgeMs ? entry.answer : undefined;
    },
    rates(country) {
      const history = histories.get(country) ?? [];
      const last = history.at(-1);
      const before = history.at(-2);
      if (!last || !before || last.at === before.at) return {};
      const seconds = (last.at - before.at) / 1000;
      const rates: Record<string, number> = {};
      for (const [key, count] of Object.entries(last.records)) {
        const previous = before.records[key];
        if (previous !== undefined) rates[key] = Math.max(0, count - previous) / seconds;
      }
      return rates;
    },
  };
}
