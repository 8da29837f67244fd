import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { parseWebUrl } from '../node/url-rules.js';

/**
 * Cloud Elements' events, as an instance configured for them gets them: a webhook to
 * `event.notification.callback.url`, signed with `event.notification.signature.key`
 * (`Elements-Webhook-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`, only when a key is set; DEVPORTAL
 * guides/event-management/security.md), with `Elements-Webhook-Id`, retried with back-off on a failure (the real
 * one: up to 9 retries at 2^(2x) s, about 73 hours; DEVPORTAL event-management/tips.md — seconds here).
 * `webhook` and `polling` deliver alike here: polling only changes how Cloud Elements learns of the change.
 */

/** A change at the provider, as `emitEvent` takes it. */
export interface SandboxChange {
  objectType: string;
  eventType: 'CREATED' | 'UPDATED' | 'DELETED' | 'UNKNOWN';
  objectId: string;
}

/** One delivery attempt, as `sandbox.deliveries()` lists them. */
export interface SandboxDelivery {
  /** The `Elements-Webhook-Id` of the delivery (the same for every attempt of one event). */
  deliveryId: string;
  eventId: string;
  instanceId: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** The HTTP status the callback answered, or `'network-error'` (refused, reset, timed out). */
  status: number | 'network-error';
  /** ISO time of the attempt, on the sandbox clock. */
  at: string;
}

/** What `emitEvent` resolves with once the event is delivered or the retries are spent. */
export interface SandboxEventResult {
  eventId: string;
  deliveryId: string;
  delivered: boolean;
  attempts: number;
}

/** The event settings of one instance, read from its configuration. */
export interface EventSettings {
  readonly elementKey: string;
  readonly callbackUrl: string;
  readonly signatureKey: string | undefined;
  readonly vendorType: 'webhook' | 'polling';
}

const EVENT_TYPES = new Set(['CREATED', 'UPDATED', 'DELETED', 'UNKNOWN']);
const MAX_DELIVERIES_KEPT = 1000;

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/**
 * The event settings of an instance configuration: `undefined` when events are off, a message when they are
 * on but unusable (answered as a Cloud Elements 400).
 */
export function readEventSettings(
  elementKey: string,
  configuration: Record<string, unknown>,
): EventSettings | string | undefined {
  if (!isTrue(configuration['event.notification.enabled'])) return undefined;
  const url = parseWebUrl(configuration['event.notification.callback.url']);
  if (!url)
    return 'event.notification.callback.url must be an absolute http(s) URL when event.notification.enabled is true';
  const vendor = configuration['event.vendor.type'] ?? 'webhook';
  // The docs spell it "webhook" and "webhooks" (DEVPORTAL _includes/events/webhook-parameters.md): both accepted.
  if (vendor !== 'webhook' && vendor !== 'webhooks' && vendor !== 'polling') {
    return 'event.vendor.type must be webhook or polling';
  }
  const key = configuration['event.notification.signature.key'];
  if (key !== undefined && (typeof key !== 'string' || key === ''))
    return 'event.notification.signature.key must be a non-empty string';
  return {
    elementKey,
    callbackUrl: url.href,
    signatureKey: key as string | undefined,
    vendorType: vendor === 'polling' ? 'polling' : 'webhook',
  };
}

/** Checks `emitEvent`'s change; a TypeError names what is wrong. */
function checkChange(change: unknown): SandboxChange {
  const c = change as Partial<SandboxChange> | null;
  const ok = (value: unknown) => typeof value === 'string' && value !== '' && value.length <= 200;
  if (!c || !ok(c.objectType) || !ok(c.objectId) || !EVENT_TYPES.has(c.eventType as string)) {
    throw new TypeError(
      'ce-connect/sandbox: emitEvent needs { objectType, eventType: CREATED|UPDATED|DELETED|UNKNOWN, objectId } (non-empty strings)',
    );
  }
  return {
    objectType: c.objectType as string,
    eventType: c.eventType as SandboxChange['eventType'],
    objectId: c.objectId as string,
  };
}

