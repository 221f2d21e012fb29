// Lag and topic sizes over time, for the Lag page's chart and the Topics page's rates. While
// operators are signed in, each country's lag and topic end offsets are sampled every interval
// with a signed-in operator of that country (so the gateway's rules apply to the sampling too),
// keeping a bounded history; nobody signed in, nothing is asked.
import type { Country } from '@puente/runtime';

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
  history(country: Country): readonly LagSample[];
  /** Records per second per topic key over the last two samples; empty until there are two. */
  rates(country: Country): Record<string, number>;
}

export interface LagSamplerOptions {
  readonly sessions: () => Session[];
  readonly callsFor: (session: Session) => OperatorCalls;
  readonly intervalMs: number;
  /** Samples kept per country (default 360: half an hour at 5 s). */
  readonly maxSamples?: number;
  readonly onError?: (error: unknown) => void;
}

export function topicKey(name: string, viewAgreementId: string): string {
  return viewAgreementId === '' ? name : `${name}@${viewAgreementId}`;
}

export function createLagSampler(options: LagSamplerOptions): LagSampler {
  const maxSamples = options.maxSamples ?? 360;
  const histories = new Map<Country, LagSample[]>();
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
      const history = histories.get(country) ?? [];
      history.push({ at: Date.now(), lag: lagByName, records });
      if (history.length > maxSamples) history.splice(0, history.length - maxSamples);
      histories.set(country, history);
    } catch (error) {
      options.onError?.(error);
    } finally {
      inFlight.delete(country);
    }
  }

  async function tick(): Promise<void> {
    const byCountry = new Map<Country, Session>();
    for (const session of options.sessions()) byCountry.set(session.operator.country, session);
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
    history: (country) => histories.get(country) ?? [],
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
