// Field governance compiled once per (agreement, topic): the action tree of each rule is checked
// against the Avro schema and turned into a typed output shape, and the rules' shapes are merged
// into one deterministic *view schema*. The projectors that apply a rule's shape (to decoded
// values: object-projector.ts, to Avro bytes: byte-projector.ts) are generated from the result.
import type { Type } from 'avsc';

import { exportSchema, fieldAnnotationsOf, internalsOf } from '@puente/contracts/avsc';
import { unwrapNullable } from './condition.js';
import type { FieldAction, FieldRule, RecordRule } from './agreement-document.js';
import { formatFieldPath, type PathSegment } from './field-path.js';
import { DOMESTIC_ONLY, refuseDomesticRelease } from './domestic-only.js';
import { keyedHash, keyIdsAt, type KeyRing } from './hashing.js';
import { isRawIdentifier, refuseRawIdentifier } from './raw-identifiers.js';
import { generalize, mask } from './transforms.js';
import { closest, describeType } from './view-messages.js';
import {
  actionLabel,
  type ActionNode,
  type FieldDecision,
  type Inherited,
  type ShapeContext,
  type ViewProblem,
} from './view-terms.js';
import {
  expandIdentity,
  isIdentity,
  normalizeNullable,
  type RuleShape,
  type ViewField,
  type ViewShape,
} from './view-shape.js';

export interface CompiledView {
  /** Avro schema (JSON) of what the partner receives on this topic. */
  readonly schema: Record<string, unknown>;
  /** The merged view the schema describes, which every rule's projector writes. */
  readonly root: ViewShape;
  /** What each rule releases, in rule order: the input of its projectors. */
  readonly ruleShapes: readonly RuleShape[];
  /** Static per-rule field decisions, for explain. */
  readonly decisions: readonly (readonly FieldDecision[])[];
}

export interface ViewCompileOptions {
  readonly rootType: Type;
  readonly rules: readonly RecordRule[];
  /** Namespace of the derived record types, e.g. `org.puente.v1.view.us_to_mx`. */
  readonly namespace: string;
  /**
   * The agreement's hash keys, when it has them, and the instant whose keys the hashes carry:
   * views are compiled per phase of a rotation (before and after the overlap ends).
   */
  readonly hashing: { readonly ring: KeyRing; readonly at: number } | undefined;
}

const DROP: FieldAction = { kind: 'drop' };

function buildActionTree(fields: readonly FieldRule[], problems: ViewProblem[], ruleAt: string): ActionNode {
  const root: ActionNode = { path: '', fields: new Map() };
  for (const field of fields) {
    let node = root;
    const walked: PathSegment[] = [];
    for (const segment of field.segments) {
      walked.push(segment);
      // Nodes on the way carry the line of the first path through them, for error messages.
      const fresh = (): ActionNode => ({
        path: formatFieldPath(walked),
        fields: new Map(),
        ...(field.line === undefined ? {} : { line: field.line }),
      });
      if (segment.kind === 'items') {
        node.items ??= fresh();
        node = node.items;
      } else {
        let child = node.fields.get(segment.name);
        if (!child) {
          child = fresh();
          node.fields.set(segment.name, child);
        }
        node = child;
      }
    }
    if (node.action) {
      problems.push({
        message: `path '${field.path}' is given twice`,
        line: field.line,
        at: `${ruleAt}.fields.${field.path}`,
      });
    }
    node.action = field.action;
    if (field.line !== undefined) node.line = field.line;
  }
  return root;
}

