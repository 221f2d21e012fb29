// Reads the other country's screening result out of its policy view (partner-feed.ts unwraps
// the Avro-JSON unions): a hit is a POTENTIAL_MATCH or CONFIRMED_MATCH that names the manifest
// (trip number, the same in both countries) and the role of the party screened in it.
import type { ManifestPartyRole, ScreeningOutcome } from '@puente/contracts';

import type { PartnerRecord } from './partner-feed.js';

export interface PartnerHit {
  /** The partner's topic, e.g. "mx.screening-results.v1". */
  readonly topic: string;
  /** The screening result's meta.eventId. */
  readonly eventId: string;
  readonly screeningId: string;
  readonly originCountry: string;
  readonly originAgency: string;
  readonly outcome: Extract<ScreeningOutcome, 'POTENTIAL_MATCH' | 'CONFIRMED_MATCH'>;
  readonly manifestId: string;
  /** ManifestPartyRole; OTHER when the view does not carry it. */
  readonly partyRole: ManifestPartyRole;
  /** The watchlist(s) matched, as the agreement lets them show: the matched list id, else the lists' names. */
  readonly lists: readonly string[];
}

/** What a partner screening result means here: a hit, nothing to act on (with why), or unreadable (with why). */
export type PartnerFinding =
  | { readonly kind: 'hit'; readonly hit: PartnerHit }
  | { readonly kind: 'ignored'; readonly why: string }
  | { readonly kind: 'unreadable'; readonly why: string };

const ROLES: readonly ManifestPartyRole[] = ['CONSIGNOR', 'CONSIGNEE', 'CARRIER', 'CUSTOMS_BROKER', 'DRIVER', 'OTHER'];
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const object = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

export function partnerFindingOf(record: PartnerRecord): PartnerFinding {
  const view = record.view;
  const meta = object(view['meta']);
  const eventId = text(meta?.['eventId']) ?? text(record.eventId);
  const screeningId = text(view['screeningId']);
  const outcome = text(view['outcome']);
  if (!meta || !eventId) return { kind: 'unreadable', why: 'the view has no meta.eventId' };
  if (!screeningId) return { kind: 'unreadable', why: 'the view has no screeningId' };
  if (!outcome) return { kind: 'unreadable', why: 'the view has no outcome (does the agreement keep it?)' };
  if (outcome === 'CLEAR') return { kind: 'ignored', why: 'outcome CLEAR' };
  if (outcome !== 'POTENTIAL_MATCH' && outcome !== 'CONFIRMED_MATCH') {
    return { kind: 'unreadable', why: `outcome "${outcome}" is not a ScreeningOutcome` };
  }
  const manifestId = text(view['manifestReference']);
  if (!manifestId) return { kind: 'ignored', why: 'names no manifest (manifestReference)' };
  const role = text(view['partyRole']);
  const partyRole = ROLES.find((r) => r === role) ?? 'OTHER';
  const matched = text(object(view['matchedEntry'])?.['listId']);
  const named = Array.isArray(view['lists'])
    ? view['lists'].map((l) => text(object(l)?.['name'])).filter((n): n is string => n !== undefined)
    : [];
  return {
    kind: 'hit',
    hit: {
      topic: record.topic,
      eventId,
      screeningId,
      originCountry: text(meta['originCountry']) ?? 'partner',
      originAgency: text(meta['originAgency']) ?? '',
      outcome,
      manifestId,
      partyRole,
      lists: matched ? [matched] : named,
    },
  };
}
