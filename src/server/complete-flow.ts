import { createHash } from 'node:crypto';
import { elementDisplayName } from '../elements.js';
import { isInstanceName } from '../protocol-rules.js';
import {
  CloudElementsError,
  instanceTags,
  upstreamFailure,
  type BrowserFailure,
  type InstanceRequest,
} from './cloud-elements-client.js';
import { releaseLink, spendLink, type LinkGrant } from './connect-links.js';
import type { ConnectContext } from './context.js';
import type { PendingFlow, RejectReason } from './flow.js';
import { callHost, isFlowOwner, ownerTag, requestForHost, sealedOwnerTags } from './host.js';
import { carriesTags, instanceElement } from './instance-view.js';
import { ELEMENT_NOT_CONFIGURED, FOREIGN_FLOW_MESSAGE, LINK_USED, NOT_SAVED, STORE_UNAVAILABLE } from './messages.js';
import type { CloudElementsInstance } from './types.js';

/**
 * How every flow ends, whichever route carries the provider's answer (flow 4a: the callback route; flow 4b:
 * `POST /instances`): the flow is claimed (its state consumed, its owner and element checked), then completed —
 * a new instance (`POST /instances`) or, for a reconnect, the same instance re-authorised (`PUT /instances/{id}`,
 * docs/protocol.md §12.4) — and the token handed to the host's hook.
 */

/** Why a claim failed once the flow was found: another owner's flow, or another element's. */
export type MismatchReason = 'owner-mismatch' | 'element-mismatch';

/** Outcome of {@link claimFlow}; `setCookies` clears the cookie of a matched flow whatever happens next. */
export type ClaimedFlow =
  | { readonly ok: true; readonly flow: PendingFlow; readonly setCookies: string[] }
  | { readonly ok: false; readonly reason: RejectReason; readonly flow?: undefined; readonly setCookies: string[] }
  | { readonly ok: false; readonly reason: MismatchReason; readonly flow: PendingFlow; readonly setCookies: string[] };

/**
 * Consumes `state` (the state store's atomic decision, before anything else, so a concurrent duplicate cannot
 * reach Cloud Elements: docs/security.md D-7), then checks that `owner` started the flow and that it is the flow
 * of `element`. A mismatch leaves the flow spent and nothing created: a victim's session never completes a flow
 * someone else started.
 */
export async function claimFlow(
  context: ConnectContext,
  request: Request,
  state: string,
  element: string,
  owner: string,
): Promise<ClaimedFlow> {
  const consumed = await context.flows.consume(request.headers.get('cookie'), state);
  if (!consumed.ok) return consumed;
  const { flow, setCookies } = consumed;
  if (!isFlowOwner(context, flow, owner)) return { ok: false, reason: 'owner-mismatch', flow, setCookies };
  if (flow.element !== element) return { ok: false, reason: 'element-mismatch', flow, setCookies };
  return consumed;
}

/** What a claimed flow is completed with: its record, what the provider handed back, the name and the owner. */
export interface ExchangeRequest {
  /** The flow record: element (never from the request), state, a reconnect's instance, the site address. */
  readonly flow: PendingFlow;
  /** What the provider handed back for Cloud Elements (`{code}` for OAuth 2). */
  readonly providerData: Readonly<Record<string, string>>;
  /** The instance name asked for; empty for the default one. */
  readonly name: string;
  /** The owner who started and completes the flow (its tag goes to Cloud Elements, the id to the hook). */
  readonly owner: string;
  /** A credentials element: the values typed into its form, by configuration key. */
  readonly credentials?: Readonly<Record<string, string>>;
  /** The connect link the flow came through (its owner is `owner`); spent by the instance it creates. */
  readonly link?: LinkGrant;
}

/** The result of completing a flow: what the browser may learn, or why it failed. */
export type ExchangeOutcome =
  | { readonly ok: true; readonly instanceId: string; readonly name: string }
  | { readonly ok: false; readonly failure: BrowserFailure; readonly refused?: boolean };

/**
 * Whether Cloud Elements refused what the request carried (a 4xx: wrong credentials, a spent code) rather than
 * our account (401, 403) or itself failing: a credentials form then asks the user again.
 */
function refusedInput(error: unknown): boolean {
  return (
    error instanceof CloudElementsError &&
    error.failure === 'error-status' &&
    !!error.status &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 401 &&
    error.status !== 403
  );
}

