import { checkAuthorization } from './authorization.js';
import { findSandboxElement, type SandboxElement } from './catalogue.js';
import { ceError, ceResponse, ceUnauthorized } from './ce-responses.js';
import { parseJsonObject, readLimitedText, type SandboxContext } from './context.js';
import type { Registration } from './store.js';

const REQUIRED = ['apiKey', 'apiSecret', 'callbackUrl'] as const;

/** The consent-page URL a provider would be sent to, shaped like the element's real authorize URL. */
function providerUrl(origin: string, registration: Registration, scope: string | undefined, state: string): string {
  const { element } = registration;
  const url = new URL(`/oauth/${element.key}${element.authorizePath}`, origin);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', registration.apiKey);
  // Cloud Elements' documented Salesforce URL really does carry the secret; the server helper must strip it.
  if (element.echoesClientSecret) url.searchParams.set('client_secret', registration.apiSecret);
  if (scope) url.searchParams.set('scope', scope);
  url.searchParams.set('redirect_uri', registration.callbackUrl);
  url.searchParams.set('state', state);
  return url.href;
}

async function readParameters(request: Request): Promise<Record<string, unknown> | undefined> {
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

/**
 * `GET|POST /elements/{keyOrId}/oauth/url`: remembers the app details (as the provider will know them) and answers
 * `{element, oauthUrl}`. Accepted without an Authorization header, like Cloud Elements; a wrong one is refused.
 */
export async function handleOAuthUrl(context: SandboxContext, request: Request, keyOrId: string): Promise<Response> {
  const { options, store } = context;
  if (checkAuthorization(request.headers.get('authorization'), options) === 'invalid') return ceUnauthorized();
  if (options.fail.oauthUrl) return ceError(options.fail.oauthUrl, 'Simulated failure (sandbox scenario fail.oauthUrl)');
  const element: SandboxElement | undefined = findSandboxElement(keyOrId);
  if (!element) return ceError(404, `No element found with key or id '${keyOrId}'`);
  const parameters = await readParameters(request);
  if (!parameters) return ceError(400, 'The request body must be a JSON object');
  for (const name of REQUIRED) {
    const value = parameters[name];
    if (typeof value !== 'string' || value === '') return ceError(400, `Missing required parameter: ${name}`);
  }
  const text = (name: string) => {
    const value = parameters[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const callbackUrl = text('callbackUrl') as string;
  // Stricter than a real provider needs to be: the sandbox redirects browsers there, so only web URLs.
  if (!isWebUrl(callbackUrl)) return ceError(400, 'callbackUrl must be an absolute http(s) URL');
  const registration: Registration = {
    element,
    apiKey: text('apiKey') as string,
    apiSecret: text('apiSecret') as string,
    callbackUrl,
    siteAddress: text('siteAddress'),
  };
  store.register(registration);
  const origin = options.publicOrigin ?? new URL(request.url).origin;
  // Without a state Cloud Elements uses the element key.
  const oauthUrl = providerUrl(origin, registration, text('scope') ?? element.defaultScope, text('state') ?? element.key);
  return ceResponse(200, { element: element.key, oauthUrl });
}
