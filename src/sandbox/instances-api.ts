import { randomBytes } from 'node:crypto';
import { checkAuthorization } from './authorization.js';
import {
  findSandboxElement,
  hasOAuth1Flow,
  SANDBOX_JIRA_SITE,
  SANDBOX_PASSWORD,
  SANDBOX_USERNAME,
  siteProblem,
  type CredentialField,
  type SandboxElement,
} from './catalogue.js';
import { ceError, ceResponse, ceUnauthorized } from './ce-responses.js';
import { parseJsonObject, readLimitedText, type SandboxContext } from './context.js';
import { compactElement, hydratedElement } from './element-definition.js';
import { readEventSettings, type EventSettings } from './events.js';
import type { Registration, SandboxInstance } from './store.js';

const MASK = '********';
const MASKED_KEY = /secret|password|token|signature\.key$|(^|\.)api\.key$/i;

/** A failed check: status, message and what the provider said. */
type Refusal = readonly [status: number, message: string, providerMessage?: string];

const CODE_REFUSALS: Readonly<Record<'unknown' | 'used' | 'expired', Refusal>> = {
  unknown: [400, 'The OAuth code is not valid', 'invalid_grant: authorization code not found'],
  used: [400, 'The OAuth code has already been used', 'invalid_grant: authorization code already redeemed'],
  expired: [400, 'The OAuth code has expired', 'invalid_grant: expired authorization code'],
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRefusal<T extends object>(value: T | Refusal): value is Refusal {
  return Array.isArray(value);
}

/** The element from the path and/or the body; they must agree when both are given. */
function resolveElement(pathKeyOrId: string | undefined, body: Record<string, unknown>): SandboxElement | Refusal {
  const claimed = isRecord(body.element) ? (body.element.key ?? body.element.id) : undefined;
  if (claimed !== undefined && typeof claimed !== 'string' && typeof claimed !== 'number') {
    return [400, 'element.key must be a string'];
  }
  const keyOrId = pathKeyOrId ?? (claimed === undefined ? undefined : String(claimed));
  if (keyOrId === undefined) return [400, 'An element key or id is required'];
  const element = findSandboxElement(keyOrId);
  if (!element) return [404, `No element found with key or id '${keyOrId}'`];
  if (claimed !== undefined && findSandboxElement(String(claimed)) !== element) {
    return [400, 'The element in the body does not match the element in the path'];
  }
  return element;
}

/** What the provider compares when it redeems a code: each configuration value against the OAuth URL call. */
const GRANT_RULES: ReadonlyArray<{ field: string; expected: (r: Registration) => string; refusal: Refusal }> = [
  {
    field: 'oauth.api.key',
    expected: (r) => r.apiKey,
    refusal: [400, 'oauth.api.key does not match the API key used for the OAuth URL', 'invalid_grant: code was issued to another client'],
  },
  {
    field: 'oauth.api.secret',
    expected: (r) => r.apiSecret,
    refusal: [400, 'oauth.api.secret does not match the API secret used for the OAuth URL', 'invalid_client: client authentication failed'],
  },
  {
    field: 'oauth.callback.url',
    expected: (r) => r.callbackUrl,
    refusal: [400, 'oauth.callback.url does not match the callback URL used for the OAuth URL', 'redirect_uri_mismatch'],
  },
];

/** The first way the instance request differs from the grant, if any. */
function checkGrant(element: SandboxElement, grant: Registration, configuration: Record<string, unknown>): Refusal | undefined {
  if (grant.element !== element) {
    const message = `The OAuth code was issued for element '${grant.element.key}', not '${element.key}'`;
    return [400, message, 'invalid_grant: code was issued to another client'];
  }
  const differs = GRANT_RULES.find((rule) => configuration[rule.field] !== rule.expected(grant))?.refusal;
  if (differs) return differs;
  const key = element.site?.configurationKey;
  if (key && grant.siteAddress !== undefined && configuration[key] !== grant.siteAddress) {
    return [400, `${key} does not match the siteAddress used for the OAuth URL (${grant.siteAddress})`];
  }
  return undefined;
}

/** The callback's other parameters (QuickBooks realmId, Xero org) must come back in providerData as sent. */
function checkExtras(extras: Readonly<Record<string, string>>, providerData: Record<string, unknown>): Refusal | undefined {
  for (const [name, value] of Object.entries(extras)) {
    if (providerData[name] === undefined) return [400, `providerData.${name} is required: the provider's callback carried it`];
    if (providerData[name] !== value) return [400, `providerData.${name} does not match the one the provider's callback carried`];
  }
  return undefined;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** Cloud Elements' answer to missing configuration entries: it names every one (DEVPORTAL sharepoint-create-instance). */
function missingConfiguration(names: readonly string[]): Refusal | undefined {
  return names.length ? [400, `Missing required configuration: ${names.join(', ')}`] : undefined;
}

/** Required entries present, fixed values as they must be, site entries in their shape. */
function checkConfiguration(element: SandboxElement, flow: Flow, configuration: Record<string, unknown>): Refusal | undefined {
  // QuickBooks' OAuth 1 flow is the one without authentication.type=oauth2.
  const skip = new Set(flow === 'oauth1' ? Object.keys(element.oauth2Parameters ?? {}) : []);
  const required = Object.entries(element.requiredConfiguration).filter(([key]) => !skip.has(key));
  const missing = missingConfiguration(required.filter(([key]) => !isPresent(configuration[key])).map(([key]) => key));
  if (missing) return missing;
  for (const [key, { example, fixed }] of required) {
    if (fixed && configuration[key] !== example) return [400, `${key} must be "${String(example)}" for ${element.name}`];
  }
  const rule = element.site;
  const siteKey = rule?.configurationKey;
  const siteValue = siteKey ? configuration[siteKey] : undefined;
  if (rule && siteKey && isPresent(siteValue)) {
    const problem = typeof siteValue === 'string' ? siteProblem(rule, siteKey, siteValue) : `${siteKey} must be a string`;
    if (problem) return [400, problem];
  }
  return undefined;
}

/** A credentials element: its configuration values are the credentials, checked as the provider would. */
function checkCredentials(element: SandboxElement, configuration: Record<string, unknown>): Refusal | undefined {
  const fields = element.credentials ?? [];
  const missing = missingConfiguration(fields.filter((field) => !isPresent(configuration[field.key])).map((field) => field.key));
  if (missing) return missing;
  const value = (type: CredentialField['type']) => configuration[fields.find((field) => field.type === type)?.key ?? ''];
  const site = value('url');
  if (site !== undefined && (typeof site === 'string' ? site.replace(/\/+$/, '') : '') !== SANDBOX_JIRA_SITE) {
    return [400, `Could not connect to the ${element.name} site given in base.url`, 'HTTP 404 Not Found'];
  }
  if (value('email') !== SANDBOX_USERNAME || value('password') !== SANDBOX_PASSWORD) {
    return [400, `Invalid credentials: the ${element.name} user name or password is incorrect`, 'HTTP 401 Unauthorized'];
  }
  return undefined;
}

type Flow = 'oauth1' | 'oauth2';

/** Which flow an instance request of an OAuth element completes: OAuth 1 when it carries an oauth_token. */
function flowOf(element: SandboxElement, providerData: Record<string, unknown>): Flow {
  if (element.auth === 'oauth1') return 'oauth1';
  return hasOAuth1Flow(element) && providerData.code === undefined && providerData.oauth_token !== undefined ? 'oauth1' : 'oauth2';
}

const OAUTH1_REFUSALS: Readonly<Record<'unknown' | 'used' | 'expired', Refusal>> = {
  unknown: [400, 'The OAuth token is not valid', 'oauth_problem=token_rejected'],
  used: [400, 'The OAuth token has already been used', 'oauth_problem=token_used'],
  expired: [400, 'The OAuth token has expired', 'oauth_problem=token_expired'],
};

/** Redeems the OAuth 2 code or OAuth 1 token of `providerData` and checks it against the request. */
function redeem(
  context: SandboxContext,
  element: SandboxElement,
  flow: Flow,
  providerData: Record<string, unknown>,
  configuration: Record<string, unknown>,
): Refusal | undefined {
  const { store } = context;
  if (flow === 'oauth2') {
    const redemption = store.redeemCode(providerData.code as string);
    if (redemption.status !== 'ok') return CODE_REFUSALS[redemption.status];
    const { registration, extras } = redemption.grant;
    return checkGrant(element, registration, configuration) ?? checkExtras(extras, providerData);
  }
  const redemption = store.redeemRequestToken(providerData.oauth_token as string);
  if (redemption.status !== 'ok') return OAUTH1_REFUSALS[redemption.status];
  const token = redemption.grant;
  if (providerData.oauth_verifier !== token.verifier) return [400, 'The OAuth verifier is not valid', 'oauth_problem=verifier_invalid'];
  if (providerData.secret !== token.secret) {
    return [400, 'providerData.secret is not the secret of this request token', 'oauth_problem=signature_invalid'];
  }
  return checkGrant(element, token.registration, configuration) ?? checkExtras(token.extras ?? {}, providerData);
}

/** What must be in providerData before anything is redeemed; the message says what is missing. */
function checkProviderData(flow: Flow, providerData: Record<string, unknown>, action: string): Refusal | undefined {
  const filled = (name: string) => typeof providerData[name] === 'string' && providerData[name] !== '';
  if (flow === 'oauth2') {
    return filled('code') ? undefined : [400, `You must provide an OAuth code in order to ${action}`];
  }
  const missing = ['oauth_token', 'oauth_verifier', 'secret'].filter((name) => !filled(name));
  return missing.length ? [400, `You must provide ${missing.join(', ')} in providerData in order to ${action}`] : undefined;
}

/**
 * Authenticates an instance request the way its element does — credentials checked; OAuth: configuration
 * first (nothing spent on a request Cloud Elements refuses anyway), then the code or token redeemed — and reads
 * its event settings. Answers the refusal, or the event settings to apply.
 */
function authenticate(
  context: SandboxContext,
  element: SandboxElement,
  body: Record<string, unknown>,
  configuration: Record<string, unknown>,
  action: string,
): Refusal | { events: EventSettings | undefined } {
  const events = readEventSettings(element.key, configuration);
  if (typeof events === 'string') return [400, events];
  if (element.auth === 'credentials') return checkCredentials(element, configuration) ?? { events };
  const providerData = isRecord(body.providerData) ? body.providerData : {};
  const flow = flowOf(element, providerData);
  return (
    checkProviderData(flow, providerData, action) ??
    checkConfiguration(element, flow, configuration) ??
    redeem(context, element, flow, providerData, configuration) ?? { events }
  );
}

/** The string tags of a request body's `tags` array; `undefined` when it has no array. */
function stringTags(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === 'string') : undefined;
}

function maskedConfiguration(configuration: Record<string, unknown>): Record<string, unknown> {
  const scalar = (value: unknown) => ['string', 'number', 'boolean'].includes(typeof value);
  const entries = Object.entries(configuration).filter(([, value]) => scalar(value));
  return Object.fromEntries(entries.map(([key, value]) => [key, MASKED_KEY.test(key) ? MASK : value]));
}

function buildInstance(
  id: number,
  createdAt: number,
  element: SandboxElement,
  body: Record<string, unknown>,
  configuration: Record<string, unknown>,
  eventsEnabled: boolean,
): SandboxInstance {
  const tags = stringTags(body.tags) ?? [];
  return {
    id,
    name: body.name as string,
    createdDate: new Date(createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    token: randomBytes(32).toString('base64'),
    element: hydratedElement(element) as SandboxInstance['element'],
    elementId: element.id,
    tags,
    provisionInteractions: [],
    valid: true,
    disabled: false,
    maxCacheSize: 0,
    cacheTimeToLive: 0,
    configuration: maskedConfiguration(configuration),
    eventsEnabled,
    traceLoggingEnabled: false,
    cachingEnabled: false,
    externalAuthentication: 'none',
    user: { id: 1, emailAddress: 'sandbox.user@example.com', firstName: 'Sandbox', lastName: 'User' },
  };
}

/** `POST /instances` and `POST /elements/{keyOrId}/instances`: authenticates as the element does and creates an instance. */
export async function createInstance(context: SandboxContext, request: Request, pathKeyOrId?: string): Promise<Response> {
  const { options, store } = context;
  if (checkAuthorization(request.headers.get('authorization'), options) !== 'valid') return ceUnauthorized();
  if (options.fail.instances) {
    return ceError(options.fail.instances, 'Simulated failure (sandbox scenario fail.instances)');
  }
  const body = parseJsonObject(await readLimitedText(request));
  if (!body) return ceError(400, 'The request body must be a JSON object');
  const resolved = resolveElement(pathKeyOrId, body);
  if (isRefusal(resolved)) return ceError(...resolved);
  if (typeof body.name !== 'string' || body.name.trim() === '') return ceError(400, 'An instance name is required');
  const configuration = isRecord(body.configuration) ? body.configuration : {};
  const outcome = authenticate(context, resolved, body, configuration, 'create an instance of this element');
  if (isRefusal(outcome)) return ceError(...outcome);
  const instance = store.addInstance((id) => buildInstance(id, store.now(), resolved, body, configuration, outcome.events !== undefined));
  context.events.configure(instance.id, outcome.events);
  return ceResponse(200, instance);
}

/** Largest (and default) page of `GET /instances`; the real limits are not documented [?]: 200 is the sandbox's. */
export const MAX_PAGE_SIZE = 200;

/** The opaque `nextPage` token: the last id of the page, base64url'd (the real token is opaque too). */
function pageToken(lastId: number): string {
  return Buffer.from(`after:${lastId}`).toString('base64url');
}

function readPageToken(token: string): number | undefined {
  const match = /^after:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString());
  return match ? Number(match[1]) : undefined;
}

/**
 * `GET /instances?tags[]=a&tags[]=b[&pageSize][&nextPage][&hydrate=false]`: the instances carrying every tag given,
 * a page at a time (`Elements-Next-Page-Token` when more remain; CHURROS general/headers.js), each embedding its
 * element definition unless `hydrate=false` (CHURROS provisioner.js lists that way).
 */
function listInstances(context: SandboxContext, request: Request): Response {
  const query = new URL(request.url).searchParams;
  const wanted = query.getAll('tags[]');
  const sizeText = query.get('pageSize');
  const pageSize = sizeText === null ? MAX_PAGE_SIZE : Number(sizeText);
  if (!Number.isInteger(pageSize) || pageSize < 1) return ceError(400, 'pageSize must be a positive integer');
  const tokenText = query.get('nextPage');
  const after = tokenText === null || tokenText === '' ? 0 : readPageToken(tokenText);
  if (after === undefined) return ceError(400, 'The nextPage token is not valid');
  const matching = context.store
    .listInstances()
    .filter((instance) => instance.id > after && wanted.every((tag) => instance.tags.includes(tag)));
  const page = matching.slice(0, Math.min(pageSize, MAX_PAGE_SIZE));
  const hydrate = query.get('hydrate') !== 'false';
  const body = hydrate ? page : page.map((instance) => ({ ...instance, element: compactElement(instance.element) }));
  const response = ceResponse(200, body);
  response.headers.set('Elements-Returned-Count', String(page.length));
  const last = page.at(-1);
  if (last && matching.length > page.length) response.headers.set('Elements-Next-Page-Token', pageToken(last.id));
  return response;
}

/** `GET /instances`, `GET /instances/{id}`, `DELETE /instances/{id}`. */
export function manageInstances(context: SandboxContext, request: Request, id?: string): Response {
  const { options, store } = context;
  if (checkAuthorization(request.headers.get('authorization'), options) !== 'valid') return ceUnauthorized();
  if (id === undefined) return listInstances(context, request);
  const instance = findInstance(context, id);
  if (!instance) return ceError(404, `No instance found with id ${id}`);
  if (request.method === 'DELETE') {
    store.deleteInstance(instance.id);
    context.events.configure(instance.id, undefined);
    return ceResponse(200);
  }
  return ceResponse(200, instance);
}

/** The instance a path id names, if any (ids are the sandbox's integers). */
function findInstance(context: SandboxContext, id: string): SandboxInstance | undefined {
  return /^\d{1,15}$/.test(id) ? context.store.getInstance(Number(id)) : undefined;
}

/**
 * `PUT /instances/{id}`: re-authenticates an instance under the rules of `POST /instances` (a fresh code or OAuth 1
 * token, single-use and unexpired, issued for this instance's element with the same key, secret and callback URL as
 * its oauth/url call; or, for a credentials element, right credentials). The id stays; the token is new, `valid`
 * is true again, the configuration is the one sent (masked), and `name` and `tags`, when sent, replace the stored ones.
 */
export async function updateInstance(context: SandboxContext, request: Request, id: string): Promise<Response> {
  const { options } = context;
  if (checkAuthorization(request.headers.get('authorization'), options) !== 'valid') return ceUnauthorized();
  if (!findInstance(context, id)) return ceError(404, `No instance found with id ${id}`);
  if (options.fail.instances) {
    return ceError(options.fail.instances, 'Simulated failure (sandbox scenario fail.instances)');
  }
  const body = parseJsonObject(await readLimitedText(request));
  if (!body) return ceError(400, 'The request body must be a JSON object');
  // Looked up again after the body: a DELETE may have come first.
  const instance = findInstance(context, id);
  const element = instance && findSandboxElement(instance.element.key);
  if (!instance || !element) return ceError(404, `No instance found with id ${id}`);
  const claimed = isRecord(body.element) ? (body.element.key ?? body.element.id) : undefined;
  const isKey = typeof claimed === 'string' || typeof claimed === 'number';
  if (claimed !== undefined && !(isKey && findSandboxElement(String(claimed)) === element)) {
    return ceError(400, `The element in the body does not match the instance's element '${element.key}'`);
  }
  if (body.name !== undefined && (typeof body.name !== 'string' || body.name.trim() === '')) {
    return ceError(400, 'The instance name must be a non-empty string');
  }
  const configuration = isRecord(body.configuration) ? body.configuration : {};
  const outcome = authenticate(context, element, body, configuration, 're-authenticate this instance');
  if (isRefusal(outcome)) return ceError(...outcome);
  instance.token = randomBytes(32).toString('base64');
  instance.valid = true;
  instance.configuration = maskedConfiguration(configuration);
  instance.eventsEnabled = outcome.events !== undefined;
  context.events.configure(instance.id, outcome.events);
  if (typeof body.name === 'string') instance.name = body.name;
  instance.tags = stringTags(body.tags) ?? instance.tags;
  return ceResponse(200, instance);
}
