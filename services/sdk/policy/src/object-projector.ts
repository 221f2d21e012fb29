// A rule's projection applied to the event's decoded value: plain JavaScript generated once per
// rule against the merged view, so fields the rule removes are never read or copied and kept
// subtrees are passed by reference.
import { expandIdentity, isIdentity, normalizeNullable, type RuleShape, type ViewShape } from './view-shape.js';

/** Projects a decoded event onto one rule's view. */
export type ObjectProjector = (event: unknown) => Record<string, unknown>;

/** Generates one rule's projector against the merged view. */
export function generateProjector(rule: RuleShape, view: ViewShape): ObjectProjector {
  const functions: string[] = [];
  const transforms: ((value: unknown) => string)[] = [];
  let depth = 0;
  const expr = (ruleShape: RuleShape | null, viewShape: ViewShape, src: string): string => {
    if (ruleShape === null) return 'null';
    const shape = normalizeNullable(ruleShape);
    if (shape.kind === 'transform') {
      transforms.push(shape.apply);
      return `t[${transforms.length - 1}](${src})`;
    }
    switch (viewShape.kind) {
      case 'original':
      case 'string':
        return src;
      case 'nullable':
        // A source field that is required can still be optional in the view (another rule withholds it).
        return shape.kind === 'nullable'
          ? `(${src} == null ? null : ${expr(shape.inner, viewShape.inner, src)})`
          : expr(shape, viewShape.inner, src);
      case 'array': {
        const items = expandIdentity(shape);
        const itemRule = items.kind === 'array' ? items.items : null;
        if (viewShape.items.kind === 'original' && itemRule !== null && isIdentity(itemRule)) return src;
        const variable = `x${++depth}`;
        return `${src}.map((${variable}) => ${expr(itemRule, viewShape.items, variable)})`;
      }
      case 'record': {
        const expanded = expandIdentity(shape);
        const fields = expanded.kind === 'record' ? expanded.fields : new Map<string, RuleShape>();
        const index = functions.length;
        functions.push('');
        const body = viewShape.fields
          .map((field) => {
            const access = `s[${JSON.stringify(field.name)}]`;
            return `${JSON.stringify(field.name)}: ${expr(fields.get(field.name) ?? null, field.shape, access)}`;
          })
          .join(',\n    ');
        functions[index] = `function f${index}(s) {\n  return {\n    ${body}\n  };\n}`;
        return `f${index}(${src})`;
      }
    }
  };
  const root = expr(rule, view, 'event');
  const code = `${functions.join('\n')}\nreturn function project(event) { return ${root}; };`;
  // Generated from schema field names (validated Avro names) only; no agreement text reaches the code.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('t', code) as (
    t: readonly ((value: unknown) => string)[],
  ) => (event: unknown) => Record<string, unknown>;
  return factory(transforms);
}
