// The registry port: the embedded catalog registry, and the Confluent-compatible HTTP client
// against a test double of the registry's REST contract (../testing/confluent-registry-double.ts)
// over a real socket.
import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogData } from './catalog.js';
import { createCodec } from './codec.js';
import { createConfluentRegistry } from './confluent-registry.js';
import { createSchemaRegistry } from './create-registry.js';
import { createCatalogRegistry } from './registry.js';
import {
  ConfluentRegistryDouble as FakeRegistry,
  type ConfluentRegistryDoubleOptions as FakeOptions,
} from './testing/confluent-registry-double.js';

const codec = createCodec();
const catalog = codec.catalog;
const CARGO_SUBJECT = 'us.cargo-manifests.v1-value';

describe('catalog registry (embedded default)', () => {
  const registry = createCatalogRegistry(catalog);

  it('answers from the catalog', async () => {
    const latest = await registry.getLatest(CARGO_SUBJECT);
    expect(latest).toMatchObject({ subject: CARGO_SUBJECT, version: 1, id: codec.schemaIdOf('us.cargo-manifests.v1') });
    expect(await registry.getSchemaById(latest.id)).toBe(catalog.schemaText(latest.id));
    await expect(registry.getSchemaById(9_999)).rejects.toMatchObject({ code: 'UNKNOWN_SCHEMA_ID' });
    await expect(registry.getLatest('nope-value')).rejects.toMatchObject({ code: 'UNKNOWN_SUBJECT' });
  });

  it('registers new schemas above the catalog ids, and finds identical ones', async () => {
    const local = createCatalogRegistry(catalog);
    const maxId = Math.max(...Object.keys(catalog.data.schemas).map(Number));
    const view = '{"type":"record","name":"V","fields":[{"name":"a","type":"string"}]}';
    const id = await local.register('view-a-value', view);
    expect(id).toBe(maxId + 1);
    expect(await local.register('view-b-value', view)).toBe(id);
    expect(await local.register(CARGO_SUBJECT, catalog.schemaText(2) ?? '')).toBe(2);
    expect(await local.getLatest('view-b-value')).toMatchObject({ version: 1, id, schema: view });
  });

  it('publishing the catalog to itself is a no-op', async () => {
    const report = await registry.publishCatalog(catalog.data);
    expect(report.subjects.every((s) => s.imported.length === 0 && s.present.length > 0)).toBe(true);
  });

  it('is what createSchemaRegistry returns without a URL', () => {
    expect(createSchemaRegistry({ catalog }).kind).toBe('catalog');
    expect(createSchemaRegistry({ catalog, url: ' ' }).kind).toBe('catalog');
    expect(createSchemaRegistry({ catalog, url: 'http://localhost:8081' }).kind).toBe('confluent');
  });
});

