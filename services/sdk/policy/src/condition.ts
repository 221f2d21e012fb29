// Record conditions in CEL (@marcbachmann/cel-js): type-checked at load against the topic's
// Avro schema, then evaluated per record over a normalised context — `meta` with the
// classification as an ordinal comparable to PUBLIC … RESTRICTED, `event` with Avro ints as CEL
// ints, and `partner` (country, agency). Any evaluation error withholds the record.
import { Environment } from '@marcbachmann/cel-js';
import type { Type } from 'avsc';

import { fieldAnnotationsOf, internalsOf } from '@puente/contracts/avsc';

export const CLASSIFICATIONS = ['PUBLIC', 'SENSITIVE', 'LAW_ENFORCEMENT_SENSITIVE', 'RESTRICTED'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export interface Partner {
  readonly country: string;
  readonly agency: string;
  /**
   * The purposes the partner declared (a subscriber, when it starts): a record is admitted only
   * for a purpose it declared, too. Undefined leaves declared purposes out of the decision
   * (an operator's preview that names none).
   */
  readonly purposes?: readonly string[];
}

/**
 * The gates every record passes, in this order, before any rule is evaluated; no rule can open
 * them. The name of the one that withheld a record is in its decision and its explanation.
 */
export const GATES = ['validity', 'recipient', 'releasability', 'ceiling', 'purpose', 'declared-purpose'] as const;
export type Gate = (typeof GATES)[number];

export type ConditionResult =
  { readonly ok: true; readonly value: boolean } | { readonly ok: false; readonly error: string };

export interface CompiledCondition {
  readonly source: string;
  /** Whether it reads `event` (beyond `meta` and `partner`). */
  readonly readsEvent: boolean;
  evaluate(event: Record<string, unknown>, partner: Partner): ConditionResult;
}

type CelType = string | { [field: string]: CelType };

/** The non-null branch of a nullable union, or the type itself. */
export function unwrapNullable(type: Type): { type: Type; nullable: boolean } {
  const t = internalsOf(type);
  if (t.typeName.startsWith('union')) {
    const branches = t.types ?? [];
    const other = branches.find((branch) => branch.typeName !== 'null');
    if (branches.length === 2 && other) return { type: other, nullable: true };
  }
  return { type, nullable: false };
}

const DOMESTIC_ONLY = 'puente.domesticOnly';

/** Whether the schema marks a record's field `puente.domesticOnly`. */
const isDomesticOnly = (record: Type, field: string) => fieldAnnotationsOf(record, field)[DOMESTIC_ONLY] === true;

/**
 * Every field the schema marks `puente.domesticOnly`, by name, with the record holding it.
 * Conditions may not read them: whether a record is delivered would reveal something of them.
 */
function domesticOnlyFields(root: Type): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  const seen = new Set<Type>();
  const walk = (type: Type) => {
    if (seen.has(type)) return;
    seen.add(type);
    const t = internalsOf(type);
    if (t.typeName.startsWith('union')) for (const branch of t.types ?? []) walk(branch);
    if (t.typeName === 'array' && t.itemsType) walk(t.itemsType);
    if (t.typeName === 'map' && t.valuesType) walk(t.valuesType);
    if (t.typeName !== 'record') return;
    for (const field of t.fields ?? []) {
      // Nothing beneath a domestic-only field is readable either: it is not walked.
      if (isDomesticOnly(type, field.name)) out.set(field.name, (t.name ?? 'record').split('.').pop() ?? 'record');
      else walk(field.type);
    }
  };
  walk(root);
  return out;
}

function celTypeOf(type: Type, depth = 0): CelType {
  const { type: inner, nullable } = unwrapNullable(type);
  if (nullable) return 'dyn';
  const t = internalsOf(inner);
  switch (t.typeName) {
    case 'record':
      if (depth > 8) return 'map';
      return Object.fromEntries(
        (t.fields ?? [])
          .filter((field) => !isDomesticOnly(inner, field.name))
          .map((field) => [field.name, celTypeOf(field.type, depth + 1)]),
      );
    case 'array': {
      const items = t.itemsType ? celTypeOf(t.itemsType, depth + 1) : 'dyn';
      return typeof items === 'string' ? `list<${items}>` : 'list';
    }
    case 'int':
    case 'long':
      return 'int';
    case 'float':
    case 'double':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'bytes':
    case 'fixed':
      return 'bytes';
    case 'logical:timestamp-millis':
    case 'logical:timestamp-micros':
      // Values are Dates, which cel-js compares as timestamps; its schema declarations reject
      // 'timestamp' fields (cel-js 8), so they are checked as dyn.
      return 'dyn';
    default:
      // strings, enums, uuid, date ('YYYY-MM-DD') and decimal ('123.45') are strings.
      return 'string';
  }
}

function baseEnvironment(): Environment {
  let env = new Environment({ homogeneousAggregateLiterals: false });
  CLASSIFICATIONS.forEach((name, ordinal) => {
    env = env.registerConstant(name, 'int', BigInt(ordinal));
  });
  return env;
}

/**
 * A converter from decoded Avro values to the shapes CEL compares correctly: ints as BigInt and
 * meta.classification as its ordinal. Subtrees that need no change are passed by reference, so
 * a typical `meta` costs one small object per record.
 */
type Normalizer = (value: unknown) => unknown;

const identity: Normalizer = (value) => value;