/** A readable default, since a redirect (flow 4a) cannot carry a name chosen in the page. */
export function defaultInstanceName(element: string, now: Date): string {
  const when = now.toISOString().slice(0, 16).replace('T', ' ');
  return `${elementDisplayName(element) ?? element} (${when} UTC)`;
}

/**
 * The Cloud Elements tag of the instance one flow creates: a digest of its state (the state itself never leaves
 * the handler), so an instance whose creation answered too late can still be found (`GET /instances?tags[]=`).
 */
export function flowTag(state: string): string {
  return `ce-connect-flow-${createHash('sha256').update(`ce-connect instance tag v1|${state}`).digest('base64url').slice(0, 22)}`;
}

/** Deletes an instance nobody will track (its token is gone with the failed store), best effort. */
async function removeOrphan(
  context: ConnectContext,
  element: string,
  id: number | string,
  reason: string,
): Promise<void> {
  try {
    await context.cloudElements.deleteInstance(id);
    context.log('instance.removed', { element, instanceId: String(id), reason });
  } catch (error) {
    const { failure, status } = error instanceof CloudElementsError ? error : { failure: 'unknown', status: undefined };
    context.log('instance.orphaned', { element, instanceId: String(id), reason, failure, status });
  }
}

/**
 * After a create that timed out: Cloud Elements may have created the instance and answered too late. Nobody
 * holds its token and the user is told to try again (which makes another), so it is looked up by this flow's tag
 * and deleted — but only an instance that carries this flow's tag and the owner's tag and is of the flow's
 * element, and only when exactly one does: a Cloud Elements that ignored `tags[]` must never lead us to delete
 * instances we did not make (docs/security.md, hardening item 2). Anything else found is logged, never touched.
 */
async function removeLateInstance(
  context: ConnectContext,
  element: string,
  tag: string,
  ownerTagOfFlow: string,
): Promise<void> {
  let listed: CloudElementsInstance[];
  try {
    listed = await context.cloudElements.listInstances(tag);
  } catch (error) {
    const failure = error instanceof CloudElementsError ? error.failure : 'unknown';
    context.log('instance.create-timeout', { element, lookup: 'failed', failure });
    return;
  }
  const ours = listed.filter(
    (instance) => carriesTags(instance, tag, ownerTagOfFlow) && instanceElement(instance) === element,
  );
  context.log('instance.create-timeout', { element, found: listed.length, matching: ours.length });
  for (const other of listed) {
    if (!ours.includes(other))
      context.log('instance.kept', { element, instanceId: String(other.id), reason: 'not-this-flow' });
  }
  const [only] = ours;
  if (only !== undefined && ours.length === 1) {
    await removeOrphan(context, element, only.id, 'create-timeout');
    return;
  }
  for (const instance of ours)
    context.log('instance.kept', { element, instanceId: String(instance.id), reason: 'ambiguous' });
}

/**
 * Creates the instance for the flow's element and hands the token to `onInstanceCreated`; a hook that throws or
 * times out fails the flow and the instance is deleted. The browser-facing outcome never contains the token.
 */
async function createInstance(
  context: ConnectContext,
  request: Request,
  exchange: ExchangeRequest,
  asked: Omit<InstanceRequest, 'tags'>,
): Promise<ExchangeOutcome> {
  const { owner } = exchange;
  const { element, config, name } = asked;
  const { options, log } = context;
  const { link } = exchange;
  const tag = flowTag(exchange.flow.state);
  const ownersTag = ownerTag(context, owner);
  if (link) {
    // Spent before Cloud Elements is asked: of two completions, in any processes, only one gets past here.
    let first: boolean;
    try {
      first = await spendLink(context, link);
    } catch {
      log('state-store.failed', { error: 'store-error' });
      return { ok: false, failure: { status: 503, message: STORE_UNAVAILABLE } };
    }
    if (!first) {
      log('link.refused', { linkId: link.id, reason: 'spent' });
      return { ok: false, failure: { status: 410, message: LINK_USED } };
    }
  }
  let created;
  try {
    const tags = instanceTags(config, ownersTag, tag, ...sealedOwnerTags(context, owner));
    created = await context.cloudElements.createInstance({ ...asked, tags });
  } catch (error) {
    const failure = upstreamFailure(error, 'instances', log);
    if (error instanceof CloudElementsError && error.failure === 'timeout')
      await removeLateInstance(context, element, tag, ownersTag);
    if (link) await releaseLink(context, link);
    return { ok: false, failure, refused: refusedInput(error) };
  }
  const { id } = created.instance;
  const instanceId = String(id);
  const event = {
    element,
    instance: created.instance,
    token: created.token,
    owner,
    request: requestForHost(request),
    ...(link && { link: { id: link.id } }),
  };
  const outcome = await callHost(options.hookTimeoutMs, () => options.onInstanceCreated(event));
  if (!outcome.ok) {
    log('instance.store-failed', { element, instanceId, reason: `hook-${outcome.failure}` });
    await removeOrphan(context, element, id, 'store-failed');
    if (link) await releaseLink(context, link);
    return { ok: false, failure: { status: 500, message: NOT_SAVED } };
  }
  log('instance.created', { element, instanceId });
  // Cloud Elements' own copy of the name when it passes the same rule as a requested one.
  const returnedName = created.instance.name;
  return { ok: true, instanceId, name: returnedName && isInstanceName(returnedName) ? returnedName : name };
}

