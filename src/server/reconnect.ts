import { isInstanceName } from '../protocol-rules.js';
import type { ConnectContext } from './context.js';
import { instanceTags, isSiteAddress } from './element-settings.js';
import { defaultInstanceName, exchangeCode, type ExchangeOutcome, type ExchangeRequest } from './exchange.js';
import { callHost, requestForHost } from './hooks.js';
import { errorResponse, jsonResponse } from './http.js';
import { findOwnedInstance, unknownInstance, upstreamResponse } from './owned-instance.js';
import type { ElementConfig } from './options.js';
import { ownerTag } from './owner.js';
import { upstreamFailure } from './upstream-failure.js';

/**
 * Reconnects and site addresses (docs/protocol.md §12.4, §12.5): what oauth/url reads besides the name, and how a
 * completed flow is finished — a new instance (`POST /instances`, exchange.ts) or, for a reconnect, the same
 * instance re-authorised (`PUT /instances/{id}`).
 */

/** What oauth/url records in the flow besides owner and name, or the answer that refuses the request. */
export type FlowInputs =
  | { readonly ok: true; readonly instance?: string; readonly site?: string; readonly currentName?: string }
  | { readonly ok: false; readonly response: Response };

/** `400 {"message", "field": "site"}`: the element reports it as `invalid-config` with this message. */
function siteRefused(message: string): FlowInputs {
  return { ok: false, response: jsonResponse(400, { message, field: 'site' }) };
}

/**
 * The site address for the oauth/url call: the configured string, or what the configured function makes of the
 * user's `?site=` input (a missing, unreadable or refused input is a 400 naming the field).
 */
function readSite(context: ConnectContext, config: Readonly<ElementConfig>, inputs: string[]): FlowInputs {
  const { siteAddress } = config;
  if (typeof siteAddress !== 'function') return { ok: true, ...(siteAddress !== undefined && { site: siteAddress }) };
  const input = inputs.length === 1 ? (inputs[0] as string).trim() : '';
  if (input === '') return siteRefused('Enter the address of your site to connect it');
  if (input.length > 256 || /\p{Cc}/u.test(input)) return siteRefused('This site address cannot be used');
  const site = siteAddress(input);
  if (site === null) return siteRefused('This site address cannot be used');
  if (!isSiteAddress(site)) {
    context.log('site.invalid-address', { reason: 'not-a-site-address' });
    return siteRefused('This site address cannot be used');
  }
  return { ok: true, site };
}

/**
 * Reads `?site=` and `?instance=` for `GET {basePath}/{element}/oauth/url`. A reconnect's instance must be the
 * owner's and of this element, else 404 unknown-instance (never 403); its current name becomes the flow's name
 * when the page asks for none.
 */
export async function readFlowInputs(
  context: ConnectContext,
  request: Request,
  element: string,
  config: Readonly<ElementConfig>,
  owner: string,
): Promise<FlowInputs> {
  const query = new URL(request.url).searchParams;
  const site = readSite(context, config, query.getAll('site'));
  if (!site.ok) return site;
  const ids = query.getAll('instance').filter((id) => id !== '');
  if (ids.length === 0) return site;
  if (ids.length > 1) return { ok: false, response: errorResponse(400, 'Expected at most one instance') };
  const id = ids[0] as string;
  let found;
  try {
    found = await findOwnedInstance(context, owner, id);
  } catch (error) {
    return { ok: false, response: upstreamResponse(context, error, 'instance-get') };
  }
  if (!found || found.element !== element) {
    if (found) context.log('instance.unknown', { instanceId: id, reason: 'other-element' });
    return { ok: false, response: unknownInstance() };
  }
  const { name } = found.instance;
  return {
    ...site,
    instance: id,
    ...(typeof name === 'string' && name.trim() !== '' && isInstanceName(name) && { currentName: name.trim() }),
  };
}

/** A completed flow: the exchange request plus, for a reconnect, the instance to re-authorise. */
export interface CompletedFlow extends ExchangeRequest {
  readonly instance?: string;
}

/**
 * Re-authorises the owner's instance with the new code: `PUT /instances/{id}` with the full create body (same key,
 * secret and callback URL, the element's configuration and the owner tag), then `onInstanceReconnected` with the
 * token, which may have changed. A failure deletes nothing: it is the user's existing connection.
 */
async function reauthorize(
  context: ConnectContext,
  request: Request,
  flow: CompletedFlow & { instance: string },
): Promise<ExchangeOutcome> {
  const { element, code, owner, instance: id } = flow;
  const { options, log } = context;
  const config = options.elements.get(element);
  if (!config) return { ok: false, failure: { status: 400, message: 'This element is not configured' } };
  const name = flow.name || defaultInstanceName(element, new Date(options.now()));
  let updated;
  try {
    const spec = { name, tags: instanceTags(config, ownerTag(context, owner)), ...(flow.site !== undefined && { site: flow.site }) };
    updated = await context.cloudElements.reauthorizeInstance(id, element, config, code, spec);
  } catch (error) {
    return { ok: false, failure: upstreamFailure(error, 'instance-reauthorize', log) };
  }
  const hook = options.onInstanceReconnected;
  if (hook) {
    const event = { element, instance: updated.instance, token: updated.token, owner, request: requestForHost(request) };
    const outcome = await callHost(options.hookTimeoutMs, () => hook(event));
    if (!outcome.ok) {
      log('instance.store-failed', { element, instanceId: id, reason: `hook-${outcome.failure}` });
      return { ok: false, failure: { status: 500, message: 'The account could not be saved; please try again' } };
    }
  }
  log('instance.reconnected', { element, instanceId: id });
  const returnedName = updated.instance.name;
  return { ok: true, instanceId: id, name: typeof returnedName === 'string' && isInstanceName(returnedName) ? returnedName : name };
}

/** Finishes a flow whose state was consumed and whose owner was checked: a new instance, or a reconnect. */
export function completeFlow(context: ConnectContext, request: Request, flow: CompletedFlow): Promise<ExchangeOutcome> {
  const { instance } = flow;
  return instance === undefined ? exchangeCode(context, request, flow) : reauthorize(context, request, { ...flow, instance });
}
