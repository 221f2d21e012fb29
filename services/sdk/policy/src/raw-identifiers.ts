// Numbers that identify a person's document (a passport's, a SENTRI card's PASSID) never leave in
// clear: an agreement releases them only as the bilateral keyed hash, masked, or not at all. The
// contracts carry no annotation for this yet (a `puente.hashOnly` like `puente.domesticOnly` would
// be the schema's own word), so the fields are named here by record and field.
import type { Type } from 'avsc';

import { describeType } from './view-messages.js';
import type { ActionNode, Inherited, ShapeContext } from './view-terms.js';

/** Full record name → the fields of it that may not be kept raw. */
export const RAW_IDENTIFIERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['org.puente.v1.IdentityDocument', new Set(['documentNumber'])],
  // The membership id is the number printed on the card (SENTRI, Global Entry, Viajero Confiable).
  ['org.puente.v1.TrustedTravellerMembership', new Set(['membershipId'])],
  ['org.puente.v1.TrustedTravellerStatus', new Set(['membershipId'])],
]);

export function isRawIdentifier(owner: Type, field: string): boolean {
  return RAW_IDENTIFIERS.get(owner.name ?? '')?.has(field) === true;
}

/**
 * A load error when the action that decides such a field (its own, else the nearest ancestor's)
 * is `keep`: named at the agreement path that says it, with the field it would release.
 */
export function refuseRawIdentifier(
  owner: Type,
  node: ActionNode | undefined,
  inherited: Inherited,
  path: string,
  ctx: ShapeContext,
): void {
  const decided = node?.action ? { action: node.action, from: node } : inherited;
  if (decided.action.kind !== 'keep' || !decided.from) return;
  const by = decided.from;
  ctx.problems.push({
    message:
      by.path === path
        ? `'${path}' is a document number in ${describeType(owner)}: it leaves only hashed with the bilateral key (${path}: { hash: document-number }), masked or dropped, never kept raw`
        : `'${path}' is a document number in ${describeType(owner)}, but '${by.path}: keep' would release it raw; hash it (${path}: { hash: document-number }) or drop it`,
    line: by.line,
    at: `${ctx.ruleAt}.fields.${by.path}`,
  });
}
