// The words every Puente package shares, defined once: the countries of the agreement and the
// names of the topics between them. Contracts checks them against the schema catalog (the
// `Country` enum and the catalog's topics), so the two cannot drift apart.

/** The parties to the bi-national agreement, as the `Country` Avro enum lists them. */
export const COUNTRIES = ['US', 'MX'] as const;
export type Country = (typeof COUNTRIES)[number];

export function isCountry(value: unknown): value is Country {
  return typeof value === 'string' && (COUNTRIES as readonly string[]).includes(value);
}

/** What a country's agencies publish, one topic per domain and country. */
export const DOMAINS = [
  'investigations',
  'prosecutions',
  'cargo-manifests',
  'screening-results',
  'risk-assessments',
  'traveller-crossings',
  'trusted-travellers',
  'pre-clearance-decisions',
] as const;
export type Domain = (typeof DOMAINS)[number];

export type DomainTopic<D extends Domain = Domain> = `${Lowercase<Country>}.${D}.v${number}`;

/** `<origin>.<domain>.v<major>`, e.g. `us.cargo-manifests.v1`. */
export function domainTopic<D extends Domain>(origin: Country, domain: D, major = 1): DomainTopic<D> {
  return `${origin.toLowerCase() as Lowercase<Country>}.${domain}.v${major}`;
}

/** Records that cannot be processed go to `dlq.<topic>`. */
export const DEAD_LETTER_PREFIX = 'dlq.';
export const deadLetterTopicOf = (topic: string): string => `${DEAD_LETTER_PREFIX}${topic}`;

/** The gateway's record of every disclosure to a partner. */
export const DISCLOSURE_TOPIC = 'audit.disclosures.v1';

/** Where a country's audit service publishes the signed checkpoints of its disclosure ledger. */
export type AuditCheckpointTopic = `${Lowercase<Country>}.audit-checkpoints.v1`;

/** `<country>.audit-checkpoints.v1`: shared by each agreement with the partner, so both hold the heads. */
export function auditCheckpointTopic(country: Country): AuditCheckpointTopic {
  return `${country.toLowerCase() as Lowercase<Country>}.audit-checkpoints.v1`;
}

/** Where the gateway keeps each partner subscription's committed positions (compacted). */
export const SUBSCRIPTION_CURSOR_TOPIC = 'puente.subscription-cursors';

/**
 * Where each gateway instance records the events Kafka acknowledged to it, so every instance
 * (and a restarted one) answers a repeated eventId as a duplicate (kept a little longer than the
 * dedupe window).
 */
export const PUBLISH_RECEIPTS_TOPIC = 'puente.publish-receipts';

/** Where each gateway instance announces itself and the agreements it serves (compacted, keyed by instance id). */
export const GATEWAY_INSTANCES_TOPIC = 'puente.gateway-instances';
