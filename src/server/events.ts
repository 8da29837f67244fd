import { BodyTooLargeError, readBodyBytes } from '../node/read-body.js';
import { CloudElementsError } from './cloud-elements-client.js';
import type { ConnectContext } from './context.js';
import { verifyEventSignature } from './event-signature.js';
import { callHost, ownerFromTags } from './host.js';
import { errorResponse, jsonResponse, methodNotAllowed } from './http.js';
import { instanceElement, isInstanceIdText, tagNames } from './instance-view.js';
import type { ResolvedEvents } from './options.js';
import { createMemoryStateStore } from './state-store.js';
import type { ConnectionEvent, EventChange, StateStore } from './types.js';

/**
 * `POST {basePath}/events` (docs/events.md): Cloud Elements' signed webhooks, server to server — no X-CE-Connect,
 * no Origin rule, no `authorize`; the signature is the authentication. Bounded raw body, signature against every
 * key, delivery ids remembered for 80 hours on the state store, the owner recovered from the instance's tags, and
 * `onEvent` — a delivery it fails is forgotten again, so Cloud Elements' retry is delivered.
 */

/** Largest webhook body read (Cloud Elements sends at most 20 changes per delivery, a few KB each). */
export const MAX_EVENT_BODY_BYTES = 1024 * 1024;

/** How long a delivery id is remembered: longer than Cloud Elements retries one (about 73 hours). */
export const DELIVERY_MEMORY_MS = 80 * 60 * 60 * 1000;

/** Instances whose owner is remembered at most (least recently used forgotten first). */
export const OWNER_CACHE_SIZE = 1000;

/** Most changes accepted in one delivery (Cloud Elements sends up to 20). */
const MAX_CHANGES = 100;
/** A delivery id: printable, bounded (it goes into the store key and the log). */
const DELIVERY_ID = /^[\x21-\x7e]{1,200}$/;

/** What the route knows of an instance: its owner and element, looked up once. */
interface InstanceFacts {
  readonly owner: string | null;
  readonly element: string | null;
}

/** The per-handler state of the route: its store of delivery ids and the owner cache. */
interface EventReceiver {
  readonly events: ResolvedEvents;
  readonly store: StateStore & Required<Pick<StateStore, 'release'>>;
  /** Instance id → its facts (a promise, so concurrent deliveries share one look-up); insertion order is recency. */
  readonly owners: Map<string, Promise<InstanceFacts>>;
}

const receivers = new WeakMap<ConnectContext, EventReceiver>();

function receiverOf(context: ConnectContext, events: ResolvedEvents): EventReceiver {
  let receiver = receivers.get(context);
  if (!receiver) {
    const store = events.store ?? createMemoryStateStore({ now: context.options.now });
    receiver = { events, store: store as EventReceiver['store'], owners: new Map() };
    receivers.set(context, receiver);
  }
  return receiver;
}

/** A parsed delivery: the changes and the ids it carries. */
interface Delivery {
  readonly instanceId: string | null;
  readonly elementKey: string | null;
  readonly eventId: string | null;
  readonly changes: EventChange[];
  /** The whole parsed body. */
  readonly raw: unknown;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : undefined;

/** Cloud Elements' payload `{"message": {"eventId", "instanceId"?, "events": [{objectType, eventType, objectId, elementKey}]}}`. */
function parseDelivery(body: Buffer): Delivery | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  if (typeof message !== 'object' || message === null) return undefined;
  const { eventId, instanceId, events } = message as Record<string, unknown>;
  if (!Array.isArray(events) || events.length > MAX_CHANGES) return undefined;
  const changes: EventChange[] = [];
  let elementKey: string | null = null;
  for (const entry of events as unknown[]) {
    const change = (entry ?? {}) as Record<string, unknown>;
    const [objectType, eventType, objectId] = [text(change.objectType), text(change.eventType), text(change.objectId)];
    if (objectType === undefined || eventType === undefined || objectId === undefined) return undefined;
    changes.push({ objectType, eventType, objectId });
    elementKey ??= text(change.elementKey) ?? null;
  }
  const instance = text(instanceId);
  return {
    instanceId: isInstanceIdText(instance) ? instance : null,
    elementKey,
    eventId: text(eventId) ?? null,
    changes,
    raw: parsed,
  };
}

/**
 * The owner and element of an instance: its sealed owner tag, else `events.ownerOf`, else `null`. A missing instance
 * (404) is an answer too; a Cloud Elements failure or a throwing `ownerOf` rejects (the delivery is retried).
 */
