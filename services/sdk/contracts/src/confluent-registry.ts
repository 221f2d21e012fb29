// Client for a Confluent-compatible schema registry (Confluent Schema Registry, or anything
// speaking its REST API). The catalog stays the source of truth for ids: publishCatalog imports
// each subject version with the catalog's id (IMPORT mode), so bytes framed offline and bytes
// framed against the registry carry the same ids.
import type { CatalogData, CatalogSubjectVersion } from './catalog.js';
import { AvroError, messageOf } from './errors.js';
import type { PublishReport, SchemaRegistry, SubjectVersion } from './registry.js';

export interface ConfluentRegistryOptions {
  /** Base URL, e.g. `http://localhost:8081` (a path prefix such as `/apis/ccompat/v7` is kept). */
  readonly url: string;
  /** HTTP basic auth (Confluent Cloud API key and secret, or registry users). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
// Confluent's error code for "schema not found" in 404 bodies (40401 is subject not found).
const SCHEMA_NOT_FOUND = 40403;

interface RegistryErrorBody {
  readonly error_code?: number;
  readonly message?: string;
}

/** A non-2xx answer, before it is classified into an AvroError by toAvroError. */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: RegistryErrorBody,
  ) {
    super(`HTTP ${status}`);
  }
}

export function createConfluentRegistry(options: ConfluentRegistryOptions): SchemaRegistry {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const headers: Record<string, string> = { Accept: CONTENT_TYPE, 'Content-Type': CONTENT_TYPE };
  if (options.auth) {
    headers['Authorization'] =
      `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
  }
  // Ids are immutable once issued, so a fetched schema can be cached for the process lifetime.
  const byId = new Map<number, string>();

  /** Resolves with the parsed body, or rejects with HttpFailure (non-2xx) or AvroError (transport). */
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new AvroError({
        code: 'REGISTRY_UNAVAILABLE',
        retriable: true,
        message: `schema registry ${base} unreachable (${method} ${path}): ${messageOf(err)}`,
        cause: err,
      });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const body: RegistryErrorBody = typeof parsed === 'object' && parsed !== null ? parsed : {};
      throw new HttpFailure(response.status, body);
    }
    return parsed as T;
  }

  function toAvroError(failure: unknown, what: string): unknown {
    if (!(failure instanceof HttpFailure)) return failure;
    const { status, body } = failure;
    const detail = `${what}: HTTP ${status}${body.error_code ? ` (${body.error_code})` : ''}${body.message ? ` ${body.message}` : ''}`;
    if (status === 404 && body.error_code === SCHEMA_NOT_FOUND)
      return new AvroError({ code: 'UNKNOWN_SCHEMA_ID', message: detail });
    if (status === 404) return new AvroError({ code: 'UNKNOWN_SUBJECT', message: detail });
    if (status === 409) return new AvroError({ code: 'REGISTRY_CONFLICT', message: detail });
    if (status >= 500 || status === 429 || status === 408) {
      return new AvroError({ code: 'REGISTRY_UNAVAILABLE', retriable: true, message: detail });
    }
    return new AvroError({ code: 'REGISTRY_REJECTED', message: detail });
  }

  async function request<T>(what: string, method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await call<T>(method, path, body);
    } catch (err) {
      throw toAvroError(err, what);
    }
  }

  const subjectPath = (subject: string): string => `/subjects/${encodeURIComponent(subject)}`;

  async function versionsOf(subject: string): Promise<number[]> {
    try {
      return await call<number[]>('GET', `${subjectPath(subject)}/versions`);
    } catch (err) {
      if (err instanceof HttpFailure && err.status === 404) return [];
      throw toAvroError(err, `listing versions of ${subject}`);
    }
  }

  async function setMode(subject: string, mode: 'IMPORT' | 'READWRITE'): Promise<void> {
    // force: Confluent refuses IMPORT on a subject that already has versions unless forced.
    const query = mode === 'IMPORT' ? '?force=true' : '';
    await request(`setting ${subject} to ${mode} mode`, 'PUT', `/mode/${encodeURIComponent(subject)}${query}`, {
      mode,
    });
  }

  async function publishSubject(subject: string, catalog: CatalogData) {
    const versions = catalog.subjects[subject]?.versions ?? [];
    const held = new Set(await versionsOf(subject));
    const present: number[] = [];
    const missing: CatalogSubjectVersion[] = [];
    for (const v of versions) {
      if (!held.has(v.version)) {
        missing.push(v);
        continue;
      }
      const found = await request<{ id: number }>(
        `reading ${subject} v${v.version}`,
        'GET',
        `${subjectPath(subject)}/versions/${v.version}`,
      );
      if (found.id !== v.id) {
        throw new AvroError({
          code: 'REGISTRY_CONFLICT',
          message: `registry holds ${subject} v${v.version} as schema id ${found.id}, the catalog as id ${v.id}; refusing to publish over it`,
        });
      }
      present.push(v.version);
    }
    if (missing.length === 0) return { subject, present, imported: [] };
    await setMode(subject, 'IMPORT');
    const imported: number[] = [];
    let failed = false;
    try {
      for (const v of missing) {
        const schema = catalog.schemas[String(v.id)]?.schema;
        if (schema === undefined) {
          throw new AvroError({
            code: 'INVALID_SCHEMA',
            message: `catalog lists ${subject} v${v.version} as id ${v.id} but has no such schema`,
          });
        }
        const body = { schema, id: v.id, version: v.version };
        const result = await request<{ id: number }>(
          // Named in full: a refusal here is most often another schema already holding the id.
          `importing ${subject} v${v.version} with the catalog's schema id ${v.id}`,
          'POST',
          `${subjectPath(subject)}/versions`,
          body,
        );
        if (result.id !== v.id) {
          throw new AvroError({
            code: 'REGISTRY_CONFLICT',
            message:
              `registry stored ${subject} v${v.version} as schema id ${result.id}, not the catalog's id ${v.id}: ` +
              'it does not honour explicit ids in IMPORT mode, so messages framed with catalog ids would not resolve there',
          });
        }
        byId.set(v.id, schema);
        imported.push(v.version);
      }
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      // Leave the subject writable again; after a failure the original error is the one to report.
      await setMode(subject, 'READWRITE').catch((err: unknown) => {
        if (!failed) throw err;
      });
    }
    return { subject, present, imported };
  }

  return {
    kind: 'confluent',
    async getSchemaById(id) {
      const cached = byId.get(id);
      if (cached !== undefined) return cached;
      const found = await request<{ schema: string; schemaType?: string }>(
        `looking up schema id ${id}`,
        'GET',
        `/schemas/ids/${id}`,
      );
      if (found.schemaType !== undefined && found.schemaType !== 'AVRO') {
        throw new AvroError({
          code: 'INVALID_SCHEMA',
          message: `schema id ${id} is a ${found.schemaType} schema, not Avro`,
        });
      }
      byId.set(id, found.schema);
      return found.schema;
    },
    async getLatest(subject) {
      const found = await request<SubjectVersion>(
        `reading latest ${subject}`,
        'GET',
        `${subjectPath(subject)}/versions/latest`,
      );
      byId.set(found.id, found.schema);
      return { subject, version: found.version, id: found.id, schema: found.schema };
    },
    async register(subject, schema) {
      const result = await request<{ id: number }>(
        `registering under ${subject}`,
        'POST',
        `${subjectPath(subject)}/versions`,
        { schema },
      );
      byId.set(result.id, schema);
      return result.id;
    },
    async publishCatalog(catalog) {
      const subjects: PublishReport['subjects'][number][] = [];
      for (const subject of Object.keys(catalog.subjects).sort()) subjects.push(await publishSubject(subject, catalog));
      return { subjects };
    },
  };
}
