// Calls to the console's own JSON API (same origin; the session cookie goes along). A failed call
// throws an ApiError carrying the reason, which pages translate. A 401 outside sign-in means the
// session is over (expired, signed out elsewhere, or the gateway refused its token): the app is
// told, and goes back to the sign-in page.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

let onSessionEnded: () => void = () => undefined;

export function setSessionEndedHandler(handler: () => void): void {
  onSessionEnded = handler;
}

interface ErrorBody {
  error?: { reason?: string; message?: string };
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? null : JSON.stringify(init.body),
    credentials: 'same-origin',
  });
  const body = (await response.json().catch(() => ({}))) as unknown;
  if (!response.ok) {
    const error = (body as ErrorBody).error;
    if (response.status === 401 && path !== '/api/session' && path !== '/api/me') onSessionEnded();
    throw new ApiError(response.status, error?.reason ?? 'UNKNOWN', error?.message ?? response.statusText);
  }
  return body as T;
}

/** A query string of the non-empty values. */
export function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
