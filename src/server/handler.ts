import { ELEMENT_KEY_PATTERN } from '../protocol-rules.js';
import { createContext, type ConnectContext } from './context.js';
import { withOwner } from './host.js';
import { errorResponse, methodNotAllowed } from './http.js';
import { resolveOptions } from './options.js';
import { connectLinks } from './connect-links.js';
import { handleCallbackScript } from './routes/callback-script.js';
import { handleDeleteInstance, handleGetInstance, handleListInstances, handlePostInstances } from './routes/instances.js';
import { handleFlowCallback, routeAssets, routeLink } from './routes/link-page.js';
import { handleOAuthUrl } from './routes/oauth-url.js';
import type { ConnectHandlerOptions, ConnectLink, ConnectLinkRequest } from './types.js';

/**
 * A WHATWG request handler; resolves to `undefined` for paths outside its base path. It also makes and revokes
 * connect links (docs/connect-links.md).
 */
export type ConnectHandler = ((request: Request) => Promise<Response | undefined>) & {
  /** A single-use link that connects `element` for `owner` from any browser; a TypeError for bad input. */
  readonly createConnectLink: (request: ConnectLinkRequest) => Promise<ConnectLink>;
  /** Withdraws a link: it then shows as withdrawn and completes nothing. */
  readonly revokeConnectLink: (id: string) => Promise<void>;
};

/** Routes `{basePath}/instances` and `{basePath}/instances/{id}` (docs/protocol.md §12.3). */
function routeInstances(context: ConnectContext, request: Request, id: string | undefined): Promise<Response> {
  const method = request.method;
  if (id === undefined) {
    if (method === 'POST') return withOwner(context, request, 'json', (owner) => handlePostInstances(context, request, owner));
    if (method === 'GET') return withOwner(context, request, 'json', (owner) => handleListInstances(context, request, owner));
    return Promise.resolve(methodNotAllowed('GET, POST'));
  }
  if (id === '') return Promise.resolve(errorResponse(404, 'Not found'));
  if (method === 'GET') return withOwner(context, request, 'json', (owner) => handleGetInstance(context, request, owner, id));
  if (method === 'DELETE') return withOwner(context, request, 'json', (owner) => handleDeleteInstance(context, request, owner, id));
  return Promise.resolve(methodNotAllowed('GET, DELETE'));
}

/**
 * The route table: `GET callback.js`; the owner's instances; connect links (`link/…`, `assets/…`: their own
 * rules, docs/connect-links.md); `GET {element}/oauth/url` and `GET {element}/oauth/callback`. Every route but the
 * static scripts and the link routes runs for the request's owner (`authorize`; null → 401).
 */
async function route(context: ConnectContext, request: Request, segments: readonly string[]): Promise<Response> {
  // No CORS: a preflight is how a foreign page would ask to send X-CE-Connect, so it is always refused.
  if (request.method === 'OPTIONS') return errorResponse(403, 'Cross-origin requests are not allowed');
  const [first = '', second, third, ...extra] = segments;
  if (segments.length === 1 && first === 'callback.js') {
    return request.method === 'GET' ? handleCallbackScript() : methodNotAllowed('GET');
  }
  if (first === 'instances' && segments.length <= 2) return routeInstances(context, request, second);
  if (first === 'link') return routeLink(context, request, segments.slice(1));
  if (first === 'assets' && segments.length === 2) return routeAssets(request, second ?? '');
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
  return handleFlowCallback(context, request, first);
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
  const handler = async (request: Request): Promise<Response | undefined> => {
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
  return Object.assign(handler, connectLinks(context));
}