describe('Confluent registry client', () => {
  const fakes: FakeRegistry[] = [];
  const fake = async (options?: FakeOptions, prefix?: string) => {
    const started = await new FakeRegistry(options).start(prefix);
    fakes.push(started);
    return started;
  };
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.stop()));
  });

  it('publishes every subject version with the catalog’s ids, then is idempotent', async () => {
    const server = await fake();
    const registry = createConfluentRegistry({ url: server.url });
    const report = await registry.publishCatalog(catalog.data);
    expect(report.subjects).toHaveLength(Object.keys(catalog.data.subjects).length);
    for (const [subject, { versions }] of Object.entries(catalog.data.subjects)) {
      expect(server.subjects.get(subject)).toEqual(versions.map(({ version, id }) => ({ version, id })));
      expect(server.modes.get(subject)).toBe('READWRITE');
    }
    for (const [id, { schema }] of Object.entries(catalog.data.schemas))
      expect(server.schemas.get(Number(id))).toBe(schema);
    expect(await registry.getLatest(CARGO_SUBJECT)).toMatchObject({
      id: codec.schemaIdOf('us.cargo-manifests.v1'),
      version: 1,
    });

    const posts = server.requests.filter((r) => r.method === 'POST').length;
    const again = await registry.publishCatalog(catalog.data);
    expect(again.subjects.every((s) => s.imported.length === 0)).toBe(true);
    expect(server.requests.filter((r) => r.method === 'POST').length).toBe(posts);
  });

  it('imports only the new version of a subject that already has versions', async () => {
    const server = await fake();
    const registry = createConfluentRegistry({ url: server.url });
    await registry.publishCatalog(catalog.data);
    const v2Text = (catalog.schemaText(2) ?? '').replace(
      'Seals on trailers or containers.',
      'Seals on trailers, containers or tanks.',
    );
    const newId = Math.max(...Object.keys(catalog.data.schemas).map(Number)) + 1;
    const next: CatalogData = {
      ...catalog.data,
      schemas: {
        ...catalog.data.schemas,
        [String(newId)]: { type: 'org.puente.v1.CargoManifest', fingerprint: 'sha256:test', schema: v2Text },
      },
      subjects: {
        ...catalog.data.subjects,
        [CARGO_SUBJECT]: {
          topic: 'us.cargo-manifests.v1',
          versions: [
            ...(catalog.data.subjects[CARGO_SUBJECT]?.versions ?? []),
            { version: 2, id: newId, fingerprint: 'sha256:test' },
          ],
        },
      },
    };
    const report = await registry.publishCatalog(next);
    expect(report.subjects.find((s) => s.subject === CARGO_SUBJECT)).toEqual({
      subject: CARGO_SUBJECT,
      present: [1],
      imported: [2],
    });
    expect(server.requests.some((r) => r.path === `/mode/${CARGO_SUBJECT}?force=true`)).toBe(true);
    expect(await registry.getLatest(CARGO_SUBJECT)).toMatchObject({ version: 2, id: newId, schema: v2Text });
  });

  it('refuses to publish over a registry that holds other ids', async () => {
    const server = await fake();
    server.schemas.set(99, catalog.schemaText(2) ?? '');
    server.subjects.set(CARGO_SUBJECT, [{ version: 1, id: 99 }]);
    const registry = createConfluentRegistry({ url: server.url });
    await expect(registry.publishCatalog(catalog.data)).rejects.toMatchObject({
      code: 'REGISTRY_CONFLICT',
      message: expect.stringContaining(
        `registry holds ${CARGO_SUBJECT} v1 as schema id 99, the catalog as id 2`,
      ) as unknown,
    });
  });

  it('names the subject, version and id when the registry holds the catalog’s id as another schema', async () => {
    const server = await fake();
    const id = codec.schemaIdOf('us.cargo-manifests.v1');
    server.schemas.set(id, '"string"');
    const first = Object.keys(catalog.data.subjects)
      .sort()
      .find((subject) => catalog.data.subjects[subject]?.versions.some((v) => v.id === id));
    const err = await createConfluentRegistry({ url: server.url })
      .publishCatalog(catalog.data)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'REGISTRY_CONFLICT',
      message: expect.stringContaining(`importing ${first} v1 with the catalog's schema id ${id}`) as unknown,
    });
  });

  it('detects a registry that ignores explicit ids in IMPORT mode, and leaves the subject writable', async () => {
    const server = await fake({ ignoreImportIds: true });
    server.schemas.set(1, '"string"');
    const registry = createConfluentRegistry({ url: server.url });
    const err = await registry.publishCatalog(catalog.data).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'REGISTRY_CONFLICT',
      message: expect.stringContaining('does not honour explicit ids') as unknown,
    });
    expect([...server.modes.values()].every((m) => m === 'READWRITE')).toBe(true);
  });

  it('resolves unknown ids once and caches them; decodeAsync uses it', async () => {
    const server = await fake({}, '/apis/ccompat/v7');
    const registry = createConfluentRegistry({
      url: `${server.url}/`,
      auth: { username: 'puente', password: 's3cret' },
    });
    const view = JSON.stringify({
      type: 'record',
      name: 'CargoView',
      namespace: 'org.puente.v1.view',
      fields: [{ name: 'manifestId', type: 'string' }],
    });
    const admin = createConfluentRegistry({ url: server.url });
    await admin.publishCatalog(catalog.data);
    const viewId = await admin.register('us.cargo-manifests.v1.mx-value', view);
    expect(catalog.schemaText(viewId)).toBeUndefined();
    const writer = createCodec();
    writer.addSchema(viewId, view);
    const bytes = writer.encodeWithSchemaId(viewId, { manifestId: 'VBPT4410270815' });

    const reader = createCodec({ registry });
    expect((await reader.decodeAsync(bytes)).value).toEqual({ manifestId: 'VBPT4410270815' });
    await reader.decodeAsync(bytes);
    expect(await registry.getSchemaById(viewId)).toBe(view);
    const lookups = server.requests.filter((r) => r.path === `/schemas/ids/${viewId}`);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.auth).toBe(`Basic ${Buffer.from('puente:s3cret').toString('base64')}`);
    await expect(registry.getSchemaById(4_242)).rejects.toMatchObject({ code: 'UNKNOWN_SCHEMA_ID', retriable: false });
    expect(() => reader.addSchema(2, view)).toThrow('already known with a different schema');
    await expect(registry.getLatest('nope-value')).rejects.toMatchObject({ code: 'UNKNOWN_SUBJECT' });
  });

  it('reports outages as retriable REGISTRY_UNAVAILABLE: 5xx, refused connections, timeouts', async () => {
    const down = await fake({ status: 503 });
    await expect(createConfluentRegistry({ url: down.url }).getSchemaById(1)).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      retriable: true,
    });
    const closed = await fake();
    const closedUrl = closed.url;
    await closed.stop();
    fakes.splice(fakes.indexOf(closed), 1);
    await expect(createConfluentRegistry({ url: closedUrl }).getSchemaById(1)).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      retriable: true,
    });
    const hung = await fake({ hang: true });
    const started = Date.now();
    await expect(createConfluentRegistry({ url: hung.url, timeoutMs: 200 }).getSchemaById(1)).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports other refusals as REGISTRY_REJECTED', async () => {
    const server = await fake({ status: 422 });
    await expect(createConfluentRegistry({ url: server.url }).register('x-value', '"string"')).rejects.toMatchObject({
      code: 'REGISTRY_REJECTED',
      retriable: false,
    });
  });
});
