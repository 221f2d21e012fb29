// Must show: data written with v1 is read by a v2 reader that added an optional field, and a
// v2 that adds a required field without a default is refused — by generate and by check.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CargoManifest } from './generated/avro-types.js';
import { readExamples } from './examples.js';
import { REPO_SCHEMAS, scratchSchemas } from './schemas-testing.js';
import type { ScratchSchemas } from './schemas-testing.js';
import { runSchemasCommand } from './tools/schemas-commands.js';

const CARGO = 'us.cargo-manifests.v1';
const example = readExamples(join(REPO_SCHEMAS, 'examples')).find(
  (e) => e.file === 'cargo-manifests/us-northbound-laredo.json',
);

describe('schema evolution', () => {
  let scratch: ScratchSchemas | undefined;
  afterEach(() => scratch?.remove());

  it('v2 with an added optional field reads v1 data; a required field without default is refused', () => {
    scratch = scratchSchemas();
    const dirs = { schemasDir: scratch.schemasDir, generatedDir: scratch.generatedDir };
    expect(runSchemasCommand('check', dirs)).toMatchObject({ ok: true });

    const v1 = scratch.codec();
    const v1Id = v1.schemaIdOf(CARGO);
    const written = v1.encode(CARGO, v1.fromFriendlyJson(CARGO, example?.value));

    scratch.editType('CargoManifest', (json) => {
      json.fields?.push({
        name: 'billOfLadingNumber',
        type: ['null', 'string'],
        default: null,
        doc: 'Bill of lading number, if issued.',
      });
    });
    const staleCheck = runSchemasCommand('check', dirs);
    expect(staleCheck.ok).toBe(false);
    expect(staleCheck.errors.join('\n')).toContain('catalog.lock.json is stale');

    const generated = runSchemasCommand('generate', dirs);
    expect(generated.errors).toEqual([]);
    expect(generated.output.join('\n')).toMatch(/us\.cargo-manifests\.v1-value: v2 → schema id \d+ \(was id \d+\)/);
    expect(runSchemasCommand('check', dirs)).toMatchObject({ ok: true });
    expect(readFileSync(join(scratch.generatedDir, 'avro-types.ts'), 'utf8')).toContain(
      'billOfLadingNumber: string | null;',
    );

    const v2 = scratch.codec();
    const v2Id = v2.schemaIdOf(CARGO);
    expect(v2Id).not.toBe(v1Id);
    expect(v2.schemaIdOf('mx.cargo-manifests.v1')).toBe(v2Id);
    const read = v2.decode(written, { topic: CARGO });
    expect(read.schemaId).toBe(v1Id);
    expect(read.readerSchemaId).toBe(v2Id);
    const value = read.value as CargoManifest & { billOfLadingNumber: string | null };
    expect(value.billOfLadingNumber).toBeNull();
    expect({ ...value, billOfLadingNumber: undefined }).toEqual({
      ...v1.decode(written, { topic: CARGO }).value,
      billOfLadingNumber: undefined,
    });
    // The old id stays decodable as written, and new data carries the new id.
    expect(v2.decode(written).value).toEqual(v1.decode(written).value);
    expect(v2.encode(CARGO, { ...value, billOfLadingNumber: 'MAEU-771204' } as CargoManifest).readInt32BE(1)).toBe(
      v2Id,
    );

    const lockBefore = readFileSync(join(scratch.schemasDir, 'catalog.lock.json'), 'utf8');
    scratch.editType('CargoManifest', (json) => {
      json.fields?.push({ name: 'inspectionLane', type: 'string', doc: 'Lane assigned at the port.' });
    });
    const refused = runSchemasCommand('generate', dirs);
    expect(refused.ok).toBe(false);
    expect(refused.errors.join('\n')).toContain(
      "CargoManifest: field 'inspectionLane' added without a default: a v3 reader cannot read v2 data (mx.cargo-manifests.v1-value, us.cargo-manifests.v1-value)",
    );
    expect(readFileSync(join(scratch.schemasDir, 'catalog.lock.json'), 'utf8')).toBe(lockBefore);
    const check = runSchemasCommand('check', dirs);
    expect(check.ok).toBe(false);
    expect(check.errors.join('\n')).toContain(
      "CargoManifest: field 'inspectionLane' added without a default: a v3 reader cannot read v2 data",
    );
  });

  it('names a breaking change deep in a shared type for every subject that uses it', () => {
    scratch = scratchSchemas();
    scratch.editType('GoodsItem', (json) => {
      const field = json.fields?.find((f) => f['name'] === 'declaredValue');
      if (field) field['type'] = { type: 'bytes', logicalType: 'decimal', precision: 16, scale: 3 };
    });
    scratch.editType('IdentityDocument', (json) => {
      json.fields?.push({ name: 'mrz', type: 'string', doc: 'Machine-readable zone.' });
    });
    const result = runSchemasCommand('check', { schemasDir: scratch.schemasDir, generatedDir: scratch.generatedDir });
    const errors = result.errors.join('\n');
    expect(errors).toContain(
      "CargoManifest: field 'goods[].declaredValue' changed decimal scale from 2 to 3, which would rescale every value: a v2 reader cannot read v1 data",
    );
    expect(errors).toContain("ScreeningResult: field 'traveller.documents[].mrz' added without a default");
    expect(errors).toContain("InvestigationEvent: field 'subjects[].person.documents[].mrz' added without a default");
    expect(errors).toContain("ProsecutionEvent: field 'defendants[].person.documents[].mrz' added without a default");
  });
});
