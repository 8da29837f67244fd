import { elementDisplayName } from '../elements.js';
import { CloudElementsError } from './cloud-elements-client.js';
import type { ConnectContext } from './context.js';
import { upstreamFailure, type BrowserFailure } from './upstream-failure.js';

/** The result of turning a code into an instance: what the browser may learn, or why it failed. */
export type ExchangeOutcome =
  | { readonly ok: true; readonly instanceId: string; readonly name: string }
  | { readonly ok: false; readonly failure: BrowserFailure };

/** A readable default, since a redirect (flow 4a) cannot carry a name chosen in the page. */
export function defaultInstanceName(element: string, now: Date): string {
  const when = now.toISOString().slice(0, 16).replace('T', ' ');
  return `${elementDisplayName(element) ?? element} (${when} UTC)`;
}

/** Deletes an instance nobody will track (its token is gone with the failed store), best effort. */
async function removeOrphan(context: ConnectContext, element: string, id: number | string): Promise<void> {
  try {
    await context.cloudElements.deleteInstance(id);
    context.log('instance.removed', { element, instanceId: String(id) });
  } catch (error) {
    const { failure, status } = error instanceof CloudElementsError ? error : { failure: 'unknown', status: undefined };
    context.log('instance.orphaned', { element, instanceId: String(id), failure, status });
  }
}

/**
 * Creates the instance for `element` (taken from the flow record, never from the request) and hands the token to
 * the host. The browser-facing outcome never contains the token.
 */
export async function exchangeCode(
  context: ConnectContext,
  request: Request,
  element: string,
  code: string,
  requestedName: string,
): Promise<ExchangeOutcome> {
  const config = context.options.elements.get(element);
  if (!config) return { ok: false, failure: { status: 400, message: 'This element is not configured' } };
  const name = requestedName || defaultInstanceName(element, new Date(context.options.now()));
  let created;
  try {
    created = await context.cloudElements.createInstance(element, config, code, name);
  } catch (error) {
    return { ok: false, failure: upstreamFailure(error, 'instances', context.log) };
  }
  const { id } = created.instance;
  const instanceId = String(id);
  try {
    await context.options.onInstanceCreated({ element, instance: created.instance, token: created.token, request });
  } catch (error) {
    // Only the error's class: a host error message could quote the token it failed to store.
    context.log('instance.store-failed', { element, instanceId, error: (error as Error)?.name ?? 'unknown' });
    await removeOrphan(context, element, id);
    return { ok: false, failure: { status: 500, message: 'The account could not be saved; please try again' } };
  }
  context.log('instance.created', { element, instanceId });
  const returnedName = created.instance.name;
  return { ok: true, instanceId, name: typeof returnedName === 'string' ? returnedName.slice(0, 200) : name };
}
