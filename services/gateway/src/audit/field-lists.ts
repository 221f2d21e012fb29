// A rule's field decisions as a disclosure lists them: released, transformed (and how) and
// removed, each record or array named once where all its fields share a fate.
import type { DeliveredRecord } from '../subscribe/record-evaluation.js';

const TRANSFORM_ACTIONS: Record<string, 'MASK' | 'HASH' | 'GENERALIZE'> = {
  mask: 'MASK',
  hash: 'HASH',
  generalize: 'GENERALIZE',
};

export interface FieldLists {
  readonly fieldsReleased: string[];
  readonly fieldsTransformed: {
    path: string;
    action: string;
    method: string | null;
    normalization: string | null;
    keyIds: string[];
  }[];
  readonly fieldsRemoved: string[];
}

interface PathNode {
  /** The action of a leaf field: keep, removed, or a transform such as hash:hmac-sha256. */
  action?: string;
  readonly children: Map<string, PathNode>;
}

/**
 * A leaf's action as one string, so that equal fates compare equal: a hash names its method,
 * normalisation and key ids (`hash:hmac-sha256|document-number|k2026,k2025`).
 */
function leafAction(field: DeliveredRecord['decision']['fields'][number]): string {
  if (field.action !== 'hash') return field.action;
  return `hash:hmac-sha256|${field.normalization ?? ''}|${(field.keyIds ?? []).join(',')}`;
}

/** What a leaf's action says in the record: drop and removed are both "removed". */
const listed = (action: string): string => (action === 'drop' || action === 'removed' ? 'removed' : action);

/** The one listed action of every leaf under a node, or undefined when they differ. */
function uniform(node: PathNode): string | undefined {
  if (node.action !== undefined) return listed(node.action);
  let common: string | undefined;
  for (const child of node.children.values()) {
    const action = uniform(child);
    if (action === undefined || (common !== undefined && action !== common)) return undefined;
    common = action;
  }
  return common;
}

/**
 * The field lists of a decision, shortest form: where every field under a record or an array's
 * elements has the same fate, the list names that record or array (`carrier`, `goods[*]`,
 * `driver.address`) instead of each field beneath it. Decisions list every leaf of the schema,
 * so a named subtree always means all of it; the top level is never collapsed.
 */
export function fieldLists(fields: DeliveredRecord['decision']['fields']): FieldLists {
  const root: PathNode = { children: new Map() };
  for (const field of fields) {
    let node = root;
    for (const segment of field.path.split('.')) {
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.action = leafAction(field);
  }
  const lists: FieldLists = { fieldsReleased: [], fieldsTransformed: [], fieldsRemoved: [] };
  const emit = (path: string, action: string) => {
    if (action === 'keep') lists.fieldsReleased.push(path);
    else if (action === 'removed') lists.fieldsRemoved.push(path);
    else {
      const [kind, method] = action.split(':');
      const [variant, normalization, keyIds] = (method ?? '').split('|');
      lists.fieldsTransformed.push({
        path,
        action: TRANSFORM_ACTIONS[kind ?? ''] ?? 'MASK',
        method: variant || null,
        normalization: normalization || null,
        keyIds: keyIds ? keyIds.split(',') : [],
      });
    }
  };
  const walk = (node: PathNode, path: string) => {
    const action = uniform(node);
    if (action !== undefined && (node.action !== undefined || node.children.size > 0)) emit(path, action);
    else for (const [segment, child] of node.children) walk(child, `${path}.${segment}`);
  };
  for (const [segment, child] of root.children) walk(child, segment);
  return lists;
}

/** A retraction notice releases no field. */
export const NO_FIELDS: FieldLists = Object.freeze({ fieldsReleased: [], fieldsTransformed: [], fieldsRemoved: [] });

/** Per rule (its field decisions, shared by every decision of the rule): its lists, computed once. */
const cache = new WeakMap<DeliveredRecord['decision']['fields'], FieldLists>();

/** fieldLists of a rule's decisions, computed on the rule's first disclosure and kept while the rule lives. */
export function cachedFieldLists(fields: DeliveredRecord['decision']['fields']): FieldLists {
  let lists = cache.get(fields);
  if (!lists) {
    lists = fieldLists(fields);
    cache.set(fields, lists);
  }
  return lists;
}
