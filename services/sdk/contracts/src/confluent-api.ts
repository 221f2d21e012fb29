// The Confluent registry REST operations Puente uses, one function each: subjects and their
// versions, schemas by id, registration, and a subject's mode. Each names what it was doing in
// the AvroError it throws.
import { AvroError } from './errors.js';
import { toAvroError, HttpFailure, type RegistryHttp } from './confluent-http.js';
import type { SubjectVersion } from './registry.js';

export const subjectPath = (subject: string): string => `/subjects/${encodeURIComponent(subject)}`;

/** The versions a subject holds; none when the registry does not know the subject. */
export async function versionsOf(http: RegistryHttp, subject: string): Promise<number[]> {
  try {
    return await http.call<number[]>('GET', `${subjectPath(subject)}/versions`);
  } catch (err) {
    if (err instanceof HttpFailure && err.status === 404) return [];
    throw toAvroError(err, `listing versions of ${subject}`);
  }
}

/** The schema id the registry holds for one version of a subject. */
export async function idOfVersion(http: RegistryHttp, subject: string, version: number): Promise<number> {
  const found = await http.request<{ id: number }>(
    `reading ${subject} v${version}`,
    'GET',
    `${subjectPath(subject)}/versions/${version}`,
  );
  return found.id;
}

export async function latestOf(http: RegistryHttp, subject: string): Promise<SubjectVersion> {
  const found = await http.request<SubjectVersion>(
    `reading latest ${subject}`,
    'GET',
    `${subjectPath(subject)}/versions/latest`,
  );
  return { subject, version: found.version, id: found.id, schema: found.schema };
}

/** The text of a schema id; INVALID_SCHEMA when the registry holds it as another schema type. */
export async function schemaById(http: RegistryHttp, id: number): Promise<string> {
  const found = await http.request<{ schema: string; schemaType?: string }>(
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
  return found.schema;
}

/** Registers a schema under a subject and returns the id the registry gave it. */
export async function registerUnder(http: RegistryHttp, subject: string, schema: string): Promise<number> {
  const result = await http.request<{ id: number }>(
    `registering under ${subject}`,
    'POST',
    `${subjectPath(subject)}/versions`,
    { schema },
  );
  return result.id;
}

/** Imports one version with an explicit id (the subject must be in IMPORT mode); the id the registry stored. */
export async function importVersion(
  http: RegistryHttp,
  subject: string,
  version: { readonly version: number; readonly id: number; readonly schema: string },
): Promise<number> {
  const result = await http.request<{ id: number }>(
    // Named in full: a refusal here is most often another schema already holding the id.
    `importing ${subject} v${version.version} with the catalog's schema id ${version.id}`,
    'POST',
    `${subjectPath(subject)}/versions`,
    { schema: version.schema, id: version.id, version: version.version },
  );
  return result.id;
}

export async function setMode(http: RegistryHttp, subject: string, mode: 'IMPORT' | 'READWRITE'): Promise<void> {
  // force: Confluent refuses IMPORT on a subject that already has versions unless forced.
  const query = mode === 'IMPORT' ? '?force=true' : '';
  await http.request(`setting ${subject} to ${mode} mode`, 'PUT', `/mode/${encodeURIComponent(subject)}${query}`, {
    mode,
  });
}
