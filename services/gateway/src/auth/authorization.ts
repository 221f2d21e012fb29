// Who may do what: publishers write only their own country's topics of their allowed domains;
// subscribers read only feeds of agreements that name their country (and agency); operators
// inspect raw data of their own country only, and partner data only as an agreement's view.
import { readFileSync } from 'node:fs';

import { ErrorReason } from '@puente/proto';
import type { Feed, Partner, PolicySet } from '@puente/policy';
import { COUNTRIES, DEAD_LETTER_PREFIX, isCountry } from '@puente/runtime';
import { parse } from 'yaml';

import { GatewayError, topicNotFound } from '../grpc/errors.js';
import type { Principal, Role } from './identity.js';

export type PublishPermissions = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export function loadPublishPermissions(file: string): PublishPermissions {
  const raw: unknown = parse(readFileSync(file, 'utf8'));
  const problems: string[] = [];
  const out: Record<string, Record<string, string[]>> = {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`${file}: expected a mapping of country → agency → [domains]`);
  }
  for (const [country, agencies] of Object.entries(raw)) {
    if (!isCountry(country)) problems.push(`${file}: '${country}' is not a country (${COUNTRIES.join(', ')})`);
    if (agencies === null || typeof agencies !== 'object' || Array.isArray(agencies)) {
      problems.push(`${file}: ${country} must map agencies to lists of domains`);
      continue;
    }
    out[country] = {};
    for (const [agency, domains] of Object.entries(agencies as Record<string, unknown>)) {
      if (!Array.isArray(domains) || !domains.every((d) => typeof d === 'string')) {
        problems.push(`${file}: ${country}.${agency} must be a list of domains`);
        continue;
      }
      out[country][agency] = domains;
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return out;
}

/** Refuses a caller holding none of `roles`. */
export function requireRole(principal: Principal, ...roles: readonly [Role, ...Role[]]): void {
  if (!roles.some((role) => principal.roles.includes(role))) {
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.ROLE_NOT_ALLOWED,
      message: `${principal.name} (${principal.country}/${principal.agency}) lacks the ${roles.join(' or ')} role`,
    });
  }
}

export interface TopicName {
  readonly origin: string;
  readonly domain: string;
  readonly version: string;
}

export function parseTopicName(topic: string): TopicName | undefined {
  const match = /^([a-z]+)\.([a-z][a-z0-9-]*)\.(v[0-9]+)$/.exec(topic);
  return match ? { origin: match[1] ?? '', domain: match[2] ?? '', version: match[3] ?? '' } : undefined;
}

export function authorizePublish(principal: Principal, topic: string, permissions: PublishPermissions): void {
  requireRole(principal, 'publisher');
  const name = parseTopicName(topic);
  if (!name) {
    throw topicNotFound(topic, `'${topic}' is not a Puente topic name (<origin>.<domain>.v<major>)`);
  }
  if (name.origin.toUpperCase() !== principal.country) {
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.ORIGIN_MISMATCH,
      message: `${principal.country}/${principal.agency} may only publish ${principal.country} topics, not '${topic}'`,
      metadata: { topic },
      fieldViolations: [
        { field: 'topic', description: `must be a ${principal.country} topic`, reason: 'ORIGIN_MISMATCH' },
      ],
    });
  }
  const allowed = permissions[principal.country]?.[principal.agency] ?? [];
  if (!allowed.includes(name.domain)) {
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.TOPIC_NOT_ALLOWED,
      message: `${principal.country}/${principal.agency} may not publish ${name.domain} (allowed: ${allowed.join(', ') || 'none'})`,
      metadata: { topic },
    });
  }
}

/** A topic an operator may ask about: domain events, their dead letters, or the disclosure log. */
export type InspectableTopic =
  | { readonly kind: 'events'; readonly topic: string; readonly origin: string; readonly domain: string }
  | {
      readonly kind: 'dead-letter';
      readonly topic: string;
      /** The topic whose poison records this one holds. */
      readonly source: string;
      readonly origin: string;
      readonly domain: string;
    }
  | { readonly kind: 'audit'; readonly topic: string };

/** Classifies a topic name; undefined for internal and unknown names (`puente.*`, `__*` …). */
export function classifyTopic(topic: string): InspectableTopic | undefined {
  if (/^audit\.[a-z][a-z0-9-]*\.v[0-9]+$/.test(topic)) return { kind: 'audit', topic };
  if (topic.startsWith(DEAD_LETTER_PREFIX)) {
    const source = topic.slice(DEAD_LETTER_PREFIX.length);
    const name = parseTopicName(source);
    return name && { kind: 'dead-letter', topic, source, origin: name.origin.toUpperCase(), domain: name.domain };
  }
  const name = parseTopicName(topic);
  return name && { kind: 'events', topic, origin: name.origin.toUpperCase(), domain: name.domain };
}

/** The agreements that share `topic` with `country`, one feed per agreement. */
export function feedsSharing(policies: PolicySet, topic: string, country: string): Feed[] {
  return policies.agreements.flatMap((agreement) => {
    const policy = agreement.topics.get(topic);
    return policy && agreement.to.country === country ? [{ agreement, policy }] : [];
  });
}

