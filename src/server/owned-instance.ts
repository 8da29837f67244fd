import { CloudElementsError } from './cloud-elements-client.js';
import type { ConnectContext } from './context.js';
import { ownerTag } from './host.js';
import { jsonResponse } from './http.js';
import { instanceElement, isInstanceIdText, ownsInstance } from './instance-view.js';
import type { CloudElementsInstance } from './types.js';

/**
 * Finding an owner's instance (docs/protocol.md §12.2): Cloud Elements is the record of whose instance is whose
 * (the owner tag). Another owner's instance, or one of an element not configured, is answered exactly like one
 * that does not exist.
 */

/** An instance of the owner, of a configured element. */
export interface OwnedInstance {
  readonly instance: CloudElementsInstance;
  readonly element: string;
}

/** `404 {"message", "code": "unknown-instance"}`: gone, never existed, or not this owner's — indistinguishable. */
export function unknownInstance(): Response {
  return jsonResponse(404, { message: 'This connection does not exist', code: 'unknown-instance' });
}

function isNotFound(error: unknown): boolean {
  return error instanceof CloudElementsError && error.failure === 'error-status' && error.status === 404;
}

/**
 * The owner's instance `id` of a configured element, or `undefined`. Throws a `CloudElementsError` when Cloud
 * Elements fails. A 404 is believed only when the owner's list answers and lacks the id: a wrong base URL (404 on
 * every path) must read as a failure, not as "gone" (the element would drop the id).
 */
export async function findOwnedInstance(
  context: ConnectContext,
  owner: string,
  id: string,
): Promise<OwnedInstance | undefined> {
  const { cloudElements, options, log } = context;
  if (!isInstanceIdText(id)) return undefined;
  const tag = ownerTag(context, owner);
  let instance: CloudElementsInstance;
  try {
    instance = await cloudElements.getInstance(id);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const listed = await cloudElements.listInstances(tag);
    if (listed.some((entry) => String(entry.id) === id)) throw error;
    log('instance.unknown', { instanceId: id, reason: 'not-found' });
    return undefined;
  }
  // The instance asked for, or Cloud Elements answered about another one: never report on that.
  if (String(instance.id) !== id) throw new CloudElementsError('bad-response', 200);
  const element = instanceElement(instance);
  if (!ownsInstance(instance, tag)) {
    log('instance.unknown', { instanceId: id, reason: 'other-owner' });
    return undefined;
  }
  if (element === undefined || !options.elements.has(element)) {
    log('instance.unknown', { instanceId: id, reason: 'element-not-configured' });
    return undefined;
  }
  return { instance, element };
}
