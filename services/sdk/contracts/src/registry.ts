// The schema registry port. The embedded default answers from the catalog (offline, ids from
// schemas/catalog.lock.json); the Confluent-compatible HTTP client is used when a registry URL
// is configured. Both accept the catalog's schemas with their ids, so ids never diverge.
import type { CatalogData, SchemaCatalog } from './catalog.js';
import { AvroError } from './errors.js';

export interface SubjectVersion {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schema: string;
}

/** What publishing the catalog to a registry did, per subject. */
export interface PublishReport {
  readonly subjects: readonly {
    readonly subject: string;
    /** Versions the registry already held with the catalog's ids. */
    readonly present: readonly number[];
    /** Versions imported by this call. */
    readonly imported: readonly number[];
  }[];
}

export interface SchemaRegistry {
  readonly kind: 'catalog' | 'confluent';
  /** Registered text of a schema id; throws UNKNOWN_SCHEMA_ID. */
  getSchemaById(id: number): Promise<string>;
  /** Latest version under a subject; throws UNKNOWN_SUBJECT. */
  getLatest(subject: string): Promise<SubjectVersion>;
  /**
   * Registers a schema under a subject (or finds the identical one) and returns its id; used
   * for schemas outside the catalog, such as policy view schemas.
   */
  register(subject: string, schema: string): Promise<number>;
  /** Makes the registry hold every catalog subject version under the catalog's schema id. */
  publishCatalog(catalog: CatalogData): Promise<PublishReport>;
}

/**
 * The embedded registry: the catalog, plus schemas registered at run time. Run-time
 * registrations live in this process only (ids above the catalog's), which is what the
 * all-in-one embedded mode needs; a shared deployment configures a real registry.
 */
export function createCatalogRegistry(catalog: SchemaCatalog): SchemaRegistry {
  const extraTexts = new Map<number, string>();
  const extraSubjects = new Map<string, { version: number; id: number }[]>();
  let nextId = Math.max(0, ...Object.keys(catalog.data.schemas).map(Number)) + 1;

  const textOf = (id: number): string | undefined => catalog.schemaText(id) ?? extraTexts.get(id);
  const versionsOf = (subject: string): { version: number; id: number }[] => {
    const fromCatalog = Object.hasOwn(catalog.data.subjects, subject)
      ? (catalog.data.subjects[subject]?.versions ?? [])
      : [];
    return [...fromCatalog.map(({ version, id }) => ({ version, id })), ...(extraSubjects.get(subject) ?? [])];
  };

  return {
    kind: 'catalog',
    getSchemaById(id) {
      const text = textOf(id);
      if (text === undefined) {
        return Promise.reject(
          new AvroError({ code: 'UNKNOWN_SCHEMA_ID', message: `schema id ${id} is not in the catalog` }),
        );
      }
      return Promise.resolve(text);
    },
    getLatest(subject) {
      const last = versionsOf(subject).at(-1);
      const text = last && textOf(last.id);
      if (!last || text === undefined) {
        return Promise.reject(
          new AvroError({ code: 'UNKNOWN_SUBJECT', message: `no schema is registered for subject ${subject}` }),
        );
      }
      return Promise.resolve({ subject, version: last.version, id: last.id, schema: text });
    },
    register(subject, schema) {
      const versions = versionsOf(subject);
      const existing = versions.find((v) => textOf(v.id) === schema);
      if (existing) return Promise.resolve(existing.id);
      let id = [...Object.keys(catalog.data.schemas).map(Number), ...extraTexts.keys()].find(
        (k) => textOf(k) === schema,
      );
      if (id === undefined) {
        id = nextId;
        nextId += 1;
        extraTexts.set(id, schema);
      }
      const own = extraSubjects.get(subject) ?? [];
      own.push({ version: (versions.at(-1)?.version ?? 0) + 1, id });
      extraSubjects.set(subject, own);
      return Promise.resolve(id);
    },
    publishCatalog(data) {
      // The catalog is the registry: every version is present by construction.
      return Promise.resolve({
        subjects: Object.entries(data.subjects).map(([subject, { versions }]) => ({
          subject,
          present: versions.map((v) => v.version),
          imported: [],
        })),
      });
    },
  };
}
