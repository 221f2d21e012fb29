// `pnpm schemas:check` and `schemas:generate`: the repository is current, and each way the
// schemas, the lock, the history or the generated code can go wrong is caught with a message
// that says what to do.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSchemaSource } from './schema-source.js';
import { REPO_GENERATED, REPO_SCHEMAS, scratchSchemas } from './schemas-testing.js';
import type { ScratchSchemas } from './schemas-testing.js';
import { runSchemasCommand } from './tools/schemas-commands.js';

describe('schemas commands', () => {
  let scratch: ScratchSchemas | undefined;
  afterEach(() => scratch?.remove());
  const dirs = () => ({ schemasDir: scratch?.schemasDir ?? '', generatedDir: scratch?.generatedDir ?? '' });
  const checkErrors = () => runSchemasCommand('check', dirs()).errors.join('\n');

  it('finds the repository current', () => {
    const result = runSchemasCommand('check', { schemasDir: REPO_SCHEMAS, generatedDir: REPO_GENERATED });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('generate on a current tree changes nothing', () => {
    scratch = scratchSchemas();
    const lock = readFileSync(join(scratch.schemasDir, 'catalog.lock.json'), 'utf8');
    const result = runSchemasCommand('generate', dirs());
    expect(result.output).toContain('  lock unchanged');
    expect(readFileSync(join(scratch.schemasDir, 'catalog.lock.json'), 'utf8').replace(/\s/g, '')).toBe(
      lock.replace(/\s/g, ''),
    );
    expect(readFileSync(join(scratch.generatedDir, 'avro-types.ts'), 'utf8')).toBe(
      readFileSync(join(REPO_GENERATED, 'avro-types.ts'), 'utf8'),
    );
  });

  it('catches stale generated code, even for a doc-only change', () => {
    scratch = scratchSchemas();
    writeFileSync(join(scratch.generatedDir, 'avro-types.ts'), '// hand edited\n');
    expect(checkErrors()).toContain(
      'avro-types.ts is stale (does not match the schemas) — run `pnpm schemas:generate`',
    );
    rmSync(join(scratch.generatedDir, 'schema-catalog.ts'));
    expect(checkErrors()).toContain('schema-catalog.ts is stale');
  });

  it('treats a doc change as a new schema version (docs are part of the registered text)', () => {
    scratch = scratchSchemas();
    scratch.editType('Seal', (json) => ({ ...json, doc: 'A seal on a trailer, container or tank.' }));
    expect(checkErrors()).toMatch(/catalog\.lock\.json is stale[\s\S]*us\.cargo-manifests\.v1-value: v2/);
  });

  it('refuses a tampered or missing history file', () => {
    scratch = scratchSchemas();
    const file = join(scratch.schemasDir, 'history', '0002-CargoManifest.avsc');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Manifest or trip number', 'Manifest number'));
    expect(checkErrors()).toContain('schema id 2: history/0002-CargoManifest.avsc no longer matches its fingerprint');
    rmSync(file);
    expect(checkErrors()).toContain('history/0002-CargoManifest.avsc is missing');
  });

  it.each([
    [
      'a general union',
      'Seal',
      { name: 'weight', type: ['string', 'int'], doc: 'x' },
      'unions must be exactly ["null", T]',
    ],
    [
      'a nullable without default null',
      'Seal',
      { name: 'weight', type: ['null', 'string'], doc: 'x' },
      'must have "default": null',
    ],
    ['a field without doc', 'Seal', { name: 'weight', type: 'string' }, `field 'weight': needs a "doc"`],
    [
      'an inline record',
      'Seal',
      { name: 'tag', type: { type: 'record', name: 'Tag', fields: [] }, doc: 'x' },
      'define record types in their own file',
    ],
    [
      'a short-name reference',
      'Seal',
      { name: 'kind', type: 'SealType', doc: 'x' },
      'reference named types by full name (org.puente.v1.SealType)',
    ],
    [
      'an unknown reference',
      'Seal',
      { name: 'kind', type: 'org.puente.v1.Nope', doc: 'x' },
      'references org.puente.v1.Nope, which has no file avro/Nope.avsc',
    ],
    ['a map', 'Seal', { name: 'tags', type: { type: 'map', values: 'string' }, doc: 'x' }, 'maps are not allowed'],
    [
      'an unsupported logical type',
      'Seal',
      { name: 't', type: { type: 'long', logicalType: 'timestamp-micros' }, doc: 'x' },
      'unsupported logicalType "timestamp-micros"',
    ],
    ['a snake_case field', 'Seal', { name: 'seal_code', type: 'string', doc: 'x' }, 'name must be camelCase'],
    [
      'a recursive type',
      'Seal',
      { name: 'inner', type: ['null', 'org.puente.v1.Seal'], default: null, doc: 'x' },
      'recursive types are not supported',
    ],
  ])('rejects %s with a precise message', (_what, type, field, message) => {
    scratch = scratchSchemas();
    scratch.editType(type, (json) => {
      json.fields?.push(field);
    });
    expect(checkErrors()).toContain(message);
    expect(runSchemasCommand('generate', dirs()).ok).toBe(false);
  });

  it('requires meta first and a string key field on every topic root', () => {
    scratch = scratchSchemas();
    scratch.editType('RiskAssessment', (json) => ({
      ...json,
      fields: [...(json.fields ?? []).slice(1), (json.fields ?? [])[0]],
    }));
    const topics = join(scratch.schemasDir, 'topics.json');
    writeFileSync(topics, readFileSync(topics, 'utf8').replace('"keyField": "caseId"', '"keyField": "openedOn"'));
    const errors = checkErrors();
    expect(errors).toContain('RiskAssessment must have "meta": org.puente.v1.EventMeta as its first field');
    expect(errors).toContain('keyField "openedOn" must be a non-null top-level string field of InvestigationEvent');
  });

  it('loads every schema in dependency order with the avsc types the policy engine reads', () => {
    const source = loadSchemaSource(REPO_SCHEMAS);
    const order = [...source.types.keys()];
    for (const [name, named] of source.types) {
      for (const ref of named.references) expect(order.indexOf(ref)).toBeLessThan(order.indexOf(name));
    }
    expect(source.parsed.get('org.puente.v1.CargoManifest')?.name).toBe('org.puente.v1.CargoManifest');
  });
});
