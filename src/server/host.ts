import { createHmac, timingSafeEqual } from 'node:crypto';
import { callbackPageResponse } from './callback-page.js';
import type { ConnectContext } from './context.js';
import { errorResponse } from './http.js';
import { STORE_UNAVAILABLE } from './messages.js';
import { openOwner, ownerSealKey, SEALED_OWNER_TAG_PREFIX, sealOwner } from './owner-seal.js';

/**
 * Every rule that faces the host's code: calling it (`authorize` and the hooks) within a deadline and without
 * leaking `code` or `state` to it, and owners (docs/protocol.md §12) — the host's own user or tenant id for a
 * request, from `authorize`. A flow records its owner's digest in the signed flow cookie; instances carry the
 * owner tag at Cloud Elements, so Cloud Elements itself says which instances are whose and the handler keeps no
 * database.
 */

/** Prefix of the Cloud Elements tag that marks an instance's owner. */
export const OWNER_TAG_PREFIX = 'ce-connect-owner:';

/** How a call into host code ended when it did not return in time or at all. */
export type HostCallFailure = 'threw' | 'timeout';

/** The outcome of {@link callHost}: the value, or why there is none. */
export type HostCallOutcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: HostCallFailure };

/**
 * Calls host code (`authorize`, `onInstanceCreated`, `onInstanceReconnected`, `onInstanceDeleted`) within
 * `timeoutMs`. What it threw is never looked at: host errors are opaque (a `name` getter may throw, a message may
 * quote a token). A call that settles after the deadline is ignored, a late rejection included.
 */
export async function callHost<T>(timeoutMs: number, call: () => T | Promise<T>): Promise<HostCallOutcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<HostCallOutcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, failure: 'timeout' }), timeoutMs);
  });
  const run = (async () => call())().then(
    (value): HostCallOutcome<T> => ({ ok: true, value }),
    (): HostCallOutcome<T> => ({ ok: false, failure: 'threw' }),
  );
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The request as host code sees it: its URL without `code` and `state`, so a host that logs it cannot log them.
 */
export function requestForHost(request: Request): Request {
  const url = new URL(request.url);
  url.searchParams.delete('code');
  url.searchParams.delete('state');
  return new Request(url, { method: request.method, headers: request.headers });
}

/** The owner's digest: base64url HMAC-SHA256 (43 characters); the raw owner id never leaves the handler. */
export function ownerDigest(context: ConnectContext, owner: string): string {
  return createHmac('sha256', context.options.ownerKey).update(owner, 'utf8').digest('base64url');
}

/** The Cloud Elements tag of the owner's instances: opaque, and stable while the owner key is. */
export function ownerTag(context: ConnectContext, owner: string): string {
  return OWNER_TAG_PREFIX + ownerDigest(context, owner);
}

/**
 * The sealed owner tag of an instance (besides the owner tag, which stays as it is): the owner id encrypted under a
 * key derived from the owner key, so the events route can tell whose instance sent an event. Empty when the id is
 * too long to seal.
 */
export function sealedOwnerTags(context: ConnectContext, owner: string): string[] {
  const tag = sealOwner(ownerSealKey(context.options.ownerKey), owner);
  return tag === undefined ? [] : [tag];
}

/**
 * The owner an instance's tags name: a sealed owner tag this handler opens, whose owner's tag the instance also
 * carries (a sealed tag copied onto someone else's instance does not count); `undefined` when the tags do not tell.
 */
export function ownerFromTags(context: ConnectContext, tags: readonly string[]): string | undefined {
  const key = ownerSealKey(context.options.ownerKey);
  for (const tag of tags) {
    if (!tag.startsWith(SEALED_OWNER_TAG_PREFIX)) continue;
    const owner = openOwner(key, tag);
    if (owner !== undefined && tags.includes(ownerTag(context, owner))) return owner;
  }
  return undefined;
}

/** Whether a flow (its recorded owner digest) was started by `owner`; compared in constant time. */
export function isFlowOwner(context: ConnectContext, flow: { readonly ownerDigest: string }, owner: string): boolean {
  const expected = Buffer.from(ownerDigest(context, owner));
  const recorded = Buffer.from(flow.ownerDigest);
  return recorded.length === expected.length && timingSafeEqual(recorded, expected);
}

