import type { ConnectErrorCode } from './errors.js';

/** `connect-start`: the click was accepted; cancelable before the popup opens. */
export interface ConnectStartDetail {
  element: string;
}

/** `connect-redirect`: redirect mode is about to leave the page for the provider; cancelable. */
export interface ConnectRedirectDetail {
  element: string;
}

/** `connected`: the instance exists. Nothing else travels here — no code, no token. */
export interface ConnectedDetail {
  element: string;
  instanceId: string;
  name?: string;
  /** Present when the flow re-authorised the instance the button already had (the same `instanceId`). */
  reconnected?: true;
}

/** `connect-error`: the flow failed. */
export interface ConnectErrorDetail {
  element: string;
  code: ConnectErrorCode;
  message: string;
  status?: number;
}

/** Why a flow ended without a result. */
export type ConnectCancelReason = 'popup-closed' | 'aborted';

/** `connect-cancel`: the user closed the popup, or `cancel()`/removal aborted the flow. */
export interface ConnectCancelDetail {
  element: string;
  reason: ConnectCancelReason;
}

/** Why the button no longer has a connection: the user disconnected it, or the backend does not know it. */
export type DisconnectedReason = 'user' | 'missing';

/** `disconnected`: the button's instance is gone. */
export interface DisconnectedDetail {
  element: string;
  instanceId: string;
  reason: DisconnectedReason;
}

/** The shape of each event class: a static, literally typed `eventName` and a typed `detail`; bubbles and composed. */
interface DetailEventClass<D, N extends string> {
  readonly eventName: N;
  new (detail: D): Event & { readonly detail: D };
}

// One factory instead of four near-identical classes: the bundle carries the class body once.
function detailEvent<D, N extends string>(eventName: N, cancelable = false): DetailEventClass<D, N> {
  return class extends Event {
    static readonly eventName = eventName;
    constructor(readonly detail: D) {
      super(eventName, { bubbles: true, composed: true, cancelable });
    }
  };
}

/** Fired when a click is accepted, before the popup opens. `preventDefault()` stops the flow. */
export const ConnectStartEvent = detailEvent<ConnectStartDetail, 'connect-start'>('connect-start', true);
export type ConnectStartEvent = InstanceType<typeof ConnectStartEvent>;
/** Fired in redirect mode just before the page leaves for the provider. `preventDefault()` stays (`connect-cancel` `aborted`). */
export const ConnectRedirectEvent = detailEvent<ConnectRedirectDetail, 'connect-redirect'>('connect-redirect', true);
export type ConnectRedirectEvent = InstanceType<typeof ConnectRedirectEvent>;
/** Fired when the Cloud Elements instance exists. */
export const ConnectedEvent = detailEvent<ConnectedDetail, 'connected'>('connected');
export type ConnectedEvent = InstanceType<typeof ConnectedEvent>;
/** Fired when the flow fails; `detail.code` says how. */
export const ConnectErrorEvent = detailEvent<ConnectErrorDetail, 'connect-error'>('connect-error');
export type ConnectErrorEvent = InstanceType<typeof ConnectErrorEvent>;
/** Fired when the popup was closed or the flow was aborted. */
export const ConnectCancelEvent = detailEvent<ConnectCancelDetail, 'connect-cancel'>('connect-cancel');
export type ConnectCancelEvent = InstanceType<typeof ConnectCancelEvent>;
/** Fired when the button's instance was disconnected, or the backend reports it missing. */
export const DisconnectedEvent = detailEvent<DisconnectedDetail, 'disconnected'>('disconnected');
export type DisconnectedEvent = InstanceType<typeof DisconnectedEvent>;

/**
 * Every event of `<ce-connect-button>` by name: the one list the global event map (`addEventListener` typing), the
 * JSX and template typings (src/jsx/) and the props of ce-connect/react are derived from.
 */
export interface ConnectEventMap {
  'connect-start': ConnectStartEvent;
  'connect-redirect': ConnectRedirectEvent;
  connected: ConnectedEvent;
  'connect-error': ConnectErrorEvent;
  'connect-cancel': ConnectCancelEvent;
  disconnected: DisconnectedEvent;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface GlobalEventHandlersEventMap extends ConnectEventMap {}
}
