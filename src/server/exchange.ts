import { createHash } from 'node:crypto';
import { elementDisplayName } from '../elements.js';
import { isInstanceName } from '../protocol-rules.js';
import { CloudElementsError } from './cloud-elements-client.js';
import type { ConnectContext } from './context.js';
import type { InstanceCreatedEvent } from './options.js';
import { ownerTag } from './owner.js';
import { upstreamFailure, type BrowserFailure } from './upstream-failure.js';

/** The result of turning a code into an instance: what the browser may learn, or why it failed. */
export type ExchangeOutcome =
  { readonly ok: true; readonly instanceId: string; readonly name: string } | { readonly ok: false; readonly failure: BrowserFailure };

/** What one completed flow asks for: the element from the flow record (never the request), code, name, state. */
export interface ExchangeRequest {
  readonly element: string;
  readonly code: string;
  /** The instance name asked for; empty for the default one. */
  readonly name: string;
  /** The flow's (already consumed) state: only a digest of it leaves this module, as the instance's tag. */
  readonly state: string;
  /** The owner who started and completes the flow (its tag goes to Cloud Elements, the id to the hook). */
  readonly owner: string;
  /** The site address the flow's oauth/url call used, from the flow record. */
  readonly site?: string;
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
async function removeOrphan(context: ConnectContext, element: string, id: number | string, reason: string): Promise<void> {
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
 * holds its token and the user is told to try again (which makes another), so it is found by this flow's tag
 * and deleted. One created after the look-up stays, tagged; the log line says how many were found.
 */
async function removeLateInstances(context: ConnectContext, element: string, tag: string): Promise<void> {
  let ids: Array<number | string>;
  try {
    ids = await context.cloudElements.findInstanceIds(tag);
  } catch (error) {
    const failure = error instanceof CloudElementsError ? error.failure : 'unknown';
    context.log('instance.create-timeout', { element, lookup: 'failed', failure });
    return;
  }
  context.log('instance.create-timeout', { element, found: ids.length });
  for (const id of ids) await removeOrphan(context, element, id, 'create-timeout');
}

/**
 * Runs the host's `onInstanceCreated` within `hookTimeoutMs`. What it threw is never looked at: host errors are
 * opaque (a `name` getter may throw, a message may quote the token). A hook that settles after the deadline is
 * ignored, a late rejection included.
 */
async function runHook(context: ConnectContext, event: InstanceCreatedEvent): Promise<'hook-threw' | 'hook-timeout' | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'hook-timeout'>((resolve) => {
    timer = setTimeout(() => resolve('hook-timeout'), context.options.hookTimeoutMs);
  });
  const hook = (async () => context.options.onInstanceCreated(event))().then(
    () => undefined,
    () => 'hook-threw' as const,
  );
  try {
    return await Promise.race([hook, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The request as the hook sees it: its URL without `code` and `state`, so a host that logs it cannot log them. */
function requestForHook(request: Request): Request {
  const url = new URL(request.url);
  url.searchParams.delete('code');
  url.searchParams.delete('state');
  return new Request(url, { method: request.method, headers: request.headers });
}

/**
 * Creates the instance for the flow's element and hands the token to the host. The browser-facing outcome never
 * contains the token.
 */
export async function exchangeCode(context: ConnectContext, request: Request, flow: ExchangeRequest): Promise<ExchangeOutcome> {
  const { element, code } = flow;
  const config = context.options.elements.get(element);
  if (!config) return { ok: false, failure: { status: 400, message: 'This element is not configured' } };
  const name = flow.name || defaultInstanceName(element, new Date(context.options.now()));
  const tag = flowTag(flow.state);
  let created;
  try {
    const extra = { ownerTag: ownerTag(context, flow.owner), ...(flow.site !== undefined && { site: flow.site }) };
    created = await context.cloudElements.createInstance(element, config, code, name, tag, extra);
  } catch (error) {
    const failure = upstreamFailure(error, 'instances', context.log);
    if (error instanceof CloudElementsError && error.failure === 'timeout') await removeLateInstances(context, element, tag);
    return { ok: false, failure };
  }
  const { id } = created.instance;
  const instanceId = String(id);
  const failed = await runHook(context, {
    element,
    instance: created.instance,
    token: created.token,
    owner: flow.owner,
    request: requestForHook(request),
  });
  if (failed) {
    context.log('instance.store-failed', { element, instanceId, reason: failed });
    await removeOrphan(context, element, id, 'store-failed');
    return { ok: false, failure: { status: 500, message: 'The account could not be saved; please try again' } };
  }
  context.log('instance.created', { element, instanceId });
  // Cloud Elements' own copy of the name when it passes the same rule as a requested one.
  const returnedName = created.instance.name;
  return { ok: true, instanceId, name: returnedName && isInstanceName(returnedName) ? returnedName : name };
}
