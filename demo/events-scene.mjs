// The demo's events scene (docs/demo.md, "Events after connected"): a change made at the provider of a connected
// instance (the sandbox's emitEvent), the signed webhook it sends to the demo's own `POST /api/ce/events`, and a
// switch that turns the host off (that route answers 503) so the sandbox's retries show. What reaches the page is
// the event as `onEvent` got it and each delivery attempt as the sandbox lists it: never a signature or a key.
import { randomBytes, randomInt } from 'node:crypto';

/** Object types a change may be about, by the element's hub. */
const OBJECT_TYPES = {
  crm: ['Contact', 'Account', 'Lead', 'Opportunity'],
  marketing: ['Contact', 'Campaign'],
  documents: ['File', 'Folder'],
  helpdesk: ['Ticket', 'Comment'],
  finance: ['Invoice', 'Customer'],
  social: ['Status', 'Follower'],
  messaging: ['Message', 'Channel'],
  ecommerce: ['Order', 'Product'],
  esignature: ['Envelope'],
};
const EVENT_TYPES = ['UPDATED', 'UPDATED', 'CREATED', 'DELETED'];
const POLL_MS = 250;

/** A random change at a provider of hub `hub`: `{ objectType, eventType, objectId }`. */
export function randomChange(hub) {
  const types = OBJECT_TYPES[hub] ?? ['Record'];
  const objectType = types[randomInt(types.length)];
  return {
    objectType,
    eventType: EVENT_TYPES[randomInt(EVENT_TYPES.length)],
    objectId: `${objectType.slice(0, 3).toUpperCase()}-${randomBytes(3).toString('hex')}`,
  };
}

/**
 * Creates the scene. `sandbox` makes the changes; `feed` (demo/live-feed.mjs) tells the owner's pages;
 * `ownerOf(instanceId)` is the demo user an instance belongs to (what the host stored at onInstanceCreated);
 * `elementOf(key)` the catalogue entry; `retryDelaysMs` the sandbox's back-off, shown as "retry in 2 s".
 */
export function createEventsScene({ sandbox, feed, ownerOf, elementOf, retryDelaysMs, basePath = '/api/ce' }) {
  let hostOn = true;
  const pending = new Map(); // instance id → emits still being delivered
  const seen = new Set(); // `${deliveryId}:${attempt}` already told
  let poller;

  /** Tells the owners of watched instances each new delivery attempt the sandbox lists. */
  function pollDeliveries() {
    for (const delivery of sandbox.deliveries()) {
      const id = String(delivery.instanceId);
      const key = `${delivery.deliveryId}:${delivery.attempt}`;
      if (!pending.has(id) || seen.has(key)) continue;
      seen.add(key);
      if (seen.size > 5000) seen.delete(seen.values().next().value);
      const ok = typeof delivery.status === 'number' && delivery.status >= 200 && delivery.status < 300;
      feed.push(ownerOf(id), {
        kind: 'delivery',
        instanceId: id,
        deliveryId: delivery.deliveryId,
        attempt: delivery.attempt,
        status: delivery.status,
        ok,
        ...(!ok && { retryInMs: retryDelaysMs[delivery.attempt - 1] ?? null }),
      });
    }
    if (pending.size === 0) {
      clearInterval(poller);
      poller = undefined;
    }
  }

  return {
    get hostOn() {
      return hostOn;
    },
    /** Turns the host's events route on or off (off: it answers 503, as a host that is down or deploying). */
    setHost(on) {
      hostOn = Boolean(on);
    },
    /** The handler with the switch in front of its events route: `answer()` runs the handler. */
    guard(request, answer) {
      const path = new URL(request.url).pathname;
      if (!hostOn && request.method === 'POST' && path === `${basePath}/events`) {
        return new Response(JSON.stringify({ message: 'The host is off (demo switch)' }), {
          status: 503,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '2' },
        });
      }
      return answer();
    },
    /**
     * Makes a random change at the provider of `instanceId` (an instance of `element`); answers the change at
     * once while the sandbox delivers it (and retries) in the background. Throws a TypeError when the instance
     * was made without events.
     */
    async change(instanceId, element) {
      const change = randomChange(elementOf(element)?.hub);
      const id = String(instanceId);
      const delivery = sandbox.emitEvent(id, change);
      // emitEvent rejects at once for an instance without events: that is an answer for the page.
      const refused = await Promise.race([
        delivery.then(
          () => undefined,
          (error) => error,
        ),
        new Promise((r) => setImmediate(r)),
      ]);
      if (refused) throw refused;
      pending.set(id, (pending.get(id) ?? 0) + 1);
      poller ??= setInterval(pollDeliveries, POLL_MS);
      poller.unref?.();
      delivery
        .then((result) => {
          pollDeliveries();
          feed.push(ownerOf(id), {
            kind: 'delivery-end',
            instanceId: id,
            delivered: result.delivered,
            attempts: result.attempts,
            objectId: change.objectId,
          });
        })
        .catch(() => {})
        .finally(() => {
          const left = (pending.get(id) ?? 1) - 1;
          if (left > 0) pending.set(id, left);
          else pending.delete(id);
        });
      return change;
    },
    /** The handler's `events.onEvent`: each verified, first-time delivery, one feed line per event. */
    onEvent({ instanceId, element, events, owner }) {
      const id = String(instanceId);
      const user = owner ?? ownerOf(id);
      const name = elementOf(element)?.name ?? element;
      for (const { objectType, eventType, objectId } of events ?? []) {
        feed.push(user, { kind: 'event', instanceId: id, element, name, objectType, eventType, objectId });
      }
    },
  };
}
