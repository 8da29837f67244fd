import { ceError, ceResponse, ceUnauthorized } from './ce-responses.js';
import { checkAuthorization } from './authorization.js';
import { handleAuthorize, handleAuthorizeOAuth1, handleDecision, matchConsentPath } from './consent-routes.js';
import { parseJsonObject, readLimitedText, type SandboxContext } from './context.js';
import { EventHub, type SandboxChange, type SandboxDelivery, type SandboxEventResult } from './events.js';
import { createInstance, manageInstances, updateInstance } from './instances-api.js';
import { listenSandbox, type SandboxListenOptions, type SandboxServer } from './listen.js';
import { handleOAuthToken, handleOAuthUrl } from './oauth-url-api.js';
import { resolveClock, resolveSandboxOptions, type SandboxOptions, type SandboxScenario } from './options.js';
import { SandboxStore, type SandboxInstance } from './store.js';

/** Path prefix of the emulated Cloud Elements API. */
export const SANDBOX_API_PATH = '/elements/api-v2';

/** A running emulator of Cloud Elements and of the providers' consent pages. */
export interface Sandbox {
  /** Answers requests under `/elements/api-v2` and `/oauth/`; `undefined` for any other path. */
  handler: (request: Request) => Promise<Response | undefined>;
  /** Copies of the created instances (with their tokens), newest last. */
  instances(): SandboxInstance[];
  /** Changes scenario options at run time (latency, failures, COOP, app name, code lifetime…). */
  configure(scenario: SandboxScenario): void;
  /** Forgets every instance, code and pending consent, and restores the options given at creation. */
  reset(): void;
  /**
   * Makes Cloud Elements report the instance as `valid: false`, as after failed token refreshes, until a
   * `PUT /instances/{id}` re-authorises it. False when there is no such instance.
   */
  invalidate(id: number | string): boolean;
  /**
   * Makes a change happen at the provider of an instance created with events enabled: delivers a signed webhook to
   * its `event.notification.callback.url`, retrying a failure after each of `retryDelaysMs`; resolves once
   * delivered or given up. Rejects with a TypeError for a bad change or an instance without events.
   */
  emitEvent(instanceId: number | string, change: SandboxChange): Promise<SandboxEventResult>;
  /** The Cloud Elements API calls answered so far (the latest 1000, oldest first), e.g. to show nothing was sent. */
  requests(): SandboxRequest[];
  /** Every webhook delivery attempt so far (the latest 1000), oldest first. */
  deliveries(): SandboxDelivery[];
  /** Serves this sandbox over HTTP (default `127.0.0.1`, a free port), as the `ce-connect-sandbox` command does. */
  listen(options?: SandboxListenOptions): Promise<SandboxServer>;
}

/** Waits `ms` on the global `setTimeout` (which test runners' mocked timers can drive). */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The segments of `path` after `prefix/`, decoded. */
function splitPath(path: string, prefix: string): string[] {
  return path
    .slice(prefix.length + 1)
    .split('/')
    .map(decodeSegment);
}

/** One Cloud Elements API call the sandbox answered (the path only: a query may carry an app's secret). */
export interface SandboxRequest {
  method: string;
  path: string;
  status: number;
  at: string;
}

const MAX_REQUESTS_KEPT = 1000;

function notAllowed(): Response {
  return ceError(405, 'Method not allowed');
}

/** Routes `/elements/api-v2/…` (the part after the prefix, split on `/`). */
async function routeApi(context: SandboxContext, request: Request, segments: readonly string[]): Promise<Response> {
  const method = request.method;
  const [resource, id, sub, leaf, ...extra] = segments;
  if (resource === 'elements' && id && sub === 'oauth' && leaf === 'url' && extra.length === 0) {
    return method === 'GET' || method === 'POST' ? handleOAuthUrl(context, request, id) : notAllowed();
  }
  if (resource === 'elements' && id && sub === 'oauth' && leaf === 'token' && extra.length === 0) {
    return method === 'GET' ? handleOAuthToken(context, request, id) : notAllowed();
  }
  if (resource === 'elements' && id && sub === 'instances' && leaf === undefined) {
    return method === 'POST' ? createInstance(context, request, id) : notAllowed();
  }
  if (resource === 'instances' && id === undefined) {
    if (method === 'POST') return createInstance(context, request);
    return method === 'GET' ? manageInstances(context, request) : notAllowed();
  }
  if (resource === 'instances' && id && sub === undefined) {
    if (method === 'PUT') return updateInstance(context, request, id);
    return method === 'GET' || method === 'DELETE' ? manageInstances(context, request, id) : notAllowed();
  }
  return ceError(404, 'Not found');
}

