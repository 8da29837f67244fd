import { randomBytes } from 'node:crypto';
import { checkAuthorization } from './authorization.js';
import { findSandboxElement, type SandboxElement } from './catalogue.js';
import { ceError, ceResponse, ceUnauthorized } from './ce-responses.js';
import { parseJsonObject, readLimitedText, type SandboxContext } from './context.js';
import type { Registration, SandboxInstance } from './store.js';

const MASK = '********';
const MASKED_KEY = /secret|password|token|(^|\.)api\.key$/i;

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

function isRefusal(value: SandboxElement | Refusal): value is Refusal {
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
  return GRANT_RULES.find((rule) => configuration[rule.field] !== rule.expected(grant))?.refusal;
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
): SandboxInstance {
  const tags = stringTags(body.tags) ?? [];
  return {
    id,
    name: body.name as string,
    createdDate: new Date(createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    token: randomBytes(32).toString('base64'),
    element: {
      id: element.id,
      name: element.name,
      key: element.key,
      description: `${element.name} (ce-connect sandbox)`,
      image: '',
      active: true,
      deleted: false,
      typeOauth: false,
      trialAccount: false,
      resources: [],
      transformationsEnabled: true,
      bulkDownloadEnabled: true,
      bulkUploadEnabled: true,
      cloneable: true,
      extendable: false,
      beta: false,
      authentication: { type: 'oauth2' },
      extended: false,
      hub: element.hub,
      protocolType: 'http',
      parameters: [],
    },
    elementId: element.id,
    tags,
    provisionInteractions: [],
    valid: true,
    disabled: false,
    maxCacheSize: 0,
    cacheTimeToLive: 0,
    configuration: maskedConfiguration(configuration),
    eventsEnabled: false,
    traceLoggingEnabled: false,
    cachingEnabled: false,
    externalAuthentication: 'none',
    user: { id: 1, emailAddress: 'sandbox.user@example.com', firstName: 'Sandbox', lastName: 'User' },
  };
}

/** `POST /instances` and `POST /elements/{keyOrId}/instances`: redeems the code and creates an instance. */
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
  const code = isRecord(body.providerData) ? body.providerData.code : undefined;
  if (typeof code !== 'string' || code === '') {
    return ceError(400, 'You must provide an OAuth code in order to create an instance of this element');
  }
  if (typeof body.name !== 'string' || body.name.trim() === '') return ceError(400, 'An instance name is required');
  const configuration = isRecord(body.configuration) ? body.configuration : {};
  const redemption = store.redeemCode(code);
  if (redemption.status !== 'ok') return ceError(...CODE_REFUSALS[redemption.status]);
  const refusal = checkGrant(resolved, redemption.registration, configuration);
  if (refusal) return ceError(...refusal);
  const instance = store.addInstance((id) => buildInstance(id, store.now(), resolved, body, configuration));
  return ceResponse(200, instance);
}

/** `GET /instances?tags[]=a&tags[]=b`: the instances carrying every tag given (all of them without a tag). */
function listInstances(context: SandboxContext, request: Request): Response {
  const wanted = new URL(request.url).searchParams.getAll('tags[]');
  const instances = context.store.listInstances().filter((instance) => wanted.every((tag) => instance.tags.includes(tag)));
  return ceResponse(200, instances);
}

/** `GET /instances`, `GET /instances/{id}`, `DELETE /instances/{id}`. */
export function manageInstances(context: SandboxContext, request: Request, id?: string): Response {
  const { options, store } = context;
  if (checkAuthorization(request.headers.get('authorization'), options) !== 'valid') return ceUnauthorized();
  if (id === undefined) return listInstances(context, request);
  const instance = /^\d{1,15}$/.test(id) ? store.getInstance(Number(id)) : undefined;
  if (!instance) return ceError(404, `No instance found with id ${id}`);
  if (request.method === 'DELETE') {
    store.deleteInstance(instance.id);
    return ceResponse(200);
  }
  return ceResponse(200, instance);
}

/** The instance a path id names, if any (ids are the sandbox's integers). */
function findInstance(context: SandboxContext, id: string): SandboxInstance | undefined {
  return /^\d{1,15}$/.test(id) ? context.store.getInstance(Number(id)) : undefined;
}

/**
 * `PUT /instances/{id}`: re-authorises an instance with a fresh code, under the rules of `POST /instances` (the
 * code single-use and unexpired, issued for this instance's element, with the same key, secret and callback URL
 * as its oauth/url call). The id stays; the token is new, `valid` is true again, the configuration is the one
 * sent (masked), and `name` and `tags`, when sent, replace the stored ones.
 */
export async function updateInstance(context: SandboxContext, request: Request, id: string): Promise<Response> {
  const { options, store } = context;
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
  const code = isRecord(body.providerData) ? body.providerData.code : undefined;
  if (typeof code !== 'string' || code === '') {
    return ceError(400, 'You must provide an OAuth code in order to re-authenticate this instance');
  }
  if (body.name !== undefined && (typeof body.name !== 'string' || body.name.trim() === '')) {
    return ceError(400, 'The instance name must be a non-empty string');
  }
  const configuration = isRecord(body.configuration) ? body.configuration : {};
  const redemption = store.redeemCode(code);
  if (redemption.status !== 'ok') return ceError(...CODE_REFUSALS[redemption.status]);
  const refusal = checkGrant(element, redemption.registration, configuration);
  if (refusal) return ceError(...refusal);
  instance.token = randomBytes(32).toString('base64');
  instance.valid = true;
  instance.configuration = maskedConfiguration(configuration);
  if (typeof body.name === 'string') instance.name = body.name;
  instance.tags = stringTags(body.tags) ?? instance.tags;
  return ceResponse(200, instance);
}
