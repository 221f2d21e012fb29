// The shapes field governance works with, shared by the view schema and both projectors: what
// one rule does to each place in the source schema (RuleShape), and what the partner receives
// there once every rule of the topic is merged (ViewShape).
import type { Type } from 'avsc';

import { internalsOf } from '@puente/contracts/avsc';
import { unwrapNullable } from './condition.js';

/** What one rule does to a place in the schema. */
export type RuleShape =
  | { readonly kind: 'identity'; readonly type: Type }
  | { readonly kind: 'transform'; readonly apply: (value: unknown) => string }
  | { readonly kind: 'record'; readonly type: Type; readonly fields: ReadonlyMap<string, RuleShape> }
  | { readonly kind: 'array'; readonly items: RuleShape }
  | { readonly kind: 'nullable'; readonly inner: RuleShape };

/** What the partner receives at a place, merged over all rules of the topic. */
export type ViewShape =
  | { readonly kind: 'original'; readonly type: Type }
  | { readonly kind: 'string' }
  | { readonly kind: 'record'; readonly type: Type; readonly name: string; readonly fields: readonly ViewField[] }
  | { readonly kind: 'array'; readonly items: ViewShape }
  | { readonly kind: 'nullable'; readonly inner: ViewShape };

export interface ViewField {
  readonly name: string;
  readonly doc: string | undefined;
  readonly shape: ViewShape;
}

/** An identity over a nullable union is the union's identity inside a nullable. */
export function normalizeNullable(shape: RuleShape): RuleShape {
  if (shape.kind !== 'identity') return shape;
  const { type, nullable } = unwrapNullable(shape.type);
  return nullable ? { kind: 'nullable', inner: { kind: 'identity', type } } : shape;
}

export function isIdentity(shape: RuleShape): boolean {
  return shape.kind === 'identity' || (shape.kind === 'nullable' && isIdentity(shape.inner));
}

/** A record kept whole by one rule merges with another rule's partial view as all-identity fields. */
export function expandIdentity(shape: RuleShape): RuleShape {
  if (shape.kind !== 'identity') return shape;
  const t = internalsOf(shape.type);
  if (t.typeName === 'record') {
    return {
      kind: 'record',
      type: shape.type,
      fields: new Map((t.fields ?? []).map((field) => [field.name, { kind: 'identity', type: field.type }])),
    };
  }
  if (t.typeName === 'array' && t.itemsType) return { kind: 'array', items: { kind: 'identity', type: t.itemsType } };
  const { type: inner, nullable } = unwrapNullable(shape.type);
  if (nullable) return { kind: 'nullable', inner: { kind: 'identity', type: inner } };
  return shape;
}
