// Who may ask the OperatorService what: the operator role for every RPC, and the ways an operator
// sees each topic (raw, or one view per agreement sharing it). authorizeInspect decides for one
// named topic; these are the rules for the RPCs that look at many.
import type { PolicySet } from '@puente/policy';

import { feedsSharing, requireRole, type InspectableTopic, type InspectAccess } from '../auth/authorization.js';
import type { Principal } from '../auth/identity.js';

/** Refuses (PERMISSION_DENIED, ROLE_NOT_ALLOWED) a caller without the operator role. */
export function requireOperator(principal: Principal): void {
  requireRole(principal, 'operator');
}

/**
 * Every way the principal may see a topic: raw, or one view per agreement sharing it. The
 * agreements are read only for another country's event topic.
 */
export function accessesOf(policies: () => PolicySet, principal: Principal, topic: InspectableTopic): InspectAccess[] {
  if (topic.kind === 'audit') return [{ access: 'raw', topic }];
  if (topic.origin === principal.country) return [{ access: 'raw', topic }];
  if (topic.kind === 'dead-letter') return [];
  return feedsSharing(policies(), topic.topic, principal.country).map((feed) => ({
    access: 'view',
    topic,
    feed,
    partner: { country: principal.country, agency: principal.agency },
  }));
}
