import { BodyTooLargeError, readBodyText } from '../../node/read-body.js';
import { CODE_PATTERN, isInstanceName, STATE_PATTERN } from '../../protocol-rules.js';
import { isProviderData } from '../../provider-answer.js';
import { upstreamResponse } from '../cloud-elements-client.js';
import { claimFlow, completeFlow } from '../complete-flow.js';
import type { LinkGrant } from '../connect-links.js';
import type { ConnectContext } from '../context.js';
import { callHost, ownerTag, requestForHost } from '../host.js';
import { errorResponse, jsonResponse, refuse } from '../http.js';
import { instanceElement, newestFirst, ownsInstance, summarize } from '../instance-view.js';
import { FOREIGN_FLOW_MESSAGE, STORE_UNAVAILABLE } from '../messages.js';
import { findOwnedInstance, unknownInstance, type OwnedInstance } from '../owned-instance.js';
import type { CloudElementsInstance } from '../types.js';

/**
 * The owner-scoped instance routes (docs/protocol.md §12.3): `GET {basePath}/instances`,
 * `GET|DELETE {basePath}/instances/{id}`, and `POST {basePath}/instances` (flow 4b). The handler's route table
 * runs each for the request's owner.
 */

/** `GET {basePath}/instances`: the owner's instances of configured elements, newest first. */
export async function handleListInstances(context: ConnectContext, request: Request, owner: string): Promise<Response> {
  const refused = refuse(context, request, 'instances-list', { requireOrigin: false, requireJson: false });
  if (refused) return refused;
  const tag = ownerTag(context, owner);
  let listed: CloudElementsInstance[];
  try {
    listed = await context.cloudElements.listInstances(tag);
  } catch (error) {
    return upstreamResponse(error, 'instance-list', context.log);
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
export async function handleGetInstance(
  context: ConnectContext,
  request: Request,
  owner: string,
  id: string,
): Promise<Response> {
  const refused = refuse(context, request, 'instance', { requireOrigin: false, requireJson: false });
  if (refused) return refused;
  let found: OwnedInstance | undefined;
  try {
    found = await findOwnedInstance(context, owner, id);
  } catch (error) {
    return upstreamResponse(error, 'instance-get', context.log);
  }
  return found ? jsonResponse(200, summarize(found.instance, found.element)) : unknownInstance();
}

/**
 * `DELETE {basePath}/instances/{id}`: deleted at Cloud Elements, then `onInstanceDeleted`. When Cloud Elements
 * fails, the hook is not called (the host forgets nothing). A hook that throws or hangs is logged: the instance is
 * gone at Cloud Elements either way, so the answer is still 200.
 */
export async function handleDeleteInstance(
  context: ConnectContext,
  request: Request,
  owner: string,
  id: string,
): Promise<Response> {
  const refused = refuse(context, request, 'instance-delete', { requireOrigin: true, requireJson: false });
  if (refused) return refused;
  const { options, log } = context;
  let found: OwnedInstance | undefined;
  try {
    found = await findOwnedInstance(context, owner, id);
    if (!found) return unknownInstance();
    await context.cloudElements.deleteInstance(id);
  } catch (error) {
    return upstreamResponse(error, found ? 'instance-delete' : 'instance-get', context.log);
  }
  const { instance, element } = found;
  log('instance.deleted', { element, instanceId: id });
  const hook = options.onInstanceDeleted;
  if (hook) {
    const outcome = await callHost(options.hookTimeoutMs, () =>
      hook({ element, instance, owner, request: requestForHost(request) }),
    );
    if (!outcome.ok) log('instance.forget-failed', { element, instanceId: id, reason: outcome.failure });
  }
  return jsonResponse(200, { id });
}

/** Largest accepted request body. */
const MAX_BODY_BYTES = 16 * 1024;

/** The body of `POST {basePath}/instances`. */
interface ExchangeBody {
  readonly elementKey: string;
  /** `{code, …}`: the code and every other parameter the provider's callback carried (QuickBooks `realmId`). */
  readonly providerData: Readonly<Record<string, string>>;
  readonly state: string;
  readonly name: string;
}

/** `400 {"message", "code": "invalid-callback"}`: provider data beyond the bounds of docs/protocol.md §6.3. */
function invalidCallback(): Response {
  return jsonResponse(400, {
    message: 'The sign-in response carried parameters that cannot be passed on',
    code: 'invalid-callback',
  });
}

const REJECTIONS = {
  'no-flow-cookie': [400, 'No sign-in is pending in this browser (its flow cookie was not sent)'],
  'unknown-state': [400, 'Unknown sign-in state'],
  expired: [400, 'This sign-in has expired; please start again'],
  consumed: [409, 'This sign-in has already been completed'],
  'store-unavailable': [503, STORE_UNAVAILABLE],
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the body's shape: `undefined` when anything is missing, mistyped or out of range; `invalid-callback`
 * when `providerData` holds, besides its code, more or other than the bounds allow (the shared reader's rule).
 */
function parseExchangeBody(text: string): ExchangeBody | 'invalid-callback' | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(body) || !isRecord(body.element) || !isRecord(body.providerData)) return undefined;
  const { key } = body.element;
  const { code, ...extras } = body.providerData;
  const { state, name = '' } = body;
  if (typeof key !== 'string' || typeof code !== 'string' || !CODE_PATTERN.test(code)) return undefined;
  if (typeof state !== 'string' || !STATE_PATTERN.test(state)) return undefined;
  if (!isInstanceName(name)) return undefined;
  if (!isProviderData(extras)) return 'invalid-callback';
  return { elementKey: key, providerData: { ...extras, code }, state, name: name.trim() };
}

/**
 * `POST {basePath}/instances` (flow 4b): a same-origin JSON request carrying the code the static callback page
 * relayed. The element comes from the flow record; a body that names another element is refused (docs/security.md D-8).
 */
export async function handlePostInstances(
  context: ConnectContext,
  request: Request,
  owner: string,
  link?: LinkGrant,
): Promise<Response> {
  const { log } = context;
  const refused = refuse(context, request, 'instances', { requireOrigin: true, requireJson: true });
  if (refused) return refused;
  let text: string;
  try {
    text = await readBodyText(request, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return errorResponse(413, 'The request body is too large');
    return errorResponse(400, 'The request body could not be read');
  }
  const body = parseExchangeBody(text);
  if (body === 'invalid-callback') {
    log('exchange.rejected', { reason: 'invalid-callback' });
    return invalidCallback();
  }
  if (!body) return errorResponse(400, 'Expected {"element": {"key"}, "providerData": {"code", …}, "state", "name"?}');
  const claimed = await claimFlow(context, request, body.state, body.elementKey, owner);
  if (claimed.flow === undefined) {
    log('exchange.rejected', { reason: claimed.reason });
    const [status, message] = REJECTIONS[claimed.reason];
    return errorResponse(status, message, { setCookies: claimed.setCookies });
  }
  const { flow, setCookies } = claimed;
  if (!claimed.ok) {
    log('exchange.rejected', { reason: claimed.reason, element: flow.element });
    return claimed.reason === 'owner-mismatch'
      ? errorResponse(403, FOREIGN_FLOW_MESSAGE, { setCookies })
      : errorResponse(400, 'The element does not match the sign-in that was started', { setCookies });
  }
  // A link's flow keeps the name the link was made with.
  const name = link ? (flow.name ?? '') : body.name || (flow.name ?? '');
  const outcome = await completeFlow(context, request, { flow, providerData: body.providerData, name, owner, link });
  if (!outcome.ok) return errorResponse(outcome.failure.status, outcome.failure.message, { setCookies });
  const created = { id: outcome.instanceId, name: outcome.name, element: { key: flow.element } };
  // A reconnect re-authorised the same instance: 200 with its id; a new one is 201.
  return jsonResponse(flow.instance === undefined ? 201 : 200, created, { setCookies });
}