async function lookUpInstance(
  context: ConnectContext,
  events: ResolvedEvents,
  instanceId: string,
): Promise<InstanceFacts> {
  let owner: string | undefined;
  let element: string | null = null;
  try {
    const instance = await context.cloudElements.getInstance(instanceId);
    if (String(instance.id) === instanceId) {
      owner = ownerFromTags(context, tagNames(instance));
      element = instanceElement(instance) ?? null;
    }
  } catch (error) {
    if (!(error instanceof CloudElementsError && error.failure === 'error-status' && error.status === 404)) throw error;
  }
  if (owner === undefined && events.ownerOf) {
    const ownerOf = events.ownerOf;
    const asked = await callHost(context.options.hookTimeoutMs, () => ownerOf(instanceId));
    if (!asked.ok) throw new Error('ownerOf failed');
    if (typeof asked.value === 'string' && asked.value !== '') owner = asked.value;
  }
  return { owner: owner ?? null, element };
}

/** The instance's facts from the cache, else looked up once and cached (the least recently used is dropped). */
function instanceFacts(context: ConnectContext, receiver: EventReceiver, instanceId: string): Promise<InstanceFacts> {
  const { owners } = receiver;
  let facts = owners.get(instanceId);
  if (facts) {
    owners.delete(instanceId);
  } else {
    facts = lookUpInstance(context, receiver.events, instanceId);
    // A failed look-up is not remembered: the retry asks again.
    facts.catch(() => owners.get(instanceId) === facts && owners.delete(instanceId));
  }
  owners.set(instanceId, facts);
  if (owners.size > OWNER_CACHE_SIZE) owners.delete(owners.keys().next().value!);
  return facts;
}

/** Answers one webhook delivery. */
export async function handleEvents(context: ConnectContext, request: Request): Promise<Response> {
  const events = context.options.events;
  if (!events) return errorResponse(404, 'Not found');
  if (request.method !== 'POST') return methodNotAllowed('POST');
  const { log } = context;
  const receiver = receiverOf(context, events);
  let body: Buffer;
  try {
    body = await readBodyBytes(request, MAX_EVENT_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    log('event.refused', { reason: 'too-large' });
    return errorResponse(413, 'The delivery is too large');
  }
  if (!verifyEventSignature(body, request.headers.get('elements-webhook-signature'), events.signingKeys)) {
    log('event.refused', {
      reason: request.headers.has('elements-webhook-signature') ? 'bad-signature' : 'no-signature',
    });
    return errorResponse(401, 'The delivery signature is missing or wrong');
  }
  const delivery = parseDelivery(body);
  const deliveryId = request.headers.get('elements-webhook-id') ?? delivery?.eventId;
  if (!delivery || typeof deliveryId !== 'string' || !DELIVERY_ID.test(deliveryId)) {
    log('event.refused', { reason: 'payload' });
    return errorResponse(400, 'The delivery is not a Cloud Elements event message');
  }
  const { instanceId } = delivery;
  const key = `ce-connect event|${deliveryId}`;
  let first: boolean;
  try {
    first = await receiver.store.consumeOnce(key, DELIVERY_MEMORY_MS);
  } catch {
    log('event.failed', { deliveryId, reason: 'store-unavailable' });
    return errorResponse(503, 'The delivery could not be checked right now');
  }
  if (!first) {
    log('event.duplicate', { deliveryId, instanceId: instanceId ?? undefined });
    return jsonResponse(200, { received: true, duplicate: true });
  }
  const failed = async (status: number, reason: string): Promise<Response> => {
    log('event.failed', { deliveryId, instanceId: instanceId ?? undefined, reason });
    // Not remembered as delivered: Cloud Elements' retry must get through. Should the store fail here too, the
    // id stays remembered; the log line above says which delivery was lost.
    await receiver.store.release(key).catch(() => log('event.release-failed', { deliveryId }));
    return errorResponse(status, 'The delivery could not be handled; retry later');
  };
  let facts: InstanceFacts = { owner: null, element: null };
  if (instanceId !== null) {
    try {
      facts = await instanceFacts(context, receiver, instanceId);
    } catch (error) {
      return failed(
        503,
        error instanceof CloudElementsError ? `owner-lookup-${error.failure}` : 'owner-lookup-ownerOf',
      );
    }
  }
  const event: ConnectionEvent = {
    instanceId,
    element: facts.element ?? delivery.elementKey,
    events: delivery.changes,
    owner: facts.owner,
    deliveryId,
    raw: delivery.raw,
  };
  const outcome = await callHost(context.options.hookTimeoutMs, () => events.onEvent(event));
  if (!outcome.ok) return failed(500, `hook-${outcome.failure}`);
  log('event.delivered', {
    deliveryId,
    instanceId: instanceId ?? undefined,
    element: event.element ?? undefined,
    changes: delivery.changes.length,
  });
  return jsonResponse(200, { received: true });
}
