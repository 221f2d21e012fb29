// Publishing the catalog to a Confluent-compatible registry: versions the registry already holds
// must carry the catalog's ids; missing ones are imported with those ids (IMPORT mode), so bytes
// framed offline and bytes framed against the registry carry the same ids.
import type { CatalogData, CatalogSubjectVersion } from './catalog.js';
import { idOfVersion, importVersion, setMode, versionsOf } from './confluent-api.js';
import type { RegistryHttp } from './confluent-http.js';
import { AvroError } from './errors.js';
import type { PublishReport } from './registry.js';

type SubjectReport = PublishReport['subjects'][number];

/** Called with every schema the registry now holds under the catalog's id. */
export type Remember = (id: number, schema: string) => void;

/** Splits a subject's catalog versions into those the registry holds (checked) and those it lacks. */
export async function sortVersions(
  http: RegistryHttp,
  subject: string,
  versions: readonly CatalogSubjectVersion[],
): Promise<{ present: number[]; missing: CatalogSubjectVersion[] }> {
  const held = new Set(await versionsOf(http, subject));
  const present: number[] = [];
  const missing: CatalogSubjectVersion[] = [];
  for (const v of versions) {
    if (!held.has(v.version)) {
      missing.push(v);
      continue;
    }
    const id = await idOfVersion(http, subject, v.version);
    if (id !== v.id) {
      throw new AvroError({
        code: 'REGISTRY_CONFLICT',
        message: `registry holds ${subject} v${v.version} as schema id ${id}, the catalog as id ${v.id}; refusing to publish over it`,
      });
    }
    present.push(v.version);
  }
  return { present, missing };
}

/** Imports each missing version with the catalog's id; the subject must be in IMPORT mode. */
export async function importMissing(
  http: RegistryHttp,
  subject: string,
  missing: readonly CatalogSubjectVersion[],
  context: { readonly catalog: CatalogData; readonly remember: Remember },
): Promise<number[]> {
  const imported: number[] = [];
  for (const v of missing) {
    const schema = context.catalog.schemas[String(v.id)]?.schema;
    if (schema === undefined) {
      throw new AvroError({
        code: 'INVALID_SCHEMA',
        message: `catalog lists ${subject} v${v.version} as id ${v.id} but has no such schema`,
      });
    }
    const id = await importVersion(http, subject, { version: v.version, id: v.id, schema });
    if (id !== v.id) {
      throw new AvroError({
        code: 'REGISTRY_CONFLICT',
        message:
          `registry stored ${subject} v${v.version} as schema id ${id}, not the catalog's id ${v.id}: ` +
          'it does not honour explicit ids in IMPORT mode, so messages framed with catalog ids would not resolve there',
      });
    }
    context.remember(v.id, schema);
    imported.push(v.version);
  }
  return imported;
}

/** Runs `work` with the subject in IMPORT mode, then leaves it writable again whatever happened. */
export async function inImportMode<T>(http: RegistryHttp, subject: string, work: () => Promise<T>): Promise<T> {
  await setMode(http, subject, 'IMPORT');
  let failed = false;
  try {
    return await work();
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // After a failure the original error is the one to report.
    await setMode(http, subject, 'READWRITE').catch((err: unknown) => {
      if (!failed) throw err;
    });
  }
}

export async function publishSubject(
  http: RegistryHttp,
  subject: string,
  context: { readonly catalog: CatalogData; readonly remember: Remember },
): Promise<SubjectReport> {
  const versions = context.catalog.subjects[subject]?.versions ?? [];
  const { present, missing } = await sortVersions(http, subject, versions);
  if (missing.length === 0) return { subject, present, imported: [] };
  const imported = await inImportMode(http, subject, () => importMissing(http, subject, missing, context));
  return { subject, present, imported };
}

/** Publishes every subject of the catalog, in name order. */
export async function publishCatalog(
  http: RegistryHttp,
  catalog: CatalogData,
  remember: Remember,
): Promise<PublishReport> {
  const subjects: SubjectReport[] = [];
  for (const subject of Object.keys(catalog.subjects).sort()) {
    subjects.push(await publishSubject(http, subject, { catalog, remember }));
  }
  return { subjects };
}
