// `puente.domesticOnly`: a field the schema marks with it never leaves its country, so any agreement
// action that would release or transform it is a load error.
import type { Type } from 'avsc';

import type { FieldAction } from './agreement-document.js';
import { describeType } from './view-messages.js';
import { actionLabel, type ActionNode, type Inherited, type ShapeContext } from './view-terms.js';

export const DOMESTIC_ONLY = 'puente.domesticOnly';

/**
 * A field marked `puente.domesticOnly` never leaves: every action that would release or transform
 * it, on the field, beneath it, or inherited from a record or array above it, is a load error
 * naming the field and the agreement path. Only `drop`, or no mention at all, loads.
 */
export function refuseDomesticRelease(
  owner: Type,
  node: ActionNode | undefined,
  inherited: Inherited,
  path: string,
  ctx: ShapeContext,
): void {
  const refuse = (by: ActionNode, action: FieldAction) =>
    ctx.problems.push({
      message:
        by.path === path
          ? `'${path}' is marked ${DOMESTIC_ONLY} in ${describeType(owner)}: it never leaves its country, so no agreement may ${actionLabel(action)} it; drop it explicitly (${path}: drop)`
          : `'${path}' is marked ${DOMESTIC_ONLY} in ${describeType(owner)}: it never leaves its country, but '${by.path}: ${actionLabel(action)}' would release it; drop it explicitly (${path}: drop)`,
      line: by.line,
      at: `${ctx.ruleAt}.fields.${by.path}`,
    });
  if (node?.action === undefined && inherited.from && inherited.action.kind !== 'drop') {
    refuse(inherited.from, inherited.action);
  }
  const walk = (n: ActionNode) => {
    if (n.action && n.action.kind !== 'drop') refuse(n, n.action);
    for (const child of n.fields.values()) walk(child);
    if (n.items) walk(n.items);
  };
  if (node) walk(node);
}