/**
 * Re-authorises the owner's instance: `PUT /instances/{id}` with the full create body (same key, secret and
 * callback URL, the element's configuration and the owner tag), then `onInstanceReconnected` with the token,
 * which may have changed (or, without that hook, `onInstanceCreated` with `reconnected: true`). A failure deletes
 * nothing: it is the user's existing connection.
 */
async function reauthorize(
  context: ConnectContext,
  request: Request,
  exchange: ExchangeRequest,
  asked: Omit<InstanceRequest, 'tags'>,
  id: string,
): Promise<ExchangeOutcome> {
  const { owner } = exchange;
  const { element, config, name } = asked;
  const { options, log } = context;
  let updated;
  try {
    const tags = instanceTags(config, ownerTag(context, owner), ...sealedOwnerTags(context, owner));
    updated = await context.cloudElements.reauthorizeInstance(id, { ...asked, tags });
  } catch (error) {
    return { ok: false, failure: upstreamFailure(error, 'instance-reauthorize', log), refused: refusedInput(error) };
  }
  const event = { element, instance: updated.instance, token: updated.token, owner, request: requestForHost(request) };
  // The token may have rotated: without the reconnect hook, the create hook stores it (marked as a reconnect).
  const hook = options.onInstanceReconnected;
  const outcome = await callHost(options.hookTimeoutMs, () =>
    hook ? hook(event) : options.onInstanceCreated({ ...event, reconnected: true }),
  );
  if (!outcome.ok) {
    log('instance.store-failed', { element, instanceId: id, reason: `hook-${outcome.failure}` });
    return { ok: false, failure: { status: 500, message: NOT_SAVED } };
  }
  log('instance.reconnected', { element, instanceId: id });
  const returnedName = updated.instance.name;
  return {
    ok: true,
    instanceId: id,
    name: typeof returnedName === 'string' && isInstanceName(returnedName) ? returnedName : name,
  };
}

/**
 * Completes a claimed flow: a new instance, or a reconnect of the instance its record names; either is asked
 * for with the element's one config entry, the flow's site address and the name (a readable default if none).
 */
export function completeFlow(
  context: ConnectContext,
  request: Request,
  exchange: ExchangeRequest,
): Promise<ExchangeOutcome> {
  const { element, instance, site } = exchange.flow;
  const config = context.options.elements.get(element);
  if (!config) return Promise.resolve({ ok: false, failure: { status: 400, message: ELEMENT_NOT_CONFIGURED } });
  // A link's flow completes only through its link (single use), and a link never completes an ordinary flow.
  const { link } = exchange;
  if (
    (exchange.flow.link ?? '') !== (link?.id ?? '') ||
    (link && (instance !== undefined || link.element !== element))
  ) {
    context.log('link.refused', { element, reason: 'flow-mismatch' });
    return Promise.resolve({ ok: false, failure: { status: 403, message: FOREIGN_FLOW_MESSAGE } });
  }
  const name = exchange.name || defaultInstanceName(element, new Date(context.options.now()));
  const { credentials } = exchange;
  const asked = {
    element,
    config,
    providerData: exchange.providerData,
    name,
    site,
    ...(credentials && { credentials }),
  };
  return instance === undefined
    ? createInstance(context, request, exchange, asked)
    : reauthorize(context, request, exchange, asked, instance);
}
