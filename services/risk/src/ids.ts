// Deterministic ids for assessments: derived from the assessed manifest's eventId, so a service
// that restarts and assesses the same manifest again produces the same key and eventId.
import { createHash } from 'node:crypto';

import type { Country } from '@puente/runtime';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `RISK-<country>-<12 hex>`: the Kafka key of the assessment of one manifest event. */
export function assessmentIdFor(country: Country, manifestEventId: string): string {
  return `RISK-${country}-${sha256(manifestEventId).slice(0, 12).toUpperCase()}`;
}

/**
 * A name-based (version 5 style, SHA-256) UUID for the assessment event of one manifest event.
 * Not the shared nameBasedUuid (RFC 4122, SHA-1) on purpose: these ids are already published, and
 * partners dedupe by them, so switching schemes would give every re-assessed manifest a new id.
 */
export function assessmentEventIdFor(country: Country, manifestEventId: string): string {
  const hex = sha256(`puente-risk:${country}:${manifestEventId}`).slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Hashed consignor key carried in a header, so history can be rebuilt without exposing ids. */
export function shipperDigest(organizationKey: string): string {
  return sha256(`puente-risk-shipper:${organizationKey}`).slice(0, 32);
}