/** Path of the sandbox's own controls (not Cloud Elements'), e.g. `POST /_sandbox/instances/{id}/events`. */
export const SANDBOX_CONTROL_PATH = '/_sandbox';

/**
 * `POST /_sandbox/instances/{id}/events` with `{objectType, eventType, objectId}`: makes a change happen (as
 * `emitEvent`), answering `202 {eventId, deliveryId}` at once while the delivery runs; `GET /_sandbox/deliveries`
 * lists the attempts. Both need the account's `Authorization` header, as the API does.
 */
async function routeControl(context: SandboxContext, request: Request, segments: readonly string[]): Promise<Response> {
  if (checkAuthorization(request.headers.get('authorization'), context.options) !== 'valid') return ceUnauthorized();
  const [resource, id, sub, ...extra] = segments;
  if (resource === 'deliveries' && id === undefined) {
    return request.method === 'GET' ? ceResponse(200, context.events.deliveries()) : notAllowed();
  }
  if (resource !== 'instances' || !id || sub !== 'events' || extra.length > 0) return ceError(404, 'Not found');
  if (request.method !== 'POST') return notAllowed();
  const change = parseJsonObject(await readLimitedText(request));
  if (!change) return ceError(400, 'The request body must be a JSON object');
  try {
    const { eventId, deliveryId } = context.events.emit(/^\d{1,15}$/.test(id) ? Number(id) : NaN, change);
    return ceResponse(202, { eventId, deliveryId });
  } catch (error) {
    return ceError(400, (error as Error).message.replace(/^ce-connect\/sandbox: /, ''));
  }
}

/** Creates an in-process Cloud Elements + provider emulator. Throws a TypeError for invalid options. */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const initial = resolveSandboxOptions(options);
  const clock = resolveClock(options.now);
  const context: SandboxContext = {
    options: initial,
    store: new SandboxStore(clock),
    events: new EventHub(clock, () => context.options),
  };

  const requestLog: SandboxRequest[] = [];
  const logRequest = (entry: SandboxRequest) => {
    requestLog.push(entry);
    if (requestLog.length > MAX_REQUESTS_KEPT) requestLog.shift();
  };

  async function handler(request: Request): Promise<Response | undefined> {
    const path = new URL(request.url).pathname;
    if (path.startsWith(`${SANDBOX_API_PATH}/`)) {
      const { latencyMs } = context.options;
      if (latencyMs > 0) await delay(latencyMs);
      const response = await routeApi(context, request, splitPath(path, SANDBOX_API_PATH));
      logRequest({
        method: request.method,
        path,
        status: response.status,
        at: new Date(context.store.now()).toISOString(),
      });
      return response;
    }
    if (path.startsWith(`${SANDBOX_CONTROL_PATH}/`)) {
      return routeControl(context, request, splitPath(path, SANDBOX_CONTROL_PATH));
    }
    const consent = path.startsWith('/oauth/') ? matchConsentPath(path) : undefined;
    if (!consent) return undefined;
    if (consent.page === 'authorize') {
      return request.method === 'GET' ? handleAuthorize(context, request, consent.element) : undefined;
    }
    if (consent.page === 'authorize-oauth1') {
      return request.method === 'GET' ? handleAuthorizeOAuth1(context, request, consent.element) : undefined;
    }
    return request.method === 'POST' ? handleDecision(context, request, consent.element) : undefined;
  }

  const sandbox: Sandbox = {
    async handler(request) {
      try {
        return await handler(request);
      } catch {
        return ceError(500, 'Sandbox internal error');
      }
    },
    instances: () => structuredClone(context.store.listInstances()),
    configure(scenario) {
      // The account secrets (and the clock, which the store holds) are fixed at creation; a scenario cannot change them.
      const update: SandboxOptions = { ...scenario, userSecret: undefined, organizationSecret: undefined };
      context.options = resolveSandboxOptions(update, context.options);
    },
    reset() {
      context.store.clear();
      context.events.clear();
      requestLog.length = 0;
      context.options = initial;
    },
    invalidate(id) {
      const text = String(id);
      const instance = /^\d{1,15}$/.test(text) ? context.store.getInstance(Number(text)) : undefined;
      if (instance) instance.valid = false;
      return instance !== undefined;
    },
    emitEvent(instanceId, change) {
      try {
        return context.events.emit(Number(instanceId), change).done;
      } catch (error) {
        return Promise.reject(error);
      }
    },
    deliveries: () => context.events.deliveries(),
    requests: () => requestLog.map((entry) => ({ ...entry })),
    listen(listenOptions) {
      return listenSandbox(sandbox.handler, SANDBOX_API_PATH, listenOptions);
    },
  };
  return sandbox;
}
