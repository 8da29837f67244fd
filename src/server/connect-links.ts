import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isInstanceName } from '../protocol-rules.js';
import type { ConnectContext } from './context.js';
import { CLOCK_ALLOWANCE_MS } from './state-store.js';
import type { ConnectLink, ConnectLinkRequest, StateStore } from './types.js';

/**
 * Connect links (docs/connect-links.md): the signed link token, the short-lived link cookie the confirm step sets,
 * the link's state on the shared store (revoked, spent) and the host's `createConnectLink`/`revokeConnectLink`.
 * A link names its owner, so whoever opens it connects an account for that owner: the store makes it single-use.
 */

/** Default lifetime of a link: 72 hours. */
export const DEFAULT_LINK_LIFETIME_MS = 72 * 60 * 60 * 1000;
/** Longest lifetime of a link: 7 days. */
export const MAX_LINK_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** Longest life of the link cookie set by the confirm step: enough for one sign-in, never past the link's expiry. */
export const LINK_COOKIE_LIFETIME_MS = 30 * 60 * 1000;

/** A verified link: who it is for, which element, the instance name, who asks, and until when. */
export interface LinkGrant {
  readonly id: string;
  readonly owner: string;
  readonly element: string;
  readonly name?: string;
  readonly inviter?: string;
  readonly expiresAt: number;
}

/**
 * A route of one element (oauth/url, the flow-4a callback): the handler runs it for the request's owner, and a
 * connect link's page runs it for the link's owner with its grant, so both share this one signature.
 */
export type ElementRoute = (
  context: ConnectContext,
  request: Request,
  element: string,
  owner: string,
  link?: LinkGrant,
) => Promise<Response>;

/** Where a link stands: usable, or why not. */
export type LinkStatus = 'open' | 'expired' | 'revoked' | 'spent';

const PRINTABLE = /^[^\p{Cc}]+$/u;
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const SEALED_PATTERN = /^[A-Za-z0-9_-]{1,4096}\.[A-Za-z0-9_-]{43}$/;

/** The store key a link is spent under (a revocation spends it too, so it can never complete afterwards). */
export const spentKey = (id: string): string => `link:${id}`;
const revokedKey = (id: string): string => `link-revoked:${id}`;

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= max && PRINTABLE.test(value);
}

/** The signing key of tokens and link cookies: derived from `cookieSecret`, separate from the flow cookies' key. */
function linkKey(context: ConnectContext): Buffer {
  return createHmac('sha256', context.options.cookieSecret).update('ce-connect link key v1').digest();
}

function sign(context: ConnectContext, purpose: string, payload: string): string {
  return createHmac('sha256', linkKey(context)).update(`ce-connect-${purpose}.v1|${payload}`).digest('base64url');
}

/** `base64url(JSON).mac`: readable by anyone who decodes it, but any change breaks the MAC. */
function seal(context: ConnectContext, purpose: string, record: object): string {
  const payload = Buffer.from(JSON.stringify(record)).toString('base64url');
  return `${payload}.${sign(context, purpose, payload)}`;
}

