// The demo's stand-in for a host app's own sign-in: two demo users, each signed in with a session cookie of its
// own. `authorize(request)` (the ce-connect/server option) answers the signed-in user, so each user's connected
// instances are theirs alone — Cloud Elements keeps them apart by the handler's owner tag.
import { randomBytes } from 'node:crypto';

/** The demo users: id → label. */
export const DEMO_USERS = Object.freeze({ alice: 'Alice', bob: 'Bob' });

/** The user a browser without a session is signed in as. */
export const DEFAULT_USER = 'alice';

const COOKIE = 'demo-session';
const MAX_SESSIONS = 1000;

/** The value of cookie `name` in a Cookie header, if any. */
function readCookie(header, name) {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/**
 * Sessions kept in memory (random ids, the oldest forgotten past 1000). `secure`: the demo is served over https,
 * so the cookie gets `Secure`.
 */
export function createSessions({ secure = false } = {}) {
  const sessions = new Map(); // session id → user id

  /** The signed-in user of a Cookie header, or null. */
  function userOf(cookieHeader) {
    const id = readCookie(cookieHeader, COOKIE);
    return (id && sessions.get(id)) ?? null;
  }

  return {
    userOf,
    /** The session id of a Cookie header, if it is a live session: what the sequence picture is kept by. */
    sessionOf(cookieHeader) {
      const id = readCookie(cookieHeader, COOKIE);
      return id && sessions.has(id) ? id : null;
    },
    /** `authorize` for createConnectHandler: the user of the request's session cookie, or null (→ 401). */
    authorize: (request) => userOf(request.headers.get('cookie')),
    /** Starts a session for `user`; returns the Set-Cookie header value. */
    signIn(user) {
      if (!Object.hasOwn(DEMO_USERS, user)) throw new TypeError(`Unknown demo user ${user}`);
      const id = randomBytes(24).toString('base64url');
      sessions.set(id, user);
      if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value);
      // SameSite=Lax, not Strict: the provider's redirect to the callback route (flow 4a) is a navigation from
      // another site, and the handler asks `authorize` who completes the flow.
      return `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
    },
  };
}
