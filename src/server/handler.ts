import { ELEMENT_KEY_PATTERN } from '../protocol-rules.js';
import { createContext, type ConnectContext } from './context.js';
import { preflightResponse, withCors } from './cors.js';
import { handleEvents } from './events.js';
import { withOwner, withOwnerRoute } from './host.js';
import { errorResponse, methodNotAllowed } from './http.js';
import { resolveOptions } from './options.js';
import { connectLinks } from './connect-links.js';
import { handleCallbackScript } from './routes/callback-script.js';
import { handleCredentialsPage, handleCredentialsPost } from './routes/credentials.js';
import { handleOAuth1Start } from './routes/oauth1-start.js';
import {
  handleDeleteInstance,
  handleGetInstance,
  handleListInstances,
  handlePostInstances,
} from './routes/instances.js';
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
    if (method === 'POST')
      return withOwner(context, request, 'json', (owner) => handlePostInstances(context, request, owner));
    if (method === 'GET')
      return withOwnerRoute(context, request, (owner) => handleListInstances(context, request, owner));
    return Promise.resolve(methodNotAllowed('GET, POST'));
  }
  if (id === '') return Promise.resolve(errorResponse(404, 'Not found'));
  if (method === 'GET')
    return withOwnerRoute(context, request, (owner) => handleGetInstance(context, request, owner, id));
  if (method === 'DELETE')
    return withOwnerRoute(context, request, (owner) => handleDeleteInstance(context, request, owner, id));
  return Promise.resolve(methodNotAllowed('GET, DELETE'));
}

/** `GET|POST {basePath}/{element}/credentials`: a credentials element's form (docs/kinds.md). */
function routeCredentials(context: ConnectContext, request: Request, element: string): Promise<Response> {
  if (request.method === 'GET')
    return withOwner(context, request, 'page', (owner) => handleCredentialsPage(context, request, element, owner));
  if (request.method === 'POST')
    return withOwner(context, request, 'page', (owner) => handleCredentialsPost(context, request, element, owner));
  return Promise.resolve(methodNotAllowed('GET, POST'));
}

/**
 * The route table: `GET callback.js`; the owner's instances; `POST events` (Cloud Elements' signed webhooks);
 * connect links (`link/…`, `assets/…`: their own rules, docs/connect-links.md); `GET {element}/oauth/url`,
 * `GET {element}/oauth/callback` and the sign-in kinds' pages. Every route but the static scripts, the events
 * route and the link routes runs for the request's owner (`authorize`; null → 401).
 */
async function route(context: ConnectContext, request: Request, segments: readonly string[]): Promise<Response> {
  // A preflight is how a page on another origin asks to send X-CE-Connect: answered for allowedOrigins only.
  if (request.method === 'OPTIONS') return preflightResponse(request, context.options.allowedOrigins);
  const [first = '', second, third, ...extra] = segments;
  if (segments.length === 1 && first === 'callback.js') {
    return request.method === 'GET' ? handleCallbackScript() : methodNotAllowed('GET');
  }
  if (first === 'instances' && segments.length <= 2) return routeInstances(context, request, second);
  if (segments.length === 1 && first === 'events') return handleEvents(context, request);
  if (first === 'link') return routeLink(context, request, segments.slice(1));
  if (first === 'assets' && segments.length === 2) return routeAssets(request, second ?? '');
  const kindRoute = (second === 'oauth1' && third === 'start') || (second === 'credentials' && third === undefined);
  if ((second !== 'oauth' || (third !== 'url' && third !== 'callback') || extra.length > 0) && !kindRoute) {
    return errorResponse(404, 'Not found');
  }
  // The raw, still percent-encoded segment: "..%2f", "%e2%80%ae" and friends fail the pattern.
  if (!ELEMENT_KEY_PATTERN.test(first)) return errorResponse(400, 'Invalid element key');
  if (!context.options.elements.has(first)) {
    // The usual cause is a typo or a missing entry: the configured keys say which.
    context.log('request.unknown-element', {
      element: first,
      configured: [...context.options.elements.keys()].join(','),
    });
    return errorResponse(404, 'Unknown element');
  }
  if (second === 'credentials') return routeCredentials(context, request, first);
  if (request.method !== 'GET') return methodNotAllowed('GET');
  if (second === 'oauth1')
    return withOwner(context, request, 'page', (owner) => handleOAuth1Start(context, request, first, owner));
  if (third === 'url')
    return withOwner(context, request, 'json', (owner) => handleOAuthUrl(context, request, first, owner));
  return handleFlowCallback(context, request, first);
}

/**
 * Once per handler: without `authorize` the owner routes answer 401 and every flow belongs to the one owner
 * "default". To the host's log, or the console when it gave none (a warning nobody sees warns nobody).
 */
function warnNoAuthorize(context: ConnectContext, toConsole: boolean): void {
  context.log('authorize.missing', { owner: 'default', 'owner-routes': 'refused-401' });
  if (toConsole) {
    console.warn(
      'ce-connect/server: no authorize option, so every request has the owner "default" and listing, reconnecting and ' +
        'deleting connections answer 401. Pass authorize: (request) => userId, or authorize: () => "default" for a single-user app.',
    );
  }
}

/**
 * Creates the host-backend handler for the widget: `GET {basePath}/{element}/oauth/url`,
 * `GET {basePath}/{element}/oauth/callback`, `POST {basePath}/instances` and `GET {basePath}/callback.js`, and the
 * owner's instances: `GET {basePath}/instances`, `GET|DELETE {basePath}/instances/{id}`.
 * Throws a TypeError when the options are invalid.
 */
export function createConnectHandler(options: ConnectHandlerOptions): ConnectHandler {
  const context = createContext(resolveOptions(options));
  if (!context.options.ownerRoutes) warnNoAuthorize(context, options.log === undefined);
  const prefix = `${context.options.basePath}/`;
  const handler = async (request: Request): Promise<Response | undefined> => {
    const path = new URL(request.url).pathname;
    if (path !== context.options.basePath && !path.startsWith(prefix)) return undefined;
    let response: Response;
    try {
      response = await route(context, request, path.slice(prefix.length).split('/'));
    } catch {
      // A fixed reason, never the error: it may come from host code (a hook, a store), and its name or message
      // can hold anything, a token included, or throw when read.
      context.log('request.failed', { reason: 'internal-error' });
      response = errorResponse(500, 'Internal error');
    }
    return withCors(request, response, context.options.allowedOrigins);
  };
  return Object.assign(handler, connectLinks(context));
}