/**
 * The agreement whose view another country's topic is seen through when the caller names none:
 * the one sharing it with the caller's country; NO_AGREEMENT when none does, or when several do
 * (the caller must choose, and the message lists them).
 */
function onlySharingAgreement(policies: PolicySet, principal: Principal, topic: string): string {
  const sharing = feedsSharing(policies, topic, principal.country).map((feed) => feed.agreement.id);
  if (sharing.length === 1) return sharing[0] as string;
  const who = `${principal.country}/${principal.agency}`;
  throw denied(
    ErrorReason.NO_AGREEMENT,
    sharing.length === 0
      ? `${who} may not inspect '${topic}': no agreement shares it with ${principal.country}`
      : `${who} sees '${topic}' through one of several agreements: set view_agreement_id (${sharing.join(', ')})`,
    { topic },
  );
}

/**
 * The recipient an agreement's view is computed for when the caller is not the recipient
 * (an owner previewing its own topic, or an explanation for a whole country): the given agency,
 * else the first agency the agreement names, else the country as a whole.
 */
export function recipientOf(feed: Feed, agency = ''): Partner {
  const { to } = feed.agreement;
  return { country: to.country, agency: agency || (to.agencies?.[0] ?? '') };
}

export type InspectAccess =
  | { readonly access: 'raw'; readonly topic: InspectableTopic }
  | {
      readonly access: 'view';
      readonly topic: InspectableTopic & { readonly kind: 'events' };
      readonly feed: Feed;
      /** Whom the view is computed for. */
      readonly partner: Partner;
    };

function denied(reason: ErrorReason, message: string, metadata: Record<string, string>): GatewayError {
  return new GatewayError({ code: 'PERMISSION_DENIED', reason, message, metadata });
}

/**
 * How an operator may see a topic. Raw: its own country's event topics and their dead letters,
 * and the disclosure log (both countries: a disclosure record names what was released to whom,
 * which both parties to the agreement know, and carries no field values). Another country's
 * events only as the view of `viewAgreementId`, which must share the topic with the operator's
 * country (when empty, the one agreement that does), computed for the operator's own country and
 * agency. Another country's dead letters never (they hold raw records no policy has looked at). An
 * own topic with `viewAgreementId` is a preview of what that agreement's recipient receives.
 */
export function authorizeInspect(
  principal: Principal,
  topic: string,
  options: { readonly viewAgreementId: string; readonly policies: PolicySet },
): InspectAccess {
  requireRole(principal, 'operator');
  const inspected = classifyTopic(topic);
  const who = `${principal.country}/${principal.agency}`;
  if (!inspected) {
    throw denied(ErrorReason.TOPIC_NOT_ALLOWED, `'${topic}' is not a topic operators inspect`, { topic });
  }
  const { viewAgreementId, policies } = options;
  if (inspected.kind !== 'events') {
    if (viewAgreementId !== '') {
      throw new GatewayError({
        code: 'INVALID_ARGUMENT',
        reason: ErrorReason.REQUEST_INVALID,
        message: `'${topic}' has no agreement views; leave view_agreement_id empty`,
        fieldViolations: [
          { field: 'view_agreement_id', description: 'only event topics have views', reason: 'REQUEST_INVALID' },
        ],
      });
    }
    if (inspected.kind === 'dead-letter' && inspected.origin !== principal.country) {
      throw denied(
        ErrorReason.TOPIC_NOT_ALLOWED,
        `${who} may not inspect '${topic}': dead letters hold raw ${inspected.origin} records, for ${inspected.origin} operators only`,
        { topic },
      );
    }
    return { access: 'raw', topic: inspected };
  }
  const own = inspected.origin === principal.country;
  if (viewAgreementId === '' && own) return { access: 'raw', topic: inspected };
  const agreementId = viewAgreementId === '' ? onlySharingAgreement(policies, principal, topic) : viewAgreementId;
  const agreement = policies.agreement(agreementId);
  if (!agreement) {
    throw new GatewayError({
      code: 'NOT_FOUND',
      reason: ErrorReason.AGREEMENT_NOT_FOUND,
      message: `no agreement '${agreementId}' is loaded`,
      metadata: { agreement: agreementId },
      resourceInfo: {
        resourceType: 'puente.agreement',
        resourceName: agreementId,
        owner: '',
        description: 'no agreement with this id is loaded',
      },
    });
  }
  const policy = agreement.topics.get(topic);
  if (!policy || (!own && agreement.to.country !== principal.country)) {
    throw denied(
      ErrorReason.NO_AGREEMENT,
      own
        ? `agreement ${agreement.id} does not share '${topic}'`
        : `agreement ${agreement.id} does not share '${topic}' with ${principal.country}`,
      { topic, agreement: agreement.id },
    );
  }
  const feed = { agreement, policy };
  return {
    access: 'view',
    topic: inspected,
    feed,
    partner: own ? recipientOf(feed) : { country: principal.country, agency: principal.agency },
  };
}
