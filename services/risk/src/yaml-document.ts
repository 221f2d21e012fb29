// Reading the risk service's YAML files (rules, registries): parse, validate against a zod
// schema, and refuse with one error listing every problem by path, under the file's name.
import { parse } from 'yaml';
import type { z } from 'zod';

import { RiskError, type RiskErrorCode } from './errors.js';

/** The document `text` as `schema` reads it; throws RiskError(`code`) naming `source` and each problem. */
export function parseYamlDocument<S extends z.ZodType>(
  schema: S,
  text: string,
  source: string,
  code: RiskErrorCode,
): z.infer<S> {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new RiskError({ code, message: `${source}: not valid YAML`, cause });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new RiskError({ code, message: `${source}:\n  - ${problems.join('\n  - ')}` });
  }
  return result.data;
}