/** Who is asking: an owner, nobody (401), or `authorize` failed (500) or did not answer in time (503). */
type Resolution =
  { readonly kind: 'owner'; readonly owner: string } | { readonly kind: 'anonymous' | 'failed' | 'unavailable' };

async function resolveOwner(context: ConnectContext, request: Request): Promise<Resolution> {
  const { options, log } = context;
  // A copy without body, code or state: the route still reads the original's body, and a host that logs the
  // request cannot log a code.
  const outcome = await callHost(options.hookTimeoutMs, () => options.authorize(requestForHost(request)));
  if (!outcome.ok) {
    log('authorize.failed', { reason: outcome.failure });
    return { kind: outcome.failure === 'timeout' ? 'unavailable' : 'failed' };
  }
  const owner = outcome.value;
  if (owner === null || owner === undefined || owner === '') return { kind: 'anonymous' };
  if (typeof owner !== 'string') {
    log('authorize.failed', { reason: 'not-a-string' });
    return { kind: 'failed' };
  }
  // Owner ids are hashed as UTF-8, which turns every lone surrogate into U+FFFD: two such ids would be one owner.
  if (!(owner as string & { isWellFormed(): boolean }).isWellFormed()) {
    log('authorize.failed', { reason: 'not-well-formed' });
    return { kind: 'failed' };
  }
  return { kind: 'owner', owner };
}

const REFUSALS = {
  anonymous: [401, 'Sign in to manage connected accounts'],
  failed: [500, 'Internal error'],
  unavailable: [503, STORE_UNAVAILABLE],
} as const;

/** The 401 of an owner route (list, status, delete, reconnect) on a handler without `authorize`. */
export const OWNER_ROUTES_NEED_AUTHORIZE =
  'Listing, reconnecting and deleting connections needs the authorize option of createConnectHandler: ' +
  'authorize: (request) => the signed-in user\'s id, or authorize: () => "default" for a single-user app';

/**
 * The refusal of an owner route when the host gave no `authorize` (`undefined` when it did): every caller would be
 * the one owner "default", able to list, delete and reconnect everyone's instances.
 */
export function ownerRoutesRefusal(context: ConnectContext, route: string): Response | undefined {
  if (context.options.ownerRoutes) return undefined;
  context.log('request.refused', { route, reason: 'no-authorize' });
  return errorResponse(401, OWNER_ROUTES_NEED_AUTHORIZE);
}

/** {@link withOwner} for the owner routes: 401 without `authorize` (see {@link ownerRoutesRefusal}). */
export function withOwnerRoute(
  context: ConnectContext,
  request: Request,
  route: (owner: string) => Promise<Response>,
): Promise<Response> {
  const refused = ownerRoutesRefusal(context, 'instances');
  return refused ? Promise.resolve(refused) : withOwner(context, request, 'json', route);
}

/**
 * Runs `route` for the request's owner, or answers 401 (nobody signed in), 500 or 503. `page`: the request is the
 * provider's redirect (flow 4a), so the answer is the callback page reporting the refusal to the widget (a JSON
 * body would leave it waiting for its timeout); the state is not consumed.
 */
export async function withOwner(
  context: ConnectContext,
  request: Request,
  answer: 'json' | 'page',
  route: (owner: string) => Promise<Response>,
): Promise<Response> {
  const resolution = await resolveOwner(context, request);
  if (resolution.kind === 'owner') return route(resolution.owner);
  const [status, message] = REFUSALS[resolution.kind];
  context.log('request.refused', { route: answer === 'page' ? 'callback' : 'api', reason: resolution.kind });
  if (answer === 'json') return errorResponse(status, message);
  const states = new URL(request.url).searchParams.getAll('state');
  const result =
    states.length === 1 ? { state: states[0] as string, error: 'exchange_failed', errorDescription: message } : null;
  return callbackPageResponse(context.options.basePath, result, status, []);
}
