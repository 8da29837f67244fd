import { isInstanceName } from '../../protocol-rules.js';
import { upstreamResponse } from '../cloud-elements-client.js';
import type { ElementRoute } from '../connect-links.js';
import type { ConnectContext } from '../context.js';
import { FlowCookieTooLargeError } from '../flow.js';
import { ownerDigest, ownerRoutesRefusal } from '../host.js';
import { errorResponse, jsonResponse, refuse } from '../http.js';
import { isSiteAddress } from '../options.js';
import { findOwnedInstance, unknownInstance } from '../owned-instance.js';
import { pageOriginMismatch } from '../page-origin.js';
import { readReturnInput } from '../return-url.js';
import { pageLanguage } from '../page-texts.js';
import { signInKindOf } from '../sign-in/kinds.js';
import { siteAddressProblem } from '../element-rules.js';
import type { ElementConfig } from '../types.js';

/**
 * The start of every flow: `GET {basePath}/{element}/oauth/url`, with what it reads besides the name — the site
 * address and a reconnect's instance (docs/protocol.md §12.4, §12.5) and the mode (§13) — before the element's
 * sign-in kind produces the URL.
 */

/** What oauth/url records in the flow besides owner and name, or the answer that refuses the request. */
type FlowInputs =
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
function readSite(
  context: ConnectContext,
  element: string,
  config: Readonly<ElementConfig>,
  inputs: string[],
): FlowInputs {
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
  // A URL where the element takes a bare subdomain (Zendesk) would fail at Cloud Elements: say what it takes.
  const problem = siteAddressProblem(element, site);
  if (problem !== undefined) return siteRefused(problem);
  return { ok: true, site };
}

/**
 * Reads `?site=` and `?instance=` for `GET {basePath}/{element}/oauth/url`. A reconnect's instance must be the
 * owner's and of this element, else 404 unknown-instance (never 403); its current name becomes the flow's name
 * when the page asks for none.
 */
async function readFlowInputs(
  context: ConnectContext,
  request: Request,
  element: string,
  config: Readonly<ElementConfig>,
  owner: string,
): Promise<FlowInputs> {
  const query = new URL(request.url).searchParams;
  const site = readSite(context, element, config, query.getAll('site'));
  if (!site.ok) return site;
  const ids = query.getAll('instance').filter((id) => id !== '');
  if (ids.length === 0) return site;
  if (ids.length > 1) return { ok: false, response: errorResponse(400, 'Expected at most one instance') };
  const refused = ownerRoutesRefusal(context, 'oauth-url');
  if (refused) return { ok: false, response: refused };
  const id = ids[0] as string;
  let found;
  try {
    found = await findOwnedInstance(context, owner, id);
  } catch (error) {
    return { ok: false, response: upstreamResponse(error, 'instance-get', context.log) };
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

/**
 * `GET {basePath}/{element}/oauth/url`: binds a fresh state to this browser and asks Cloud Elements for the
 * provider URL. State and callback URL come from the server; the query parameters read are `name`, the instance
 * name the page asks for, `instance`, the owner's instance a reconnect re-authorises, `site`, the user's input
 * for a `siteAddress` function, and `mode` with `return`, the page a redirect-mode flow comes back to — all kept
 * in the signed flow cookie, with the owner, for the exchange.
 */
export const handleOAuthUrl: ElementRoute = async (context, request, element, owner, link) => {
  const { options, log } = context;
  const refused = refuse(context, request, 'oauth-url', { requireOrigin: false, requireJson: false });
  if (refused) return refused;
  const config = options.elements.get(element);
  if (!config) return errorResponse(404, 'Unknown element');
  // The cookie is only sent if Cloud Elements answers; a failed call leaves no pending flow behind.
  const query = new URL(request.url).searchParams;
  const requested = query.getAll('name');
  const name = requested.length === 1 && isInstanceName(requested[0]) ? requested[0].trim() : undefined;
  const mode = readReturnInput(query, options.allowedOrigins);
  if (!mode.ok) {
    log('request.refused', { route: 'oauth-url', reason: `invalid-${mode.field}`, element });
    return mode.response;
  }
  // A page the guard lets through but on the wrong origin (localhost vs 127.0.0.1) is told which origin works. A
  // redirect-mode flow of an allowed page on another origin (docs/server.md, "A backend on another origin") needs
  // no message from the callback page: its result comes back by the 303 to its return URL.
  const crossOriginRedirect =
    mode.returnUrl !== undefined && options.allowedOrigins.has(request.headers.get('origin') ?? '');
  const mismatch = crossOriginRedirect
    ? undefined
    : pageOriginMismatch(
        request,
        config.callbackUrl || `${options.ownOrigin}${options.basePath}/${element}/oauth/callback`,
        `${options.basePath}/${element}/oauth/callback`,
      );
  if (mismatch) {
    log('request.refused', { route: 'oauth-url', reason: 'page-origin', element });
    return errorResponse(400, mismatch);
  }
  const inputs = await readFlowInputs(context, request, element, config, owner);
  if (!inputs.ok) return inputs.response;
  const { instance, site, currentName } = inputs;
  const { returnUrl } = mode;
  // A link's flow takes the link's name, and records the link: only its routes may complete it.
  const details = link
    ? { ownerDigest: ownerDigest(context, owner), name: link.name, site, returnUrl, link: link.id }
    : { ownerDigest: ownerDigest(context, owner), name: name ?? currentName, instance, site, returnUrl };
  let started;
  try {
    started = context.flows.start(request.headers.get('cookie'), element, details);
  } catch (error) {
    if (!(error instanceof FlowCookieTooLargeError)) throw error;
    // Only a return URL makes a flow this large: the name and site address alone always fit.
    return jsonResponse(400, {
      message: 'The address to return to (return) is too long for this sign-in',
      field: 'return',
    });
  }
  const { state, setCookies } = started;
  const kind = signInKindOf(config);
  const lang = pageLanguage(query.getAll('lang'));
  const begun = await kind.start(context, { element, config, state, owner, site, instance, returnUrl, lang });
  if (!begun.ok) return begun.response;
  const { oauthUrl, record } = begun;
  if (record) {
    try {
      // The flow's own cookie, now with what the kind must keep until the callback (an OAuth 1 request token).
      setCookies[setCookies.length - 1] = context.flows.record({ ...started.flow, ...record });
    } catch (error) {
      if (!(error instanceof FlowCookieTooLargeError)) throw error;
      log('cloud-elements.unusable-oauth-url', { element, reason: 'too-long' });
      return errorResponse(502, 'Cloud Elements sent an unusable OAuth URL');
    }
  }
  log('flow.started', { element, ...(returnUrl && { mode: 'redirect' }) });
  return jsonResponse(200, { oauthUrl, element, state }, { setCookies });
};