function transformFor(
  action: FieldAction,
  type: Type,
  node: ActionNode,
  ctx: ShapeContext,
): ((value: unknown) => string) | undefined {
  const typeName = type.typeName;
  const at = `${ctx.ruleAt}.fields.${node.path}`;
  const refuse = (message: string) => {
    ctx.problems.push({ message, line: node.line, at });
    return undefined;
  };
  switch (action.kind) {
    case 'hash': {
      if (typeName === 'boolean') return refuse('hash of a boolean hides nothing (two possible values); use drop');
      if (typeName === 'enum') {
        return refuse(
          `hash of an enum is reversed by hashing its ${internalsOf(type).symbols?.length ?? 0} symbols; use keep or drop`,
        );
      }
      if (typeName === 'float' || typeName === 'double') return refuse(`hash cannot apply to a ${typeName}`);
      const { normalization } = action;
      if (normalization !== 'exact' && typeName !== 'string') {
        return refuse(
          `{ hash: ${normalization} } normalises text and applies to strings, not to ${describeType(type)}; use hash`,
        );
      }
      const hashing = ctx.hashing;
      if (!hashing) return undefined; // reported once per agreement by the compiler
      const { ring, at: now } = hashing;
      return (value) => keyedHash(ring, normalization, value, now);
    }
    case 'mask': {
      const maskable = ['string', 'logical:uuid', 'int', 'long'];
      if (!maskable.includes(typeName))
        return refuse(`mask applies to strings and whole numbers, not to ${describeType(type)}`);
      if (action.style === 'initials' && typeName !== 'string')
        return refuse(`mask: initials applies to names (strings), not to ${describeType(type)}`);
      const { style } = action;
      return (value) => mask(style, value);
    }
    case 'generalize': {
      if (typeName !== 'logical:date' && typeName !== 'logical:timestamp-millis') {
        return refuse(`generalize applies to dates and timestamps, not to ${describeType(type)}`);
      }
      const { granularity } = action;
      return (value) => generalize(granularity, value);
    }
    default:
      return undefined;
  }
}

function shapeOf(
  type: Type,
  node: ActionNode | undefined,
  inherited: Inherited,
  path: string,
  ctx: ShapeContext,
): RuleShape | null {
  const own = node?.action;
  const effective: Inherited = own ? { action: own, from: node } : inherited;
  const { type: inner, nullable } = unwrapNullable(type);
  const shape = shapeOfNonNull(inner, node, effective, path, ctx);
  if (shape === null) return null;
  return nullable ? { kind: 'nullable', inner: shape } : shape;
}

function shapeOfNonNull(
  type: Type,
  node: ActionNode | undefined,
  effective: Inherited,
  path: string,
  ctx: ShapeContext,
): RuleShape | null {
  const t = internalsOf(type);
  const at = (n: ActionNode) => `${ctx.ruleAt}.fields.${n.path}`;
  if (t.typeName === 'record') {
    if (node?.items)
      ctx.problems.push({
        message: `'${node.path}' is a ${describeType(type)}, not an array: [*] does not apply`,
        line: node.items.line,
        at: at(node.items),
      });
    let childInherited = effective;
    if (effective.action.kind !== 'keep' && effective.action.kind !== 'drop') {
      if (effective.from === node && node) {
        ctx.problems.push({
          message: `${effective.action.kind} cannot apply to ${describeType(type)}; name its fields instead`,
          line: node.line,
          at: at(node),
        });
      }
      childInherited = { action: DROP, from: effective.from };
    }
    const names = (t.fields ?? []).map((field) => field.name);
    for (const [name, child] of node?.fields ?? []) {
      if (!names.includes(name)) {
        const hint = closest(name, names);
        ctx.problems.push({
          message: `unknown field '${name}' in ${describeType(type)}${hint ? ` (did you mean '${hint}'?)` : ''}; fields: ${names.join(', ')}`,
          line: child.line,
          at: at(child),
        });
      }
    }
    const fields = new Map<string, RuleShape>();
    let identity = true;
    for (const field of t.fields ?? []) {
      const childPath = path ? `${path}.${field.name}` : field.name;
      const childNode = node?.fields.get(field.name);
      if (fieldAnnotationsOf(type, field.name)[DOMESTIC_ONLY] === true) {
        refuseDomesticRelease(type, childNode, childInherited, childPath, ctx);
        // Never in the view; its leaves are decided 'drop' when the agreement says so, else 'removed'.
        const explicit = childNode?.action ? { action: childNode.action, from: childNode } : childInherited;
        const dropped = explicit.action.kind === 'drop' ? explicit.from : undefined;
        shapeOf(field.type, undefined, { action: DROP, from: dropped }, childPath, { ...ctx, domestic: true });
        identity = false;
        continue;
      }
      if (isRawIdentifier(type, field.name)) refuseRawIdentifier(type, childNode, childInherited, childPath, ctx);
      const shape = shapeOf(field.type, childNode, childInherited, childPath, ctx);
      if (shape === null) {
        identity = false;
        continue;
      }
      if (!isIdentity(shape)) identity = false;
      fields.set(field.name, shape);
    }
    if (fields.size === 0) return null;
    return identity ? { kind: 'identity', type } : { kind: 'record', type, fields };
  }
  if (t.typeName === 'array') {
    if (node && node.fields.size > 0) {
      const [first] = node.fields.keys();
      ctx.problems.push({
        message: `'${node.path}' is an array: address its elements as ${node.path}[*].${first ?? '…'}`,
        line: node.line,
        at: at(node),
      });
    }
    const items = t.itemsType;
    if (!items) return null;
    // An action on the array itself flows into its elements (`aliases: hash` hashes each alias).
    const shape = shapeOf(items, node?.items, effective, `${path}[*]`, ctx);
    if (shape === null) return null;
    return isIdentity(shape) ? { kind: 'identity', type } : { kind: 'array', items: shape };
  }
  // A leaf: primitive, enum or logical type.
  if (node && (node.fields.size > 0 || node.items)) {
    ctx.problems.push({
      message: `'${node.path}' is a ${describeType(type)}: it has no fields or elements`,
      line: node.line,
      at: at(node),
    });
  }
  ctx.decisions.push({
    path,
    action: effective.from ? actionLabel(effective.action) : 'removed',
    decidedBy: effective.from?.path ?? null,
    domesticOnly: ctx.domestic,
    ...(effective.from && effective.action.kind === 'hash'
      ? { normalization: effective.action.normalization, keyIds: ctx.keyIds }
      : {}),
  });
  switch (effective.action.kind) {
    case 'keep':
      return { kind: 'identity', type };
    case 'drop':
      return null;
    default: {
      const apply = effective.from ? transformFor(effective.action, type, effective.from, ctx) : undefined;
      return apply ? { kind: 'transform', apply } : null;
    }
  }
}

