// The event envelope and the options every generator shares.
import { COUNTRIES, type Country, type Domain, domainTopic } from '@puente/runtime';

import type { Rng } from './prng.js';
import { defaultReferenceData, type ReferenceData } from './reference-data.js';

export type EventKind = 'cargo' | 'investigation' | 'prosecution' | 'crossing' | 'trusted-traveller';
/** The kinds the agency simulator mixes at its steady rate; trusted-traveller statuses are published at start. */
export type MixedEventKind = Exclude<EventKind, 'trusted-traveller'>;
export type Classification = 'PUBLIC' | 'SENSITIVE' | 'LAW_ENFORCEMENT_SENSITIVE' | 'RESTRICTED';
export type Purpose = 'BORDER_SECURITY' | 'CUSTOMS' | 'CRIMINAL_INVESTIGATION' | 'PROSECUTION' | 'TRADE_FACILITATION';

/** The agency that publishes each kind of event in each country. */
export const PUBLISHING_AGENCY: Readonly<Record<Country, Readonly<Record<EventKind, string>>>> = Object.freeze({
  // Travellers are inspected by the country entered: CBP northbound, INM southbound; each programme
  // office (CBP Trusted Traveler Programs, INM Viajero Confiable) publishes its own registry.
  US: { cargo: 'CBP', investigation: 'HSI', prosecution: 'USAO', crossing: 'CBP', 'trusted-traveller': 'CBP' },
  MX: { cargo: 'ANAM', investigation: 'FGR', prosecution: 'FGR', crossing: 'INM', 'trusted-traveller': 'INM' },
});

const DOMAIN: Readonly<Record<EventKind, Domain>> = {
  cargo: 'cargo-manifests',
  investigation: 'investigations',
  prosecution: 'prosecutions',
  crossing: 'traveller-crossings',
  'trusted-traveller': 'trusted-travellers',
};

export const topicOf = (country: Country, kind: EventKind): string => domainTopic(country, DOMAIN[kind]);

export interface GeneratorOptions {
  /** Clock for occurredAt and every date derived from "today" (default Date.now). */
  readonly now?: () => number;
  /** Share of cargo manifests with one party named as a variant of a watchlist entry (default 0.05). */
  readonly watchlistHitRate?: number;
  /** Share of cargo manifests carrying a high-risk goods line (default 0.02). */
  readonly riskyGoodsRate?: number;
  /** Share of traveller crossings by a variant of a person on the entered country's watchlist (default 0.01). */
  readonly travellerHitRate?: number;
  /** Watchlists and trusted shippers (default: this checkout's deploy/ files). */
  readonly reference?: ReferenceData;
}

export interface CompiledGeneratorOptions {
  readonly now: () => number;
  readonly watchlistHitRate: number;
  readonly riskyGoodsRate: number;
  readonly travellerHitRate: number;
  readonly reference: ReferenceData;
}

export function compileGeneratorOptions(options: GeneratorOptions = {}): CompiledGeneratorOptions {
  const rate = (name: string, value: number | undefined, fallback: number) => {
    const v = value ?? fallback;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${String(value)}`);
    return v;
  };
  return {
    now: options.now ?? Date.now,
    watchlistHitRate: rate('watchlistHitRate', options.watchlistHitRate, 0.05),
    riskyGoodsRate: rate('riskyGoodsRate', options.riskyGoodsRate, 0.02),
    travellerHitRate: rate('travellerHitRate', options.travellerHitRate, 0.01),
    reference: options.reference ?? defaultReferenceData(),
  };
}

/** A party deliberately named after a watchlist entry. */
export interface WatchlistHit {
  readonly entryId: string;
  /** The entry's listed name. */
  readonly listedName: string;
  readonly role: 'consignor' | 'consignee' | 'carrier' | 'driver' | 'traveller';
  /** The name as it appears in the event ("Given Surname Second" for persons). */
  readonly name: string;
  readonly variant: string;
}

export interface GeneratedEvent {
  readonly topic: string;
  /** The Kafka key (manifestId, caseId, prosecutionId, crossingId or membershipId). */
  readonly key: string;
  /** "US/CBP" and so on: who publishes it. */
  readonly publisher: string;
  readonly kind: EventKind;
  /** Friendly JSON for `codec.fromFriendlyJson(topic, value)`; `codec.toAvroJson` of that value is the AVRO_JSON payload. */
  readonly value: Record<string, unknown> & { meta: Record<string, unknown> };
  readonly watchlistHits: readonly WatchlistHit[];
}

export interface MetaOptions {
  readonly country: Country;
  readonly kind: EventKind;
  readonly now: number;
  readonly classification: readonly (readonly [Classification, number])[];
  readonly purposes: readonly Purpose[];
  readonly correlationId?: string | null;
}

export function eventMeta(rng: Rng, options: MetaOptions): Record<string, unknown> {
  return {
    eventId: rng.uuid(),
    occurredAt: new Date(options.now).toISOString(),
    originCountry: options.country,
    originAgency: PUBLISHING_AGENCY[options.country][options.kind],
    classification: rng.weighted(options.classification),
    // Mostly bilateral; a few records stay domestic.
    releasableTo: rng.chance(0.93) ? [...COUNTRIES] : [options.country],
    purposes: [...options.purposes],
    correlationId: options.correlationId ?? null,
    supersedes: null,
  };
}
