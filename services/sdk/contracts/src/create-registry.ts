// Chooses the registry implementation from configuration: the embedded catalog by default, the
// Confluent-compatible HTTP client when a registry URL is configured (SCHEMA_REGISTRY_URL).
import type { SchemaCatalog } from './catalog.js';
import { createConfluentRegistry } from './confluent-registry.js';
import type { ConfluentRegistryOptions } from './confluent-registry.js';
import { createCatalogRegistry } from './registry.js';
import type { SchemaRegistry } from './registry.js';

export interface SchemaRegistryOptions extends Partial<ConfluentRegistryOptions> {
  /** The catalog the embedded registry serves (and the one to publish to a remote registry). */
  readonly catalog: SchemaCatalog;
}

export function createSchemaRegistry(options: SchemaRegistryOptions): SchemaRegistry {
  const { catalog, url, ...rest } = options;
  if (url === undefined || url.trim() === '') return createCatalogRegistry(catalog);
  return createConfluentRegistry({ url, ...rest });
}
