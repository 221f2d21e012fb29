// Server-side sessions: the operator's token stays here, the browser holds only a random id in an
// HttpOnly, SameSite=Strict cookie (and Secure behind a TLS proxy). Each session expires a fixed
// time after sign-in, or at once when the gateway stops accepting its token; expired ones are
// forgotten when next looked up or listed. Each remembers when the operator last used the API,
// so the lag sampler stops asking for a country nobody is looking at.
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
  /** Epoch ms of the operator's last API request (sign-in counts; the sampler's calls do not). */
  lastUsedAt: number;
}

export interface SessionStore {
  create(token: string, operator: OperatorIdentity): Session;
  /** The live session with this id; undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined;
  /** Notes that the operator used the API now. */
  touch(session: Session): void;
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
      const session: Session = {
        id: randomBytes(32).toString('base64url'),
        token,
        operator,
        expiresAt: now() + options.ttlMs,
        lastUsedAt: now(),
      };
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      if (id === undefined) return undefined;
      const session = sessions.get(id);
      if (session && !alive(session)) sessions.delete(id);
      return session && alive(session) ? session : undefined;
    },
    touch(session) {
      session.lastUsedAt = now();
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
 * The Set-Cookie value for a session (or, without one, clearing the cookie). `Secure` only when
 * the console is behind a TLS-terminating proxy: on loopback it serves plain HTTP, and a browser
 * would not send a Secure cookie back over it.
 */
export function sessionCookie(session: Session | undefined, options: { secure?: boolean } = {}): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(options.secure ? ['Secure'] : [])];
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
