// Client for a Confluent-compatible schema registry (Confluent Schema Registry, or anything
// speaking its REST API). The catalog stays the source of truth for ids: publishCatalog imports
// each subject version with the catalog's id (IMPORT mode), so bytes framed offline and bytes
// framed against the registry carry the same ids. HTTP lives in confluent-http.ts, the REST
// operations in confluent-api.ts, publishing in confluent-publish.ts.
import { latestOf, registerUnder, schemaById } from './confluent-api.js';
import { CONTENT_TYPE, createRegistryHttp, type RegistryEndpoint } from './confluent-http.js';
import { publishCatalog } from './confluent-publish.js';
import type { SchemaRegistry } from './registry.js';

export interface ConfluentRegistryOptions {
  /** Base URL, e.g. `http://localhost:8081` (a path prefix such as `/apis/ccompat/v7` is kept). */
  readonly url: string;
  /** HTTP basic auth (Confluent Cloud API key and secret, or registry users). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
}

/** The options as the endpoint every request uses: trailing slashes trimmed, auth as a header, default timeout. */
export function endpointOf(options: ConfluentRegistryOptions): RegistryEndpoint {
  const headers: Record<string, string> = { Accept: CONTENT_TYPE, 'Content-Type': CONTENT_TYPE };
  if (options.auth) {
    headers['Authorization'] =
      `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
  }
  return { base: options.url.replace(/\/+$/, ''), headers, timeoutMs: options.timeoutMs ?? 10_000 };
}

export function createConfluentRegistry(options: ConfluentRegistryOptions): SchemaRegistry {
  const http = createRegistryHttp(endpointOf(options));
  // Ids are immutable once issued, so a fetched schema can be cached for the process lifetime.
  const byId = new Map<number, string>();
  const remember = (id: number, schema: string): void => {
    byId.set(id, schema);
  };

  return {
    kind: 'confluent',
    async getSchemaById(id) {
      const cached = byId.get(id);
      if (cached !== undefined) return cached;
      const schema = await schemaById(http, id);
      byId.set(id, schema);
      return schema;
    },
    async getLatest(subject) {
      const latest = await latestOf(http, subject);
      byId.set(latest.id, latest.schema);
      return latest;
    },
    async register(subject, schema) {
      const id = await registerUnder(http, subject, schema);
      byId.set(id, schema);
      return id;
    },
    async publishCatalog(catalog) {
      return publishCatalog(http, catalog, remember);
    },
  };
}
