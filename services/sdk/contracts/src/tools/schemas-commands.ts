// The generate and check commands as functions (the CLI is a thin shell over them, and tests
// run them against scratch copies of schemas/).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Type } from 'avsc';

import {
  checkLockHistory,
  LOCK_FILE,
  planCatalog,
  readCatalogState,
  toCatalogData,
  writeCatalogState,
} from '../catalog-lock.js';
import { generateCatalogModule, generateTypes } from '../codegen.js';
import { messageOf } from '../errors.js';
import type { DerivedSubject } from '../catalog-lock.js';
import { loadSchemaSource, type SchemaSource } from '../schema-source.js';

export interface SchemasCommandOptions {
  /** The schemas/ folder (avro/, topics.json, catalog.lock.json, history/). */
  readonly schemasDir: string;
  /** Where avro-types.ts and schema-catalog.ts are written. */
  readonly generatedDir: string;
  /**
   * Subjects derived from the topics' schemas and catalogued with them: the policy package
   * contributes the view schemas of the sharing agreements (`<topic>-view-<agreement>-value`).
   */
  readonly derivedSubjects?: (schemaFor: (topic: string) => Type | undefined) => DerivedSubject[];
}

function derive(source: SchemaSource, derivedSubjects: SchemasCommandOptions['derivedSubjects']): DerivedSubject[] {
  if (!derivedSubjects) return [];
  return derivedSubjects((topic) => {
    const definition = source.topics[topic];
    return definition ? source.parsed.get(definition.valueType) : undefined;
  });
}

export interface SchemasCommandResult {
  readonly ok: boolean;
  readonly output: readonly string[];
  readonly errors: readonly string[];
}

export const TYPES_FILE = 'avro-types.ts';
export const CATALOG_FILE = 'schema-catalog.ts';

export function runSchemasCommand(command: string, options: SchemasCommandOptions): SchemasCommandResult {
  try {
    if (command === 'generate') return generate(options);
    if (command === 'check') return check(options);
    return {
      ok: false,
      output: [],
      errors: [`usage: schemas-cli generate|check [--schemas DIR] [--generated DIR] (got ${JSON.stringify(command)})`],
    };
  } catch (err) {
    return { ok: false, output: [], errors: [messageOf(err)] };
  }
}

function generate({ schemasDir, generatedDir, derivedSubjects }: SchemasCommandOptions): SchemasCommandResult {
  const source = loadSchemaSource(schemasDir);
  const plan = planCatalog(source, readCatalogState(schemasDir), derive(source, derivedSubjects));
  if (plan.breaking.length > 0) {
    return {
      ok: false,
      output: [],
      errors: [
        'Refusing to write the lock: BACKWARD-incompatible schema change(s):',
        ...plan.breaking.map((b) => `  ${b}`),
      ],
    };
  }
  writeCatalogState(schemasDir, plan.next);
  mkdirSync(generatedDir, { recursive: true });
  writeFileSync(join(generatedDir, TYPES_FILE), generateTypes(source));
  writeFileSync(join(generatedDir, CATALOG_FILE), generateCatalogModule(toCatalogData(source.topics, plan.next)));
  const summary = plan.changes.length > 0 ? plan.changes.map((c) => `  ${c}`) : ['  lock unchanged'];
  return {
    ok: true,
    output: [`${source.types.size} schema types, ${Object.keys(source.topics).length} topics`, ...summary],
    errors: [],
  };
}

function check({ schemasDir, generatedDir, derivedSubjects }: SchemasCommandOptions): SchemasCommandResult {
  const errors: string[] = [];
  const source = loadSchemaSource(schemasDir);
  const state = readCatalogState(schemasDir);
  const history = checkLockHistory(state);
  if (history.length > 0) errors.push('BACKWARD-incompatible versions in the lock:', ...history.map((h) => `  ${h}`));
  const plan = planCatalog(source, state, derive(source, derivedSubjects));
  if (plan.breaking.length > 0) {
    errors.push('BACKWARD-incompatible schema change(s):', ...plan.breaking.map((b) => `  ${b}`));
  }
  if (plan.changes.length > 0) {
    errors.push(
      `schemas/${LOCK_FILE} is stale — run \`pnpm schemas:generate\`${plan.breaking.length > 0 ? ' once the change is compatible' : ''}:`,
      ...plan.changes.map((c) => `  ${c}`),
    );
  }
  const expected = new Map([
    [TYPES_FILE, generateTypes(source)],
    [CATALOG_FILE, generateCatalogModule(toCatalogData(source.topics, plan.next))],
  ]);
  for (const [file, text] of expected) {
    const path = join(generatedDir, file);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
      errors.push(`${file} is stale (does not match the schemas) — run \`pnpm schemas:generate\``);
    }
  }
  if (errors.length > 0) return { ok: false, output: [], errors };
  return {
    ok: true,
    output: [
      `schemas OK: ${source.types.size} types, ${Object.keys(state.lock.subjects).length} subjects, ${state.texts.size} schema ids; lock and generated code current`,
    ],
    errors: [],
  };
}
export { loadSchemaSource, type SchemaSource } from '../schema-source.js';