interface MergeContext {
  readonly problems: ViewProblem[];
  readonly namespace: string;
  readonly rootName: string;
  readonly topicAt: string;
  readonly ruleNames: readonly string[];
}

function shapeKind(shape: RuleShape): string {
  if (shape.kind === 'identity') return describeType(shape.type);
  if (shape.kind === 'transform') return 'a transformed string';
  return shape.kind === 'record' ? describeType(shape.type) : shape.kind;
}

function mergeShapes(shapes: readonly (RuleShape | null)[], path: string, ctx: MergeContext): ViewShape {
  const present = shapes.filter((shape): shape is RuleShape => shape !== null);
  const first = present[0];
  if (!first) throw new Error(`internal: nothing to merge at ${path}`);
  if (first.kind === 'identity' && present.every((shape) => shape.kind === 'identity')) {
    return { kind: 'original', type: first.type };
  }
  if (
    present.every(
      (shape) => shape.kind === 'transform' || (shape.kind === 'identity' && shape.type.typeName === 'string'),
    )
  ) {
    return { kind: 'string' };
  }
  const expanded = present.map((shape) => expandIdentity(normalizeNullable(shape)));
  const kinds = new Set(expanded.map((shape) => shape.kind));
  if (kinds.has('nullable')) {
    const inner = expanded.map((shape) => (shape.kind === 'nullable' ? shape.inner : shape));
    return { kind: 'nullable', inner: mergeShapes(inner, path, ctx) };
  }
  if (kinds.size > 1) {
    ctx.problems.push({
      message: `rules disagree on what '${path}' is (${expanded.map(shapeKind).join(' vs ')}); a topic has one view schema`,
      line: undefined,
      at: ctx.topicAt,
    });
    return { kind: 'string' };
  }
  if (kinds.has('array')) {
    const items = expanded.map((shape) => (shape.kind === 'array' ? shape.items : null));
    return { kind: 'array', items: mergeShapes(items, `${path}[*]`, ctx) };
  }
  const recordShape = expanded.find((shape) => shape.kind === 'record');
  if (!recordShape) throw new Error(`internal: no record to merge at ${path}`);
  const recordType = recordShape.type;
  const fields: ViewField[] = [];
  for (const field of internalsOf(recordType).fields ?? []) {
    const perRule = shapes.map((shape) => {
      if (shape === null) return null;
      const expandedShape = expandIdentity(normalizeNullable(shape));
      const inner = expandedShape.kind === 'nullable' ? expandIdentity(expandedShape.inner) : expandedShape;
      return inner.kind === 'record' ? (inner.fields.get(field.name) ?? null) : null;
    });
    if (perRule.every((shape) => shape === null)) continue;
    const childPath = path ? `${path}.${field.name}` : field.name;
    let shape = mergeShapes(perRule, childPath, ctx);
    // A field some rule does not release is null under that rule.
    if (perRule.some((s) => s === null) && !isNullableView(shape)) shape = { kind: 'nullable', inner: shape };
    fields.push({ name: field.name, doc: field.doc, shape });
  }
  const original = internalsOf(recordType).fields ?? [];
  const unchanged =
    fields.length === original.length &&
    fields.every(
      (field, i) =>
        field.shape.kind === 'original' && original[i] !== undefined && sameType(field.shape, original[i].type),
    );
  if (unchanged) return { kind: 'original', type: recordType };
  const suffix = path
    .replace(/\[\*\]/g, '')
    .split('.')
    .filter(Boolean)
    .join('_');
  const name = `${ctx.namespace}.${suffix ? `${ctx.rootName}_${suffix}` : ctx.rootName}`;
  return { kind: 'record', type: recordType, name, fields };
}

