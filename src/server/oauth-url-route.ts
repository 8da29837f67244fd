import { isInstanceName } from '../instance-name.js';
import type { ConnectContext } from './context.js';
import { errorResponse, jsonResponse } from './http.js';
import { sanitizeOAuthUrl } from './oauth-url-policy.js';
import { pageOriginMismatch } from './page-origin.js';
import { ownerDigest } from './owner.js';
import { readFlowInputs } from './reconnect.js';
import { checkBrowserRequest, GUARD_MESSAGES } from './request-guards.js';
import { upstreamFailure } from './upstream-failure.js';

/**
 * `GET {basePath}/{element}/oauth/url`: binds a fresh state to this browser and asks Cloud Elements for the
 * provider URL. State and callback URL come from the server; the query parameters read are `name`, the instance
 * name the page asks for, `instance`, the owner's instance a reconnect re-authorises, and `site`, the user's input
 * for a `siteAddress` function — all kept in the signed flow cookie, with the owner, for the exchange.
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
  const requested = new URL(request.url).searchParams.getAll('name');
  const name = requested.length === 1 && isInstanceName(requested[0]) ? requested[0].trim() : undefined;
  const inputs = await readFlowInputs(context, request, element, config, owner);
  if (!inputs.ok) return inputs.response;
  const { instance, site, currentName } = inputs;
  const details = { ownerDigest: ownerDigest(context, owner), name: name ?? currentName, instance, site };
  const { state, setCookies } = context.flows.start(request.headers.get('cookie'), element, details);
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
  log('flow.started', { element });
  return jsonResponse(200, { oauthUrl, element, state }, { setCookies });
}
