// Server-side sessions: the operator's token stays here, the browser holds only a random id in an
// HttpOnly, SameSite=Strict cookie. Each session expires a fixed time after sign-in; expired ones
// are forgotten when next looked up or listed.
import { randomBytes } from 'node:crypto';

import type { Country } from '@puente/runtime';

export const SESSION_COOKIE = 'puente_console_session';

/** The operator a session belongs to, as the gateway's answers show it. */
export interface OperatorIdentity {
  readonly country: Country;
}

export interface Session {
  readonly id: string;
  /** The operator's bearer token: sent to the gateway, never to the browser. */
  readonly token: string;
  readonly operator: OperatorIdentity;
  readonly expiresAt: number;
}

export interface SessionStore {
  create(token: string, operator: OperatorIdentity): Session;
  /** The live session with this id; undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined;
  delete(id: string | undefined): void;
  /** Every live session. */
  live(): Session[];
}

export function createSessionStore(options: { ttlMs: number; now?: () => number }): SessionStore {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();
  const alive = (session: Session) => session.expiresAt > now();
  return {
    create(token, operator) {
      // 256 bits from the CSPRNG: unguessable, so the cookie alone is the proof of sign-in.
      const session = { id: randomBytes(32).toString('base64url'), token, operator, expiresAt: now() + options.ttlMs };
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      if (id === undefined) return undefined;
      const session = sessions.get(id);
      if (session && !alive(session)) sessions.delete(id);
      return session && alive(session) ? session : undefined;
    },
    delete(id) {
      if (id !== undefined) sessions.delete(id);
    },
    live() {
      for (const session of sessions.values()) if (!alive(session)) sessions.delete(session.id);
      return [...sessions.values()];
    },
  };
}

/**
 * The Set-Cookie value for a session (or, without one, clearing the cookie). Not `Secure`: the
 * console serves plain HTTP on loopback; a TLS proxy in front of it adds the attribute.
 */
export function sessionCookie(session: Session | undefined): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (!session) return [`${SESSION_COOKIE}=`, 'Max-Age=0', ...attributes].join('; ');
  const maxAge = Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000));
  return [`${SESSION_COOKIE}=${session.id}`, `Max-Age=${maxAge}`, ...attributes].join('; ');
}

/** The session id a request's Cookie header carries. */
export function sessionIdFrom(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}
