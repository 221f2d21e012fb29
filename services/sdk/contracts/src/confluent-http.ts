// HTTP to a Confluent-compatible schema registry: one request with the endpoint's headers and
// timeout, its JSON body parsed, and refusals mapped onto AvroError codes (no retries here:
// REGISTRY_UNAVAILABLE says `retriable` and the caller decides).
import { AvroError, messageOf } from './errors.js';

export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
// Confluent's error code for "schema not found" in 404 bodies (40401 is subject not found).
const SCHEMA_NOT_FOUND = 40403;

/** Where and how to reach the registry, compiled once from the client's options. */
export interface RegistryEndpoint {
  /** Base URL without a trailing slash; a path prefix such as `/apis/ccompat/v7` is kept. */
  readonly base: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

export interface RegistryErrorBody {
  readonly error_code?: number;
  readonly message?: string;
}

/** A non-2xx answer, before it is classified into an AvroError by toAvroError. */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: RegistryErrorBody,
  ) {
    super(`HTTP ${status}`);
  }
}

export interface RegistryHttp {
  /** Resolves with the parsed body, or rejects with HttpFailure (non-2xx) or AvroError (transport). */
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Like `call`, with a non-2xx answer as an AvroError whose message starts with `what`. */
  request<T>(what: string, method: string, path: string, body?: unknown): Promise<T>;
}

/** An HttpFailure as the AvroError it means (`what` opens the message); anything else as it is. */
export function toAvroError(failure: unknown, what: string): unknown {
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

/** A response body as JSON; undefined when empty or not JSON (a proxy's HTML error page). */
export function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

export function createRegistryHttp(endpoint: RegistryEndpoint): RegistryHttp {
  const { base, headers, timeoutMs } = endpoint;

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
    const parsed = parseBody(await response.text());
    if (!response.ok) {
      const failure: RegistryErrorBody = typeof parsed === 'object' && parsed !== null ? parsed : {};
      throw new HttpFailure(response.status, failure);
    }
    return parsed as T;
  }

  return {
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
