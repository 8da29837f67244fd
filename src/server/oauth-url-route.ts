import { isInstanceName } from '../protocol-rules.js';
import type { ConnectContext } from './context.js';
import { FlowCookieTooLargeError } from './flow-cookie.js';
import { errorResponse, jsonResponse } from './http.js';
import { sanitizeOAuthUrl } from './oauth-url-policy.js';
import { pageOriginMismatch } from './page-origin.js';
import { ownerDigest } from './owner.js';
import { readFlowInputs } from './reconnect.js';
import { checkBrowserRequest, GUARD_MESSAGES } from './request-guards.js';
import { readReturnInput } from './return-url.js';
import { upstreamFailure } from './upstream-failure.js';

/**
 * `GET {basePath}/{element}/oauth/url`: binds a fresh state to this browser and asks Cloud Elements for the
 * provider URL. State and callback URL come from the server; the query parameters read are `name`, the instance
 * name the page asks for, `instance`, the owner's instance a reconnect re-authorises, `site`, the user's input
 * for a `siteAddress` function, and `mode` with `return`, the page a redirect-mode flow comes back to — all kept
 * in the signed flow cookie, with the owner, for the exchange.
 */
export async function handleOAuthUrl(context: ConnectContext, request: Request, element: string, owner: string): Promise<Response> {
  const { options, log } = context;
  const refused = checkBrowserRequest(request, options.allowedOrigins, { requireOrigin: false, requireJson: false });
  if (refused) {
    log('request.refused', { route: 'oauth-url', reason: refused, origin: request.headers.get('origin') ?? undefined });
    return errorResponse(403, GUARD_MESSAGES[refused]);
  }
  const config = options.elements.get(element);
  if (!config) return errorResponse(404, 'Unknown element');
  // A page the guard lets through but on the wrong origin (localhost vs 127.0.0.1) is told which origin works.
  const mismatch = pageOriginMismatch(request, config.callbackUrl, `${options.basePath}/${element}/oauth/callback`);
  if (mismatch) {
    log('request.refused', { route: 'oauth-url', reason: 'page-origin', element });
    return errorResponse(400, mismatch);
  }
  // The cookie is only sent if Cloud Elements answers; a failed call leaves no pending flow behind.
  const query = new URL(request.url).searchParams;
  const requested = query.getAll('name');
  const name = requested.length === 1 && isInstanceName(requested[0]) ? requested[0].trim() : undefined;
  const mode = readReturnInput(query, options.allowedOrigins);
  if (!mode.ok) {
    log('request.refused', { route: 'oauth-url', reason: `invalid-${mode.field}`, element });
    return mode.response;
  }
  const inputs = await readFlowInputs(context, request, element, config, owner);
  if (!inputs.ok) return inputs.response;
  const { instance, site, currentName } = inputs;
  const { returnUrl } = mode;
  const details = { ownerDigest: ownerDigest(context, owner), name: name ?? currentName, instance, site, returnUrl };
  let started;
  try {
    started = context.flows.start(request.headers.get('cookie'), element, details);
  } catch (error) {
    if (!(error instanceof FlowCookieTooLargeError)) throw error;
    // Only a return URL makes a flow this large: the name and site address alone always fit.
    return jsonResponse(400, { message: 'The address to return to (return) is too long for this sign-in', field: 'return' });
  }
  const { state, setCookies } = started;
  let rawUrl: string;
  try {
    rawUrl = await context.cloudElements.oauthUrl(element, config, state, site);
  } catch (error) {
    const failure = upstreamFailure(error, 'oauth-url', log);
    return errorResponse(failure.status, failure.message);
  }
  const oauthUrl = sanitizeOAuthUrl(rawUrl, state, options.secrets);
  if (!oauthUrl) {
    log('cloud-elements.unusable-oauth-url', { element });
    return errorResponse(502, 'Cloud Elements sent an unusable OAuth URL');
  }
  log('flow.started', { element, ...(returnUrl && { mode: 'redirect' }) });
  return jsonResponse(200, { oauthUrl, element, state }, { setCookies });
}
