import { describe, expect, it } from 'vitest';

import { createSessionStore, SESSION_COOKIE, sessionCookie, sessionIdFrom } from './sessions.js';

describe('console sessions', () => {
  it('gives each sign-in an unguessable id and finds it until it expires', () => {
    let now = 1_000;
    const store = createSessionStore({ ttlMs: 60_000, now: () => now });
    const a = store.create('token-a', { country: 'US' });
    const b = store.create('token-b', { country: 'MX' });
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[\w-]{43}$/); // 32 random bytes, base64url
    expect(store.get(a.id)?.token).toBe('token-a');
    expect(
      store
        .live()
        .map((s) => s.operator.country)
        .sort(),
    ).toEqual(['MX', 'US']);
    now += 60_000;
    expect(store.get(a.id)).toBeUndefined();
    expect(store.live()).toEqual([]);
  });

  it('forgets a session on sign-out and ignores unknown or missing ids', () => {
    const store = createSessionStore({ ttlMs: 60_000 });
    const session = store.create('token', { country: 'US' });
    expect(store.get(undefined)).toBeUndefined();
    expect(store.get('not-a-session')).toBeUndefined();
    store.delete(session.id);
    expect(store.get(session.id)).toBeUndefined();
  });

  it('sets an HttpOnly, SameSite=Strict cookie holding only the id, and clears it on sign-out', () => {
    const store = createSessionStore({ ttlMs: 3_600_000 });
    const session = store.create('secret-token', { country: 'US' });
    const cookie = sessionCookie(session);
    expect(cookie).toContain(`${SESSION_COOKIE}=${session.id}`);
    expect(cookie).toMatch(/; HttpOnly; SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=(3599|3600);/);
    expect(cookie).not.toContain('secret-token');
    expect(sessionCookie(undefined)).toMatch(new RegExp(`^${SESSION_COOKIE}=; Max-Age=0;`));
  });

  it('remembers when the operator last used the API', () => {
    let now = 5_000;
    const store = createSessionStore({ ttlMs: 60_000, now: () => now });
    const session = store.create('token', { country: 'MX' });
    expect(session.lastUsedAt).toBe(5_000);
    now = 9_000;
    store.touch(session);
    expect(store.get(session.id)?.lastUsedAt).toBe(9_000);
  });

  it('marks the cookie Secure only behind a TLS proxy', () => {
    const session = createSessionStore({ ttlMs: 60_000 }).create('token', { country: 'US' });
    expect(sessionCookie(session)).not.toContain('Secure');
    expect(sessionCookie(session, { secure: true })).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    expect(sessionCookie(undefined, { secure: true })).toMatch(/Max-Age=0;.*; Secure$/);
  });

  it('reads the session id among other cookies', () => {
    expect(sessionIdFrom(`a=1; ${SESSION_COOKIE}=abc-DEF_1; b=2`)).toBe('abc-DEF_1');
    expect(sessionIdFrom('a=1')).toBeUndefined();
    expect(sessionIdFrom(undefined)).toBeUndefined();
    expect(sessionIdFrom(`${SESSION_COOKIE}=`)).toBeUndefined();
  });
});
