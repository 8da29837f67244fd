import type { ConnectContext } from './context.js';
import { callHost, requestForHost } from './hooks.js';
import { errorResponse, jsonResponse, methodNotAllowed } from './http.js';
import { instanceElement, newestFirst, ownsInstance, summarize } from './instance-view.js';
import { handleInstances } from './instances-route.js';
import type { CloudElementsInstance } from './options.js';
import { findOwnedInstance, unknownInstance, upstreamResponse, type OwnedInstance } from './owned-instance.js';
import { ownerTag, withOwner } from './owner.js';
import { checkBrowserRequest, GUARD_MESSAGES } from './request-guards.js';

/**
 * The owner-scoped instance routes (docs/protocol.md §12.3): `GET {basePath}/instances`,
 * `GET|DELETE {basePath}/instances/{id}`, and `POST {basePath}/instances` (flow 4b, in instances-route.ts).
 */

function refuse(context: ConnectContext, request: Request, route: string, requireOrigin: boolean): Response | undefined {
  const refused = checkBrowserRequest(request, context.options.allowedOrigins, { requireOrigin, requireJson: false });
  if (!refused) return undefined;
  context.log('request.refused', { route, reason: refused, origin: request.headers.get('origin') ?? undefined });
  return errorResponse(403, GUARD_MESSAGES[refused]);
}

/** `GET {basePath}/instances`: the owner's instances of configured elements, newest first. */
async function listOwned(context: ConnectContext, request: Request, owner: string): Promise<Response> {
  const refused = refuse(context, request, 'instances-list', false);
  if (refused) return refused;
  const tag = ownerTag(context, owner);
  let listed: CloudElementsInstance[];
  try {
    listed = await context.cloudElements.listInstances(tag);
  } catch (error) {
    return upstreamResponse(context, error, 'instance-list');
  }
  // Filtered here too: a Cloud Elements that ignored `tags[]` must not hand out everyone's instances.
  const instances = listed.flatMap((instance) => {
    const element = instanceElement(instance);
    return element !== undefined && context.options.elements.has(element) && ownsInstance(instance, tag)
      ? [summarize(instance, element)]
      : [];
  });
  return jsonResponse(200, { instances: instances.sort(newestFirst) });
}

/** `GET {basePath}/instances/{id}`: the instance's status. */
async function getOwned(context: ConnectContext, request: Request, owner: string, id: string): Promise<Response> {
  const refused = refuse(context, request, 'instance', false);
  if (refused) return refused;
  let found: OwnedInstance | undefined;
  try {
    found = await findOwnedInstance(context, owner, id);
  } catch (error) {
    return upstreamResponse(context, error, 'instance-get');
  }
  return found ? jsonResponse(200, summarize(found.instance, found.element)) : unknownInstance();
}

/**
 * `DELETE {basePath}/instances/{id}`: deleted at Cloud Elements, then `onInstanceDeleted`. When Cloud Elements
 * fails, the hook is not called (the host forgets nothing). A hook that throws or hangs is logged: the instance is
 * gone at Cloud Elements either way, so the answer is still 200.
 */
async function deleteOwned(context: ConnectContext, request: Request, owner: string, id: string): Promise<Response> {
  const refused = refuse(context, request, 'instance-delete', true);
  if (refused) return refused;
  const { options, log } = context;
  let found: OwnedInstance | undefined;
  try {
    found = await findOwnedInstance(context, owner, id);
    if (!found) return unknownInstance();
    await context.cloudElements.deleteInstance(id);
  } catch (error) {
    return upstreamResponse(context, error, found ? 'instance-delete' : 'instance-get');
  }
  const { instance, element } = found;
  log('instance.deleted', { element, instanceId: id });
  const hook = options.onInstanceDeleted;
  if (hook) {
    const outcome = await callHost(options.hookTimeoutMs, () => hook({ element, instance, owner, request: requestForHost(request) }));
    if (!outcome.ok) log('instance.forget-failed', { element, instanceId: id, reason: outcome.failure });
  }
  return jsonResponse(200, { id });
}

/** Routes `{basePath}/instances` and `{basePath}/instances/{id}`; every one of them for the request's owner. */
export function routeInstances(context: ConnectContext, request: Request, id: string | undefined): Promise<Response> {
  const method = request.method;
  if (id === undefined) {
    if (method === 'POST') return withOwner(context, request, 'json', (owner) => handleInstances(context, request, owner));
    if (method === 'GET') return withOwner(context, request, 'json', (owner) => listOwned(context, request, owner));
    return Promise.resolve(methodNotAllowed('GET, POST'));
  }
  if (id === '') return Promise.resolve(errorResponse(404, 'Not found'));
  if (method === 'GET') return withOwner(context, request, 'json', (owner) => getOwned(context, request, owner, id));
  if (method === 'DELETE') return withOwner(context, request, 'json', (owner) => deleteOwned(context, request, owner, id));
  return Promise.resolve(methodNotAllowed('GET, DELETE'));
}
