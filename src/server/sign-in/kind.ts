import type { ConnectContext } from '../context.js';
import type { FlowExtras, PendingFlow } from '../flow.js';
import type { ElementConfig } from '../types.js';

/**
 * What differs between the kinds of sign-in an element uses (`oauth2`, `oauth1`, `credentials`): how a new flow gets the URL the user signs in at, and how the provider's answer on the callback
 * route becomes what Cloud Elements creates or re-authorises the instance with. Everything around them — guards,
 * owners, the flow cookie, claiming the state, creating or reconnecting, the callback page — is shared. A kind that
 * must keep something from start to completion (OAuth 1's request-token secret) keeps it in the signed flow record
 * (`PendingFlow` and its codec in flow.ts), never in the handler's memory.
 */
export interface SignInKind {
  /** The kind's name, as an element's configuration would name it. */
  readonly name: 'oauth2' | 'oauth1' | 'credentials';
  /**
   * The URL of a new flow, its state already recorded in the flow cookie (which is only sent if this succeeds):
   * `{ok: true, oauthUrl}`, or the response that refuses the request.
   */
  start(context: ConnectContext, start: SignInStart): Promise<SignInStarted>;
  /**
   * The provider's answer on the callback route, for a flow already claimed (state consumed, owner and element
   * checked): what Cloud Elements needs (`providerData`), the provider's refusal, or an unusable answer.
   */
  complete(request: Request, flow: PendingFlow, context: ConnectContext): SignInAnswer | Promise<SignInAnswer>;
  /**
   * The state of the flow a callback completes, when the provider does not send ours back (OAuth 1: Cloud
   * Elements' `state` is the element key; the flow is found by its request token in this browser's flow cookies).
   * Without it, the callback's `state` parameter is the flow's state.
   */
  callbackState?(context: ConnectContext, request: Request): string | undefined;
}

/** What a kind starts a flow with (`record`: what the flow cookie must keep besides, such as a request token). */
export interface SignInStart {
  readonly element: string;
  /** The element's one config entry: the same feeds the start and the instance's creation. */
  readonly config: Readonly<ElementConfig>;
  /** The flow's fresh state, already recorded in its cookie. */
  readonly state: string;
  /** The owner who starts the flow. */
  readonly owner: string;
  /** The site address, if the element takes one. */
  readonly site?: string;
  /** A reconnect: the owner's instance the flow will re-authorise. */
  readonly instance?: string;
  /** Redirect mode: the page the result goes back to; `undefined` in popup mode. */
  readonly returnUrl?: string;
  /** The button's language (one of the five the handler's pages speak), for a page of the handler. */
  readonly lang?: string;
}

/** The start of a flow: the URL to send the user to, or the response refusing the request. */
export type SignInStarted =
  | { readonly ok: true; readonly oauthUrl: string; readonly record?: Partial<FlowExtras> }
  | { readonly ok: false; readonly response: Response };

/** The provider's answer, read: what Cloud Elements needs, the provider's refusal, or an unusable answer. */
export type SignInAnswer =
  | { readonly kind: 'granted'; readonly providerData: Readonly<Record<string, string>> }
  | { readonly kind: 'error'; readonly error: string; readonly description: string }
  /** `invalid_callback`: parameters beyond the bounds of provider data; `invalid_request`: anything else unusable. */
  | { readonly kind: 'invalid'; readonly error: 'invalid_request' | 'invalid_callback'; readonly description: string };
