import { createHmac, timingSafeEqual } from 'node:crypto';
import { callbackPageResponse } from './callback-page.js';
import type { ConnectContext } from './context.js';
import { callHost, requestForHost } from './hooks.js';
import { errorResponse } from './http.js';
import type { ConnectHandlerOptions } from './options.js';

/**
 * Owners (docs/protocol.md §12): the host's own user or tenant id for a request, from `authorize`. A flow records
 * its owner's digest in the signed flow cookie; instances carry the owner tag at Cloud Elements, so Cloud Elements
 * itself says which instances are whose and the handler keeps no database.
 */

/** The owner of every request when the host gives no `authorize` (a single-user setup: unsafe for several users). */
export const DEFAULT_OWNER = 'default';

/** Prefix of the Cloud Elements tag that marks an instance's owner. */
export const OWNER_TAG_PREFIX = 'ce-connect-owner:';

/** The owner-related options, resolved. */
export interface ResolvedOwnerOptions {
  /** The host's `authorize`, or one that answers {@link DEFAULT_OWNER}. */
  readonly authorize: (request: Request) => unknown;
  readonly onInstanceReconnected: ConnectHandlerOptions['onInstanceReconnected'];
  readonly onInstanceDeleted: ConnectHandlerOptions['onInstanceDeleted'];
  /** HMAC key of the owner tags and of the owner digest in flow cookies. */
  readonly ownerKey: Buffer;
}

function fail(message: string): never {
  throw new TypeError(`ce-connect/server: ${message}`);
}

function optionalFunction<T>(value: T, name: string): T {
  if (value !== undefined && typeof value !== 'function') fail(`${name} must be a function`);
  return value;
}

/**
 * Validates `authorize`, `onInstanceReconnected`, `onInstanceDeleted` and `ownerTagSecret`. The owner key is
 * derived from `ownerTagSecret`, by default from the Organization secret: it must stay the same for as long as the
 * instances exist (with another key no owner finds their instances again). Not from `cookieSecret`, which can be
 * rotated at the cost of the sign-ins in flight only.
 */
export function resolveOwnerOptions(options: ConnectHandlerOptions, organizationSecret: string): ResolvedOwnerOptions {
  const { ownerTagSecret } = options;
  if (ownerTagSecret !== undefined && (typeof ownerTagSecret !== 'string' || ownerTagSecret.length < 16)) {
    fail('ownerTagSecret must be a string of at least 16 characters');
  }
  return {
    authorize: optionalFunction(options.authorize, 'authorize') ?? (() => DEFAULT_OWNER),
    onInstanceReconnected: optionalFunction(options.onInstanceReconnected, 'onInstanceReconnected'),
    onInstanceDeleted: optionalFunction(options.onInstanceDeleted, 'onInstanceDeleted'),
    ownerKey: createHmac('sha256', ownerTagSecret ?? organizationSecret)
      .update('ce-connect owner tag key v1')
      .digest(),
  };
}

/** The owner's digest: base64url HMAC-SHA256 (43 characters); the raw owner id never leaves the handler. */
export function ownerDigest(context: ConnectContext, owner: string): string {
  return createHmac('sha256', context.options.ownerKey).update(owner, 'utf8').digest('base64url');
}

/** The Cloud Elements tag of the owner's instances: opaque, and stable while the owner key is. */
export function ownerTag(context: ConnectContext, owner: string): string {
  return OWNER_TAG_PREFIX + ownerDigest(context, owner);
}

/** Whether a flow (its recorded owner digest) was started by `owner`; compared in constant time. */
export function isFlowOwner(context: ConnectContext, flow: { readonly ownerDigest: string }, owner: string): boolean {
  const expected = Buffer.from(ownerDigest(context, owner));
  const recorded = Buffer.from(flow.ownerDigest);
  return recorded.length === expected.length && timingSafeEqual(recorded, expected);
}

/** The browser-facing message for a flow completed by another owner (403: the flow is spent, nothing is created). */
export const FOREIGN_FLOW_MESSAGE = 'This sign-in was started by another user; please start again';

/** Who is asking: an owner, nobody (401), or `authorize` failed (500) or did not answer in time (503). */
type Resolution = { readonly kind: 'owner'; readonly owner: string } | { readonly kind: 'anonymous' | 'failed' | 'unavailable' };

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
  return { kind: 'owner', owner };
}

const REFUSALS = {
  anonymous: [401, 'Sign in to manage connected accounts'],
  failed: [500, 'Internal error'],
  unavailable: [503, 'The sign-in could not be checked right now; please try again in a moment'],
} as const;

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
  const result = states.length === 1 ? { state: states[0] as string, error: 'exchange_failed', errorDescription: message } : null;
  return callbackPageResponse(context.options.basePath, result, status, []);
}
