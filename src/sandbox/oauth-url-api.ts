import { checkAuthorization } from './authorization.js';
import { findSandboxElement, hasOAuth1Flow, selectsOAuth2, siteProblem, type SandboxElement } from './catalogue.js';
import { ceError, ceResponse, ceUnauthorized } from './ce-responses.js';
import { parseJsonObject, readLimitedText, type SandboxContext } from './context.js';
import type { Registration } from './store.js';

const REQUIRED = ['apiKey', 'apiSecret', 'callbackUrl'] as const;

/** How long an OAuth 1 request token waits for the consent page's Allow (Twitter's are short-lived too). */
const REQUEST_TOKEN_TTL_MS = 10 * 60 * 1000;

type Parameters = Readonly<Record<string, unknown>>;

/** The consent-page URL a provider would be sent to, shaped like the element's real authorize URL. */
function providerUrl(origin: string, registration: Registration, scope: string | undefined, state: string): string {
  const { element } = registration;
  const url = new URL(`/oauth/${element.key}${element.authorizePath ?? ''}`, origin);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', registration.apiKey);
  // Cloud Elements' documented Salesforce URL really does carry the secret; the server helper must strip it.
  if (element.echoesClientSecret) url.searchParams.set('client_secret', registration.apiSecret);
  if (scope) url.searchParams.set('scope', scope);
  url.searchParams.set('redirect_uri', registration.callbackUrl);
  url.searchParams.set('state', state);
  return url.href;
}

async function readParameters(request: Request): Promise<Parameters | undefined> {
  if (request.method === 'GET') return Object.fromEntries(new URL(request.url).searchParams);
  return parseJsonObject(await readLimitedText(request));
}

function isWebUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

