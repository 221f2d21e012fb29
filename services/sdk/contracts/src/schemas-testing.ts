// Test helpers: scratch copies of schemas/ that tests may edit, and codecs built from them.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toCatalogData, readCatalogState } from './catalog-lock.js';
import { createSchemaCatalog } from './catalog.js';
import { createCodec } from './codec.js';
import type { AvroCodec } from './codec.js';
import { loadSchemaSource } from './schema-source.js';

export const REPO_SCHEMAS = fileURLToPath(new URL('../../../../schemas', import.meta.url));
export const REPO_GENERATED = fileURLToPath(new URL('./generated', import.meta.url));

type MutableJson = Record<string, unknown>;

export interface ScratchSchemas {
  readonly root: string;
  readonly schemasDir: string;
  readonly generatedDir: string;
  /** Rewrites schemas/avro/<name>.avsc through `edit`. */
  editType(name: string, edit: (json: MutableJson & { fields?: MutableJson[] }) => unknown): void;
  /** A codec over this copy's lock and history (what a service built from it would run). */
  codec(): AvroCodec;
  remove(): void;
}

export function scratchSchemas(): ScratchSchemas {
  const root = mkdtempSync(join(tmpdir(), 'puente-schemas-'));
  const schemasDir = join(root, 'schemas');
  const generatedDir = join(root, 'generated');
  cpSync(REPO_SCHEMAS, schemasDir, { recursive: true });
  cpSync(REPO_GENERATED, generatedDir, { recursive: true });
  return {
    root,
    schemasDir,
    generatedDir,
    editType(name, edit) {
      const path = join(schemasDir, 'avro', `${name}.avsc`);
      const json = JSON.parse(readFileSync(path, 'utf8')) as MutableJson & { fields?: MutableJson[] };
      writeFileSync(path, `${JSON.stringify(edit(json) ?? json, null, 2)}\n`);
    },
    codec() {
      const data = toCatalogData(loadSchemaSource(schemasDir).topics, readCatalogState(schemasDir));
      return createCodec({ catalog: createSchemaCatalog(data) });
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
