// The record format of the gateway-instances topic: one gateway instance, when it last spoke,
// and the agreements it serves (id, version, digest of the agreement's text). Keyed by instance
// id in a compacted topic; a null value (tombstone) says the instance stopped. A reader trusts
// nothing in it: a malformed record is reported and left out.
import type { PolicySet } from '@puente/policy';

export interface ServedAgreement {
  readonly id: string;
  readonly version: number;
  /** SHA-256 of the agreement file's text: two files of one version that differ still show. */
  readonly digest: string;
}

export interface Announcement {
  readonly instance: string;
  /** When the instance sent it (ms, its clock): an instance is live while this is recent. */
  readonly at: number;
  readonly agreements: readonly ServedAgreement[];
}

const VERSION = 1;

/** What a gateway serves now: every agreement loaded (in force or not yet), by id. */
export function servedAgreements(policies: PolicySet): ServedAgreement[] {
  return policies.agreements
    .map((a) => ({ id: a.id, version: a.version, digest: a.sourceDigest }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function encodeAnnouncement(announcement: Announcement): Buffer {
  return Buffer.from(JSON.stringify({ v: VERSION, ...announcement }), 'utf8');
}

/** The announcement in a record, or why it is not one. Never throws. */
export function decodeAnnouncement(value: Buffer): Announcement | { readonly problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return { problem: 'the record is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { problem: 'the record is not an object' };
  const { v, instance, at, agreements } = parsed as Record<string, unknown>;
  if (v !== VERSION) return { problem: `unknown announcement version ${JSON.stringify(v)}` };
  if (typeof instance !== 'string' || instance === '') return { problem: 'instance is not a non-empty string' };
  if (typeof at !== 'number' || !Number.isFinite(at)) return { problem: 'at is not a time' };
  if (!Array.isArray(agreements)) return { problem: 'agreements is not an array' };
  const served: ServedAgreement[] = [];
  for (const a of agreements as unknown[]) {
    const { id, version, digest } = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
    if (typeof id !== 'string' || typeof version !== 'number' || typeof digest !== 'string')
      return { problem: 'an agreement lacks id, version or digest' };
    served.push({ id, version, digest });
  }
  return { instance, at, agreements: served };
}
