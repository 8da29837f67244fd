import { randomBytes } from 'node:crypto';
import { checkAuthorization } from './authorization.js';
import { findSandboxElement, type SandboxElement } from './catalogue.js';
import { ceError, ceResponse, ceUnauthorized } from './ce-responses.js';
import { parseJsonObject, readLimitedText, type SandboxContext } from './context.js';
import { compactElement, hydratedElement } from './element-definition.js';
import { authenticate, isRecord, isRefusal, type Refusal } from './instance-authentication.js';
import type { SandboxInstance } from './store.js';

const MASK = '********';
const MASKED_KEY = /secret|password|token|signature\.key$|(^|\.)api\.key$/i;

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
export async function createInstance(
  context: SandboxContext,
  request: Request,
  pathKeyOrId?: string,
): Promise<Response> {
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
  const instance = store.addInstance((id) =>
    buildInstance(id, store.now(), resolved, body, configuration, outcome.events !== undefined),
  );
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
