import { ELEMENT_KEY_PATTERN } from '../protocol-rules.js';
import { handleCallback } from './callback-route.js';
import { handleCallbackScript } from './callback-script-route.js';
import { createContext, type ConnectContext } from './context.js';
import { errorResponse, methodNotAllowed } from './http.js';
import { routeInstances } from './instance-routes.js';
import { handleOAuthUrl } from './oauth-url-route.js';
import { resolveOptions, type ConnectHandlerOptions } from './options.js';
import { withOwner } from './owner.js';

/** A WHATWG request handler; resolves to `undefined` for paths outside its base path. */
export type ConnectHandler = (request: Request) => Promise<Response | undefined>;

async function route(context: ConnectContext, request: Request, segments: readonly string[]): Promise<Response> {
  // No CORS: a preflight is how a foreign page would ask to send X-CE-Connect, so it is always refused.
  if (request.method === 'OPTIONS') return errorResponse(403, 'Cross-origin requests are not allowed');
  const [first = '', second, third, ...extra] = segments;
  if (segments.length === 1 && first === 'callback.js') {
    return request.method === 'GET' ? handleCallbackScript() : methodNotAllowed('GET');
  }
  // Every route but the static script runs for the request's owner (`authorize`; null → 401).
  if (first === 'instances' && segments.length <= 2) return routeInstances(context, request, second);
  if (second !== 'oauth' || (third !== 'url' && third !== 'callback') || extra.length > 0) {
    return errorResponse(404, 'Not found');
  }
  // The raw, still percent-encoded segment: "..%2f", "%e2%80%ae" and friends fail the pattern.
  if (!ELEMENT_KEY_PATTERN.test(first)) return errorResponse(400, 'Invalid element key');
  if (!context.options.elements.has(first)) {
    // The usual cause is a typo or a missing entry: the configured keys say which.
    context.log('request.unknown-element', { element: first, configured: [...context.options.elements.keys()].join(',') });
    return errorResponse(404, 'Unknown element');
  }
  if (request.method !== 'GET') return methodNotAllowed('GET');
  if (third === 'url') return withOwner(context, request, 'json', (owner) => handleOAuthUrl(context, request, first, owner));
  return withOwner(context, request, 'page', (owner) => handleCallback(context, request, first, owner));
}

/**
 * Creates the host-backend handler for the widget: `GET {basePath}/{element}/oauth/url`,
 * `GET {basePath}/{element}/oauth/callback`, `POST {basePath}/instances` and `GET {basePath}/callback.js`, and the
 * owner's instances: `GET {basePath}/instances`, `GET|DELETE {basePath}/instances/{id}`.
 * Throws a TypeError when the options are invalid.
 */
export function createConnectHandler(options: ConnectHandlerOptions): ConnectHandler {
  const context = createContext(resolveOptions(options));
  const prefix = `${context.options.basePath}/`;
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (path !== context.options.basePath && !path.startsWith(prefix)) return undefined;
    try {
      return await route(context, request, path.slice(prefix.length).split('/'));
    } catch {
      // A fixed reason, never the error: it may come from host code (a hook, a store), and its name or message
      // can hold anything, a token included, or throw when read.
      context.log('request.failed', { reason: 'internal-error' });
      return errorResponse(500, 'Internal error');
    }
  };
}