function text(parameters: Parameters, name: string): string | undefined {
  const value = parameters[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The app's key, secret, callback URL and site, checked; or the Cloud Elements error to answer. */
function readRegistration(element: SandboxElement, parameters: Parameters): Registration | Response {
  for (const name of REQUIRED) {
    if (text(parameters, name) === undefined) return ceError(400, `Missing required parameter: ${name}`);
  }
  const callbackUrl = text(parameters, 'callbackUrl') as string;
  // Stricter than a real provider needs to be: the sandbox redirects browsers there, so only web URLs.
  if (!isWebUrl(callbackUrl)) return ceError(400, 'callbackUrl must be an absolute http(s) URL');
  const siteAddress = text(parameters, 'siteAddress');
  const rule = element.site;
  if (rule?.required && siteAddress === undefined) {
    return ceError(400, `Missing required parameter: siteAddress (${element.name}: e.g. ${rule.example})`);
  }
  const problem = rule && siteAddress !== undefined ? siteProblem(rule, 'siteAddress', siteAddress) : undefined;
  if (problem) return ceError(400, problem);
  return {
    element,
    apiKey: text(parameters, 'apiKey') as string,
    apiSecret: text(parameters, 'apiSecret') as string,
    callbackUrl,
    ...(siteAddress !== undefined && { siteAddress }),
  };
}

/** The scope to request, or the error: required where the element has no default, in the provider's own list form. */
function readScope(element: SandboxElement, parameters: Parameters): string | undefined | Response {
  const scope = text(parameters, 'scope');
  if (scope === undefined) {
    if (element.requiredScope === undefined) return element.defaultScope;
    return ceError(400, `Missing required parameter: scope (${element.name}: e.g. ${element.requiredScope})`);
  }
  // The provider refuses a list in the wrong form (Slack's is comma-separated, the others space-separated).
  const comma = element.scopeSeparator === ',';
  if (comma ? /\s/.test(scope) : scope.includes(',')) {
    return ceError(400, `${element.name} takes its scope ${comma ? 'comma' : 'space'}-separated`, 'invalid_scope');
  }
  return scope;
}

/** The checks both oauth calls share: secrets, the scenario's failure, the element. */
async function begin(
  context: SandboxContext,
  request: Request,
  keyOrId: string,
): Promise<{ element: SandboxElement; parameters: Parameters } | Response> {
  const { options } = context;
  if (checkAuthorization(request.headers.get('authorization'), options) === 'invalid') return ceUnauthorized();
  if (options.fail.oauthUrl)
    return ceError(options.fail.oauthUrl, 'Simulated failure (sandbox scenario fail.oauthUrl)');
  const element = findSandboxElement(keyOrId);
  if (!element) return ceError(404, `No element found with key or id '${keyOrId}'`);
  const parameters = await readParameters(request);
  if (!parameters) return ceError(400, 'The request body must be a JSON object');
  if (element.auth === 'credentials') {
    return ceError(400, `Element '${element.key}' does not use OAuth: create its instance with its configuration`);
  }
  return { element, parameters };
}

/** The OAuth 1 provider URL for a request token from `oauth/token` (DEVPORTAL twitter-create-instance, step 2). */
function oauth1Url(
  context: SandboxContext,
  request: Request,
  element: SandboxElement,
  parameters: Parameters,
): Response {
  const token = text(parameters, 'requestToken');
  if (token === undefined) {
    const oauth2 = Object.entries(element.oauth2Parameters ?? {}).map(([name, value]) => `${name}=${value}`);
    const hint = oauth2.length ? `; or pass ${oauth2.join('&')} for its OAuth 2.0 flow` : '';
    return ceError(
      400,
      `${element.name} uses OAuth 1.0 here: a requestToken from GET /elements/${element.key}/oauth/token is required${hint}`,
    );
  }
  const entry = context.store.findRequestToken(token);
  if (!entry || entry.registration.element !== element)
    return ceError(400, 'The request token is not valid or has expired');
  const given = readRegistration(element, parameters);
  if (given instanceof Response) return given;
  const differs = (['apiKey', 'apiSecret', 'callbackUrl'] as const).find(
    (name) => given[name] !== entry.registration[name],
  );
  if (differs) return ceError(400, `${differs} does not match the one used for the request token`);
  const origin = context.options.publicOrigin ?? new URL(request.url).origin;
  const url = new URL(`/oauth/${element.key}${element.oauth1AuthorizePath ?? ''}`, origin);
  url.searchParams.set('oauth_token', token);
  // Cloud Elements' own oauth_callback: the callback URL with state=<element key>, not the app's state.
  url.searchParams.set('oauth_callback', oauth1Callback(entry.registration).href);
  return ceResponse(200, { element: element.key, oauthUrl: url.href });
}

/** The callback an OAuth 1 provider returns to: the app's callback URL with `state=<element key>`. */
export function oauth1Callback(registration: Registration): URL {
  const url = new URL(registration.callbackUrl);
  url.hash = '';
  url.searchParams.set('state', registration.element.key);
  return url;
}

/**
 * `GET|POST /elements/{keyOrId}/oauth/url`: remembers the app details (as the provider will know them) and answers
 * `{element, oauthUrl}`. Accepted without an Authorization header, like Cloud Elements; a wrong one is refused.
 * GET honours `state` (the callback carries it back; `cloud-elements/stride-demo` relies on it). The POST variant
 * ignores it: Cloud Elements' own test of POST (CHURROS `testOAuthUrlPost`, body `{apiKey, apiSecret,
 * callbackUrl}`) shows no state, and nothing shows the real one honours it — so the callback's state is the
 * element key, as when no state is given.
 */
export async function handleOAuthUrl(context: SandboxContext, request: Request, keyOrId: string): Promise<Response> {
  const begun = await begin(context, request, keyOrId);
  if (begun instanceof Response) return begun;
  const { element, parameters } = begun;
  if (!selectsOAuth2(element, parameters)) return oauth1Url(context, request, element, parameters);
  const registration = readRegistration(element, parameters);
  if (registration instanceof Response) return registration;
  const scope = readScope(element, parameters);
  if (scope instanceof Response) return scope;
  context.store.register(registration);
  const origin = context.options.publicOrigin ?? new URL(request.url).origin;
  const state = (request.method === 'GET' ? text(parameters, 'state') : undefined) ?? element.key;
  return ceResponse(200, { element: element.key, oauthUrl: providerUrl(origin, registration, scope, state) });
}

/**
 * `GET /elements/{keyOrId}/oauth/token?apiKey&apiSecret&callbackUrl[&siteAddress]`: an OAuth 1 request token
 * `{token, secret}`; "a non-OAuth 1 element will also result in an error" (DEVPORTAL platform-api/elements).
 */
export async function handleOAuthToken(context: SandboxContext, request: Request, keyOrId: string): Promise<Response> {
  const begun = await begin(context, request, keyOrId);
  if (begun instanceof Response) return begun;
  const { element, parameters } = begun;
  if (!hasOAuth1Flow(element) || selectsOAuth2(element, parameters)) {
    return ceError(400, `Element '${element.key}' is not an OAuth 1 element: oauth/token is not applicable`);
  }
  const registration = readRegistration(element, parameters);
  if (registration instanceof Response) return registration;
  return ceResponse(200, context.store.issueRequestToken(registration, REQUEST_TOKEN_TTL_MS));
}
