// Publishing the catalog and the REST operations under it, against an in-memory RegistryHttp:
// the paths where a double over a socket cannot easily go (a mode reset that fails, a schema of
// another type, a catalog listing an id it has no text for).
import { describe, expect, it } from 'vitest';
import type { CatalogData } from './catalog.js';
import { schemaById, versionsOf } from './confluent-api.js';
import { HttpFailure, toAvroError, type RegistryHttp } from './confluent-http.js';
import { importMissing, inImportMode, publishSubject, sortVersions } from './confluent-publish.js';
import { AvroError } from './errors.js';
import { PARCELS, PARCELS_V1, PARCELS_V2, tinyCatalogData } from './codec-testing.js';

const SUBJECT = `${PARCELS}-value`;

type Route = (method: string, path: string, body: unknown) => unknown;

/** A RegistryHttp answering from `route` (throw HttpFailure for a refusal), logging each call. */
function stubHttp(route: Route): RegistryHttp & { log: string[] } {
  const log: string[] = [];
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    log.push(`${method} ${path}`);
    return route(method, path, body) as T;
  };
  return {
    log,
    call,
    async request<T>(what: string, method: string, path: string, body?: unknown): Promise<T> {
      try {
        return await call<T>(method, path, body);
      } catch (err) {
        throw toAvroError(err, what);
      }
    },
  };
}

const versions = tinyCatalogData.subjects[SUBJECT]?.versions ?? [];

describe('registry REST operations', () => {
  it('lists no versions for an unknown subject, and names other failures', async () => {
    const missing = stubHttp(() => {
      throw new HttpFailure(404, { error_code: 40401 });
    });
    expect(await versionsOf(missing, 'a b')).toEqual([]);
    expect(missing.log).toEqual(['GET /subjects/a%20b/versions']);
    const down = stubHttp(() => {
      throw new HttpFailure(503, {});
    });
    await expect(versionsOf(down, 's')).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      message: 'listing versions of s: HTTP 503',
    });
  });

  it('refuses a schema id the registry holds as another schema type', async () => {
    const http = stubHttp(() => ({ schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' }));
    await expect(schemaById(http, 5)).rejects.toMatchObject({
      code: 'INVALID_SCHEMA',
      message: 'schema id 5 is a PROTOBUF schema, not Avro',
    });
    expect(
      await schemaById(
        stubHttp(() => ({ schema: '"int"', schemaType: 'AVRO' })),
        5,
      ),
    ).toBe('"int"');
  });
});

describe('publishing the catalog', () => {
  it('checks the versions the registry holds and lists the ones it lacks', async () => {
    const http = stubHttp((_m, path) => (path.endsWith('/versions') ? [1] : { id: PARCELS_V1 }));
    expect(await sortVersions(http, SUBJECT, versions)).toEqual({ present: [1], missing: [versions[1]] });
    expect(http.log).toEqual([`GET /subjects/${SUBJECT}/versions`, `GET /subjects/${SUBJECT}/versions/1`]);
    const other = stubHttp((_m, path) => (path.endsWith('/versions') ? [1, 2] : { id: 77 }));
    await expect(sortVersions(other, SUBJECT, versions)).rejects.toMatchObject({
      code: 'REGISTRY_CONFLICT',
      message: `registry holds ${SUBJECT} v1 as schema id 77, the catalog as id ${PARCELS_V1}; refusing to publish over it`,
    });
  });

  it('imports with the catalog’s ids, remembering each schema, and refuses ids it cannot import', async () => {
    const remembered: number[] = [];
    const remember = (id: number) => void remembered.push(id);
    const bodies: unknown[] = [];
    const http = stubHttp((_m, _p, body) => {
      bodies.push(body);
      return { id: (body as { id: number }).id };
    });
    expect(await importMissing(http, SUBJECT, versions, { catalog: tinyCatalogData, remember })).toEqual([1, 2]);
    expect(remembered).toEqual([PARCELS_V1, PARCELS_V2]);
    expect(bodies[1]).toEqual({
      schema: tinyCatalogData.schemas[String(PARCELS_V2)]?.schema,
      id: PARCELS_V2,
      version: 2,
    });

    const noText: CatalogData = { ...tinyCatalogData, schemas: {} };
    await expect(importMissing(http, SUBJECT, versions, { catalog: noText, remember })).rejects.toMatchObject({
      code: 'INVALID_SCHEMA',
      message: `catalog lists ${SUBJECT} v1 as id ${PARCELS_V1} but has no such schema`,
    });
    const ownIds = stubHttp(() => ({ id: 1 }));
    await expect(
      importMissing(ownIds, SUBJECT, versions, { catalog: tinyCatalogData, remember }),
    ).rejects.toMatchObject({
      code: 'REGISTRY_CONFLICT',
      message: expect.stringContaining('does not honour explicit ids in IMPORT mode') as unknown,
    });
  });

  it('leaves the subject writable after import work, reporting the work’s error over the reset’s', async () => {
    const modes: string[] = [];
    const resetFails = stubHttp((_m, path, body) => {
      modes.push((body as { mode: string }).mode);
      if (path === `/mode/${SUBJECT}`) throw new HttpFailure(500, {});
      return body;
    });
    const workError = new AvroError({ code: 'REGISTRY_CONFLICT', message: 'the work failed' });
    await expect(inImportMode(resetFails, SUBJECT, () => Promise.reject(workError))).rejects.toBe(workError);
    expect(modes).toEqual(['IMPORT', 'READWRITE']);
    expect(resetFails.log).toEqual([`PUT /mode/${SUBJECT}?force=true`, `PUT /mode/${SUBJECT}`]);
    await expect(inImportMode(resetFails, SUBJECT, () => Promise.resolve('done'))).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      message: `setting ${SUBJECT} to READWRITE mode: HTTP 500`,
    });
    const fine = stubHttp((_m, _p, body) => body);
    expect(await inImportMode(fine, SUBJECT, () => Promise.resolve('done'))).toBe('done');
  });

  it('touches no mode when nothing is missing', async () => {
    const http = stubHttp((_m, path) => {
      if (path.endsWith('/versions')) return [1, 2];
      return { id: path.endsWith('/1') ? PARCELS_V1 : PARCELS_V2 };
    });
    const report = await publishSubject(http, SUBJECT, { catalog: tinyCatalogData, remember: () => undefined });
    expect(report).toEqual({ subject: SUBJECT, present: [1, 2], imported: [] });
    expect(http.log.some((line) => line.includes('/mode/'))).toBe(false);
  });
});