/** The signature header value for a body: `sha256=` + base64 HMAC-SHA256 under the instance's key. */
export function signWebhook(key: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('base64')}`;
}

/** The event settings of the instances, the deliveries made, and the retries waiting. */
export class EventHub {
  private readonly _settings = new Map<number, EventSettings>();
  private readonly _deliveries: SandboxDelivery[] = [];
  private readonly _timers = new Set<{ timer: ReturnType<typeof setTimeout>; cancel: () => void }>();

  constructor(
    private readonly _now: () => number,
    private readonly _timing: () => { retryDelaysMs: readonly number[]; deliveryTimeoutMs: number },
  ) {}

  /** Sets (or, with `undefined`, clears) an instance's event settings. */
  configure(instanceId: number, settings: EventSettings | undefined): void {
    if (settings) this._settings.set(instanceId, settings);
    else this._settings.delete(instanceId);
  }

  /** Copies of the delivery attempts, oldest first. */
  deliveries(): SandboxDelivery[] {
    return this._deliveries.map((delivery) => ({ ...delivery }));
  }

  /**
   * Starts delivering one event to the instance's callback URL, retrying a failure after each of `retryDelaysMs`;
   * `done` resolves once delivered or given up. Throws a TypeError for a bad change or an instance without events.
   */
  emit(
    instanceId: number,
    change: unknown,
  ): { eventId: string; deliveryId: string; done: Promise<SandboxEventResult> } {
    const checked = checkChange(change);
    const settings = this._settings.get(instanceId);
    if (!settings)
      throw new TypeError(`ce-connect/sandbox: instance ${instanceId} does not exist or has no events enabled`);
    const eventId = randomUUID();
    const deliveryId = randomBytes(12).toString('hex');
    const event = { ...checked, elementKey: settings.elementKey };
    const raw = { ...checked, changedAt: new Date(this._now()).toISOString(), source: 'ce-connect sandbox' };
    const body = JSON.stringify({ message: { eventId, instanceId, events: [event], raw } });
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Elements-Webhook-Id': deliveryId };
    if (settings.signatureKey !== undefined)
      headers['Elements-Webhook-Signature'] = signWebhook(settings.signatureKey, body);
    const done = this._attempt(settings.callbackUrl, headers, body, { eventId, deliveryId, instanceId }, 1);
    return { eventId, deliveryId, done };
  }

  /** Cancels every waiting retry (their `emit` promises resolve as not delivered) and forgets everything. */
  clear(): void {
    for (const entry of this._timers) entry.cancel();
    this._settings.clear();
    this._deliveries.length = 0;
  }

  private async _attempt(
    url: string,
    headers: Record<string, string>,
    body: string,
    ids: { eventId: string; deliveryId: string; instanceId: number },
    attempt: number,
  ): Promise<SandboxEventResult> {
    const { retryDelaysMs, deliveryTimeoutMs } = this._timing();
    let status: SandboxDelivery['status'];
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(deliveryTimeoutMs),
      });
      await response.body?.cancel().catch(() => {});
      status = response.status;
    } catch {
      status = 'network-error';
    }
    this._deliveries.push({ ...ids, attempt, status, at: new Date(this._now()).toISOString() });
    if (this._deliveries.length > MAX_DELIVERIES_KEPT) this._deliveries.shift();
    const delivered = typeof status === 'number' && status >= 200 && status < 300;
    const delay = retryDelaysMs[attempt - 1];
    if (delivered || delay === undefined)
      return { eventId: ids.eventId, deliveryId: ids.deliveryId, delivered, attempts: attempt };
    const retried = await this._wait(delay);
    if (!retried) return { eventId: ids.eventId, deliveryId: ids.deliveryId, delivered: false, attempts: attempt };
    return this._attempt(url, headers, body, ids, attempt + 1);
  }

  /** Resolves true after `ms`, or false when `clear()` cancels the wait; never keeps the process alive alone. */
  private _wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this._timers.delete(entry);
          resolve(true);
        }, ms),
        cancel: () => {
          clearTimeout(entry.timer);
          this._timers.delete(entry);
          resolve(false);
        },
      };
      entry.timer.unref?.();
      this._timers.add(entry);
    });
  }
}