function isNullableView(shape: ViewShape): boolean {
  return shape.kind === 'nullable' || (shape.kind === 'original' && unwrapNullable(shape.type).nullable);
}

function sameType(shape: ViewShape, type: Type): boolean {
  return shape.kind === 'original' && shape.type === type;
}

/** Emits the view schema; named types are defined once and referenced afterwards, as Avro requires. */
function emitSchema(shape: ViewShape, derefed: Record<string, boolean>): unknown {
  switch (shape.kind) {
    case 'original':
      // avsc's own schema export with a shared registry of already-defined names.
      return exportSchema(shape.type, derefed);
    case 'string':
      return 'string';
    case 'nullable':
      return ['null', emitSchema(shape.inner, derefed)];
    case 'array':
      return { type: 'array', items: emitSchema(shape.items, derefed) };
    case 'record': {
      const doc = shape.type.doc;
      return {
        type: 'record',
        name: shape.name,
        ...(doc ? { doc } : {}),
        fields: shape.fields.map((field) => ({
          name: field.name,
          type: emitSchema(field.shape, derefed),
          ...(field.doc ? { doc: field.doc } : {}),
          ...(isNullableView(field.shape) ? { default: null } : {}),
        })),
      };
    }
  }
}

export function compileView(
  options: ViewCompileOptions,
  topicAt: string,
): { view?: CompiledView; problems: ViewProblem[] } {
  const problems: ViewProblem[] = [];
  const shapes: (RuleShape | null)[] = [];
  const decisions: FieldDecision[][] = [];
  const keyIds = Object.freeze(options.hashing ? keyIdsAt(options.hashing.ring, options.hashing.at) : []);
  for (const rule of options.rules) {
    const ruleAt = `${topicAt}.rules[${rule.index}]`;
    const tree = buildActionTree(rule.fields, problems, ruleAt);
    const ruleDecisions: FieldDecision[] = [];
    const shape = shapeOf(options.rootType, tree, { action: DROP, from: undefined }, '', {
      problems,
      ruleAt,
      hashing: options.hashing,
      keyIds,
      decisions: ruleDecisions,
      domestic: false,
    });
    if (shape === null) problems.push({ message: 'the rule releases no field at all', line: rule.line, at: ruleAt });
    shapes.push(shape);
    decisions.push(ruleDecisions);
  }
  if (problems.length > 0) return { problems };
  const rootName = options.rootType.name?.split('.').pop() ?? 'View';
  const merged = mergeShapes(shapes, '', {
    problems,
    namespace: options.namespace,
    rootName,
    topicAt,
    ruleNames: options.rules.map((rule) => rule.name),
  });
  if (problems.length > 0) return { problems };
  // The root is always a view record of its own, so a partner sees the view's name, not the source's.
  const root: ViewShape =
    merged.kind === 'original'
      ? {
          kind: 'record',
          type: options.rootType,
          name: `${options.namespace}.${rootName}`,
          fields: (internalsOf(options.rootType).fields ?? []).map((field) => ({
            name: field.name,
            doc: field.doc,
            shape: { kind: 'original', type: field.type },
          })),
        }
      : merged;
  const schema = emitSchema(root, {}) as Record<string, unknown>;
  const ruleShapes = shapes.map((shape): RuleShape => shape ?? { kind: 'identity', type: options.rootType });
  return { view: { schema, root, ruleShapes, decisions }, problems };
}
