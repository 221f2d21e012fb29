// Who may do what: publishers write only their own country's topics of their allowed domains;
// subscribers read only feeds of agreements that name their country (and agency); operators
// inspect raw data of their own country only.
import { readFileSync } from 'node:fs';

import { ErrorReason } from '@puente/proto';
import { parse } from 'yaml';

import { GatewayError } from './errors.js';
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
    if (country !== 'US' && country !== 'MX') problems.push(`${file}: '${country}' is not a country (US, MX)`);
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

export function requireRole(principal: Principal, role: Role): void {
  if (!principal.roles.includes(role)) {
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.ROLE_NOT_ALLOWED,
      message: `${principal.name} (${principal.country}/${principal.agency}) lacks the ${role} role`,
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
    throw new GatewayError({
      code: 'NOT_FOUND',
      reason: ErrorReason.TOPIC_NOT_FOUND,
      message: `'${topic}' is not a Puente topic name (<origin>.<domain>.v<major>)`,
    });
  }
  if (name.origin.toUpperCase() !== principal.country) {
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.ORIGIN_MISMATCH,
      message: `${principal.country}/${principal.agency} may only publish ${principal.country} topics, not '${topic}'`,
    });
  }
  const allowed = permissions[principal.country]?.[principal.agency] ?? [];
  if (!allowed.includes(name.domain)) {
    throw new GatewayError({
      code: 'PERMISSION_DENIED',
      reason: ErrorReason.TOPIC_NOT_ALLOWED,
      message: `${principal.country}/${principal.agency} may not publish ${name.domain} (allowed: ${allowed.join(', ') || 'none'})`,
    });
  }
}