function unseal(context: ConnectContext, purpose: string, value: string): Record<string, unknown> | undefined {
  if (!SEALED_PATTERN.test(value)) return undefined;
  const [payload = '', mac = ''] = value.split('.');
  if (!timingSafeEqual(Buffer.from(mac), Buffer.from(sign(context, purpose, payload)))) return undefined;
  try {
    const record: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof record === 'object' && record !== null ? (record as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The grant of a verified record, or `undefined` when a field is malformed or the element is no longer configured. */
function readGrant(context: ConnectContext, record: Record<string, unknown> | undefined): LinkGrant | undefined {
  if (!record) return undefined;
  const { i, o, e, n, w, x } = record;
  if (typeof i !== 'string' || !ID_PATTERN.test(i) || !isText(o, 256) || typeof e !== 'string') return undefined;
  if (!context.options.elements.has(e) || typeof x !== 'number') return undefined;
  if ((n !== undefined && !isInstanceName(n)) || (w !== undefined && !isText(w, 200))) return undefined;
  return {
    id: i,
    owner: o,
    element: e,
    expiresAt: x,
    ...(n !== undefined && { name: n }),
    ...(w !== undefined && { inviter: w }),
  };
}

function writeGrant(grant: LinkGrant): Record<string, string | number> {
  return {
    i: grant.id,
    o: grant.owner,
    e: grant.element,
    x: grant.expiresAt,
    ...(grant.name !== undefined && { n: grant.name }),
    ...(grant.inviter !== undefined && { w: grant.inviter }),
  };
}

/** The link a token names, when its signature holds (expiry, revocation and use are {@link linkStatus}'s). */
export function readLinkToken(context: ConnectContext, token: string): LinkGrant | undefined {
  return readGrant(context, unseal(context, 'link', token));
}

/** Whether `value` has the shape of a link token (so the route table can tell it from other segments). */
export const looksLikeLinkToken = (value: string): boolean => SEALED_PATTERN.test(value);

/** The store every link decision goes through; connect links need its optional `has`. */
export function linkStore(context: ConnectContext): StateStore & Required<Pick<StateStore, 'has'>> {
  const { store } = context;
  if (typeof store.has !== 'function')
    throw new TypeError('ce-connect/server: connect links need a stateStore with has(key)');
  return store as StateStore & Required<Pick<StateStore, 'has'>>;
}

/** Expired, revoked, spent or open; rejects when the store cannot answer. */
export async function linkStatus(context: ConnectContext, grant: LinkGrant): Promise<LinkStatus> {
  if (grant.expiresAt <= context.options.now()) return 'expired';
  const store = linkStore(context);
  if (await store.has(revokedKey(grant.id))) return 'revoked';
  return (await store.has(spentKey(grant.id))) ? 'spent' : 'open';
}

/**
 * Spends the link for the one instance it may create: the store's atomic `consumeOnce`, so of two completions in
 * any processes only one gets `true`. An expired or revoked link (revocation spent it) gets `false`.
 */
export async function spendLink(context: ConnectContext, grant: LinkGrant): Promise<boolean> {
  if (grant.expiresAt <= context.options.now()) return false;
  const ttl = Math.max(1, Math.ceil(grant.expiresAt - context.options.now() + CLOCK_ALLOWANCE_MS));
  if ((await context.store.consumeOnce(spentKey(grant.id), ttl)) !== true) return false;
  // A revocation that marked the link between its two writes still wins.
  return !(await linkStore(context).has(revokedKey(grant.id)));
}

/** Gives a spent link back after the instance it was spent for could not be created (a store without `release` keeps it spent). */
export async function releaseLink(context: ConnectContext, grant: LinkGrant): Promise<void> {
  try {
    if (typeof context.store.release === 'function' && !(await context.store.has?.(revokedKey(grant.id)))) {
      await context.store.release(spentKey(grant.id));
    }
  } catch {
    context.log('link.release-failed', { linkId: grant.id });
  }
}

// ---- the link cookie: set by the confirm step, read by the link routes only ----

function linkCookieName(context: ConnectContext): string {
  // `__Secure-` (not `__Host-`) so the cookie can stay scoped to the base path.
  return context.options.secureCookies ? '__Secure-ce-connect-link' : 'ce-connect-link';
}

/** The Set-Cookie that binds this browser to the link for one sign-in. */
export function linkCookie(context: ConnectContext, grant: LinkGrant): string {
  const now = context.options.now();
  const until = Math.min(grant.expiresAt, now + LINK_COOKIE_LIFETIME_MS);
  const value = seal(context, 'link-cookie', { ...writeGrant(grant), c: until });
  const secure = context.options.secureCookies ? '; Secure' : '';
  return `${linkCookieName(context)}=${value}; Max-Age=${Math.max(1, Math.ceil((until - now) / 1000))}; Path=${context.options.basePath}; HttpOnly; SameSite=Lax${secure}`;
}

/** The link this browser confirmed, when its cookie is present, correctly signed and not past its own expiry. */
export function readLinkCookie(context: ConnectContext, request: Request): LinkGrant | undefined {
  const name = linkCookieName(context);
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0 || part.slice(0, separator).trim() !== name) continue;
    const record = unseal(context, 'link-cookie', part.slice(separator + 1).trim());
    if (!record || typeof record.c !== 'number' || record.c <= context.options.now()) return undefined;
    return readGrant(context, record);
  }
  return undefined;
}

// ---- the host's API ----

function refuse(message: string): never {
  throw new TypeError(`ce-connect/server: createConnectLink: ${message}`);
}

/** Checks the request and returns the grant for a new link; throws a TypeError naming the first problem. */
function newGrant(context: ConnectContext, request: ConnectLinkRequest): LinkGrant {
  if (typeof request !== 'object' || request === null)
    refuse('expects { owner, element, name?, inviter?, expiresInMs? }');
  const { owner, element, name, inviter, expiresInMs = DEFAULT_LINK_LIFETIME_MS } = request;
  if (context.options.appName === undefined)
    refuse('set the handler option appName: the link page says which app asks');
  if (!isText(owner, 256))
    refuse('owner must be a non-empty string of at most 256 characters without control characters');
  if (typeof element !== 'string' || !context.options.elements.has(element))
    refuse('element must be a configured element key');
  if (name !== undefined && !isInstanceName(name)) refuse('name must be a valid instance name');
  if (inviter !== undefined && !isText(inviter, 200))
    refuse('inviter must be a non-empty string of at most 200 characters');
  if (
    typeof expiresInMs !== 'number' ||
    !Number.isInteger(expiresInMs) ||
    expiresInMs <= 0 ||
    expiresInMs > MAX_LINK_LIFETIME_MS
  ) {
    refuse(`expiresInMs must be a positive integer of at most ${MAX_LINK_LIFETIME_MS} (7 days)`);
  }
  linkStore(context);
  return {
    id: randomBytes(16).toString('base64url').slice(0, 22),
    owner,
    element,
    expiresAt: context.options.now() + expiresInMs,
    ...(name !== undefined && { name: name.trim() }),
    ...(inviter !== undefined && { inviter: inviter.trim() }),
  };
}

/** `createConnectLink` and `revokeConnectLink` for one handler. */
export function connectLinks(context: ConnectContext): {
  createConnectLink: (request: ConnectLinkRequest) => Promise<ConnectLink>;
  revokeConnectLink: (id: string) => Promise<void>;
} {
  return {
    // A promise that rejects (not a synchronous throw) for bad input, like every other failure of the API.
    createConnectLink: (request) =>
      new Promise((resolve) => {
        const grant = newGrant(context, request);
        const { callbackUrl } = context.options.elements.get(grant.element)!;
        // A credentials element has no callback URL: its pages are on the handler's own origin.
        const origin = callbackUrl ? new URL(callbackUrl).origin : context.options.ownOrigin;
        context.log('link.created', { linkId: grant.id, element: grant.element });
        const url = `${origin}${context.options.basePath}/link/${seal(context, 'link', writeGrant(grant))}`;
        resolve({ id: grant.id, url, expiresAt: grant.expiresAt });
      }),
    revokeConnectLink: async (id) => {
      if (typeof id !== 'string' || !ID_PATTERN.test(id))
        throw new TypeError('ce-connect/server: revokeConnectLink: id must be a link id');
      const ttl = MAX_LINK_LIFETIME_MS + CLOCK_ALLOWANCE_MS;
      // Marked revoked (for the page), and spent, so that a completion racing the revocation cannot go through.
      await linkStore(context).consumeOnce(revokedKey(id), ttl);
      await context.store.consumeOnce(spentKey(id), ttl);
      context.log('link.revoked', { linkId: id });
    },
  };
}