function buildNormalizer(type: Type, path: string): Normalizer {
  const { type: inner, nullable } = unwrapNullable(type);
  const normalize = buildNonNull(inner, path);
  if (normalize === identity) return identity;
  return nullable ? (value) => (value === null || value === undefined ? null : normalize(value)) : normalize;
}

function buildNonNull(type: Type, path: string): Normalizer {
  const t = internalsOf(type);
  switch (t.typeName) {
    case 'record': {
      // Domestic-only fields are left out of what a condition sees, whatever path reaches them
      // (an untyped `dyn` or list one included): reading one is then an error or absent, never its value.
      const hidden = (t.fields ?? []).filter((field) => isDomesticOnly(type, field.name)).map((field) => field.name);
      const fields = (t.fields ?? [])
        .filter((field) => !hidden.includes(field.name))
        .map((field) => ({
          name: field.name,
          normalize: buildNormalizer(field.type, `${path}.${field.name}`),
        }));
      const changing = fields.filter((field) => field.normalize !== identity);
      if (changing.length === 0 && hidden.length === 0) return identity;
      return (value) => {
        const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
        for (const name of hidden) delete out[name];
        for (const field of changing) out[field.name] = field.normalize(out[field.name]);
        return out;
      };
    }
    case 'array': {
      const items = t.itemsType ? buildNormalizer(t.itemsType, `${path}[*]`) : identity;
      return items === identity ? identity : (value) => (value as unknown[]).map(items);
    }
    case 'int':
    case 'long':
      return (value) => (typeof value === 'number' ? BigInt(value) : value);
    case 'enum':
      return path === 'meta.classification'
        ? (value) => BigInt(CLASSIFICATIONS.indexOf(value as Classification))
        : identity;
    default:
      return identity;
  }
}

export interface ConditionCompiler {
  /** Compiles, or returns the reason the expression is not a valid boolean condition for this topic. */
  compile(source: string): CompiledCondition | string;
}

/** One compiler per topic schema: it knows `meta`'s and `event`'s fields for type checking. */
export function createConditionCompiler(rootType: Type): ConditionCompiler {
  const root = internalsOf(rootType);
  const domestic = domesticOnlyFields(rootType);
  const metaField = root.fields?.find((field) => field.name === 'meta');
  const eventSchema: Record<string, CelType> = {};
  for (const field of root.fields ?? []) {
    if (field.name !== 'meta' && !isDomesticOnly(rootType, field.name)) eventSchema[field.name] = celTypeOf(field.type);
  }
  const metaSchema = metaField ? celTypeOf(metaField.type) : {};
  if (typeof metaSchema !== 'string') metaSchema['classification'] = 'int';
  const checker = baseEnvironment()
    .registerVariable({ name: 'meta', schema: typeof metaSchema === 'string' ? {} : metaSchema })
    .registerVariable({ name: 'event', schema: eventSchema })
    .registerVariable({ name: 'partner', schema: { country: 'string', agency: 'string' } });
  // At run time plain maps are several times faster than schema-typed variables.
  const runtime = baseEnvironment()
    .registerVariable('meta', 'map')
    .registerVariable('event', 'map')
    .registerVariable('partner', 'map');
  const normalizeMeta = metaField ? buildNormalizer(metaField.type, 'meta') : identity;
  const eventFields = (root.fields ?? []).filter(
    (field) => field.name !== 'meta' && !isDomesticOnly(rootType, field.name),
  );
  const normalizeEventFields = eventFields.map((field) => ({
    name: field.name,
    normalize: buildNormalizer(field.type, field.name),
  }));
  const normalizeEvent = (event: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const field of normalizeEventFields) out[field.name] = field.normalize(event[field.name]);
    return out;
  };

  return {
    compile(source) {
      const read = readsDomesticOnly(source, domestic);
      if (read !== undefined) return read;
      let checked;
      try {
        checked = checker.check(source);
      } catch (error) {
        return firstLine(error);
      }
      if (!checked.valid) return firstLine(checked.error);
      if (checked.type !== 'bool') return `must be a boolean condition, but its type is ${String(checked.type)}`;
      const evaluate = runtime.parse(source);
      const usesEvent = /\bevent\b/.test(source);
      return {
        source,
        readsEvent: usesEvent,
        evaluate(event, partner) {
          try {
            const value: unknown = evaluate({
              meta: normalizeMeta(event['meta']),
              event: usesEvent ? normalizeEvent(event) : {},
              partner,
            });
            if (typeof value !== 'boolean') return { ok: false, error: `condition returned ${typeof value}, not bool` };
            return { ok: true, value };
          } catch (error) {
            return { ok: false, error: firstLine(error) };
          }
        },
      };
    },
  };
}

/**
 * The problem when the condition names a domestic-only field (`x.agentNotes`, `has(x.agentNotes)`,
 * `x['agentNotes']`), found by name so that untyped paths (nullable records, lists of records)
 * are caught too; undefined when it names none.
 */
function readsDomesticOnly(source: string, domestic: ReadonlyMap<string, string>): string | undefined {
  for (const [name, record] of domestic) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`\\.\\s*${escaped}\\b|\\[\\s*(['"])${escaped}\\1\\s*\\]`).test(source)) {
      return `reads '${name}', which is marked puente.domesticOnly in record ${record}: a condition may not read a domestic-only field (whether a record is delivered would reveal it)`;
    }
  }
  return undefined;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
