import { createInstance, requestOAuthUrl, type OAuthUrlRequest } from './backend-client.js';
import { listenForResult } from './result-listener.js';
import { ConnectError } from './errors.js';
import type { ConnectedDetail } from './events.js';
import { checkOAuthUrl, checkState } from './oauth-url.js';
import { closePopup, isPopupOpen, openBlankPopup } from './popup.js';
import type { Prefetch } from './prefetch.js';
import type { CallbackMessage } from './protocol.js';
import { toDisplayText } from './protocol-rules.js';
import { leaving, recordRedirect } from './redirect.js';

/** How the button reaches the provider: a popup, the whole tab (redirect), or a popup with the tab as fallback. */
export type ConnectMode = 'popup' | 'redirect' | 'auto';

/** Everything a flow needs, validated by the caller and captured at click time. */
export interface FlowConfig {
  element: string;
  apiBase: URL;
  callbackOrigin: string;
  instanceName: string;
  /** The instance a reconnect re-authorises; absent for a new connection. */
  instance?: string;
  /** What the user typed for the site, for elements whose sign-in needs one (Zendesk subdomain, Shopify shop…). */
  site?: string;
  mode: ConnectMode;
  /** The button's language: the backend's own pages (a credentials form) speak it. */
  lang?: string;
  /** Milliseconds from the click to the result. */
  timeout: number;
  /** Milliseconds the popup must read closed before the flow reports `popup-closed`. */
  closedGrace: number;
}

/**
 * Where a flow is; the one value every decision reads (docs/protocol.md §3.4). Popup: OPENING → WAITING
 * (→ LINGERING) → EXCHANGING or EXCHANGING_LATE → DONE. Redirect: OPENING → NAVIGATING, and on the return page
 * EXCHANGING → DONE.
 * - `opening`: asking the backend for the sign-in URL (a popup, if any, is open and blank).
 * - `navigating`: redirect mode: this page is leaving for the provider.
 * - `waiting`: the popup is at the provider; listening for the callback message.
 * - `lingering`: the popup read closed and `popup-closed` was reported; still listening, silently, for a late
 *   result (Cross-Origin-Opener-Policy can sever the handle while the user is still signing in).
 * - `exchanging`: a result came (or this page came back with one): creating the instance from a code (flow 4b).
 * - `exchanging-late`: the same for a result that came while lingering; its failure is reported quietly.
 * - `done`: ended; everything released.
 */
const OPENING = 0,
  NAVIGATING = 1,
  WAITING = 2,
  LINGERING = 3,
  EXCHANGING = 4,
  EXCHANGING_LATE = 5,
  DONE = 6;
// Numbers, not strings: the phases are compared on every timer tick and each name would ship in the bundle.
type FlowPhase =
  | typeof OPENING
  | typeof NAVIGATING
  | typeof WAITING
  | typeof LINGERING
  | typeof EXCHANGING
  | typeof EXCHANGING_LATE
  | typeof DONE;

/**
 * How a flow reports, naming itself (the caller drops reports of a flow it no longer runs). `_done` comes at most once; `quiet` when the flow already ended for its caller (a late
 * result that failed). `_popupClosed` at most once; `_resumed` when a late result makes the flow work again.
 * `_leaving` just before redirect mode leaves the page: `false` stays (the host cancelled), and the caller
 * has stopped the flow.
 */
export interface FlowReporter {
  _done(flow: ConnectFlow, result: ConnectedDetail | ConnectError, quiet: boolean): void;
  _popupClosed(flow: ConnectFlow): void;
  _resumed(flow: ConnectFlow): void;
  _leaving(flow: ConnectFlow): boolean;
}

/**
 * In-app browsers (Facebook, Instagram, LinkedIn, Line, WeChat web views) where popups are useless and providers
 * such as Google refuse to sign in: `auto` goes straight to redirect mode there (docs/modes.md).
 */
const IN_APP_BROWSER = /FBA[NV]|FB_IAB|Instagram|LinkedInApp|\bLine\/|MicroMessenger/;

/** Whether a flow in `mode` tries a popup first (`auto` does, except in an in-app browser). */
export const wantsPopup = (mode: ConnectMode): boolean =>
  mode === 'popup' || (mode === 'auto' && !IN_APP_BROWSER.test(navigator.userAgent));

/** The oauth/url request of a flow with or without a popup: without one, the provider comes back to this page. */
export const oauthUrlRequest = (
  { element, instanceName: name, instance, site, lang }: FlowConfig,
  popup: boolean,
): OAuthUrlRequest => ({
  element,
  name,
  instance,
  site,
  lang,
  returnUrl: popup ? undefined : location.href.split('#')[0],
});

/**
 * One click's connection, or the end of one that comes back to this page. A popup flow asks the backend for the
 * sign-in URL and opens the popup synchronously (in the constructor, inside the click), navigates the
 * popup and waits for the callback message; a redirect flow records itself and leaves the page. A flow built
 * with a `returned` result goes straight to `exchanging`. Everything it holds (the request, the timer, the
 * listeners, the channel, the popup) hangs on one AbortSignal, aborted by `_stop()`, the single exit.
 */
export class ConnectFlow {
  _phase: FlowPhase = OPENING;
  /** The flow's popup, whose name is unique to this flow; none in redirect mode. */
  readonly _popup?: Window;
  private readonly _abort = new AbortController();
  private readonly _deadline: number;
  private _closedSince?: number;

  /**
   * Opens the popup at once; throws `popup-blocked` when the browser refuses it in `popup` mode. The oauth/url
   * request starts first (an un-awaited fetch spends no user activation), so it overlaps `window.open`, which
   * takes 80–380 ms by engine; `auto` must learn from the popup which request to make. `prefetch`: the
   * button's answer asked ahead, used if it is for this very request (docs/element.md, "Prefetch").
   */
  constructor(
    readonly _config: FlowConfig,
    private readonly _report: FlowReporter,
    returned?: CallbackMessage,
    prefetch?: Prefetch,
  ) {
    const { mode, timeout, closedGrace } = _config;
    const popupWanted = !returned && wantsPopup(mode);
    // Without user activation the popup will be refused: then no request at all (as before the popup opened).
    const early = !returned && (!popupWanted || (mode === 'popup' && navigator.userActivation?.isActive !== false));
    // Firefox runs other tasks inside window.open: an answer may come before `_popup` is set, so `_start` waits.
    let opened!: () => void;
    const ready = new Promise<void>((resolve) => (opened = resolve));
    if (early) void this._start(popupWanted, ready, prefetch);
    if (popupWanted) {
      try {
        this._popup = openBlankPopup(`ce-connect-${Math.random().toString(36).slice(2)}`);
      } catch (error) {
        // `auto`: a refused popup goes on in redirect mode, in the same click.
        if (mode === 'popup') throw (this._stop(), opened(), error);
      }
    }
    this._deadline = Date.now() + timeout;
    // One timer watches both the deadline and the popup (deadlines, not tick counts: background tabs throttle).
    const interval = setInterval(() => this._tick(), Math.max(20, Math.min(250, closedGrace / 4, timeout / 4)));
    this._abort.signal.addEventListener('abort', () => {
      clearInterval(interval);
      closePopup(this._popup);
    });
    // A returned result is finished after the caller has the flow in hand: its end may come synchronously.
    if (returned) void Promise.resolve(returned).then((result) => this._finish(result));
    else if (!early) void this._start(!!this._popup, ready, prefetch);
    opened();
  }

  /** Ends the flow at once without reporting anything: closes the popup, releases everything. */
  _stop(): void {
    this._phase = DONE;
    this._abort.abort();
  }

  private _tick(): void {
    const { _phase: phase, _popup: popup } = this;
    if (Date.now() >= this._deadline) return this._end(new ConnectError('timeout'));
    if (!popup || (phase !== OPENING && phase !== WAITING) || isPopupOpen(popup)) {
      this._closedSince = undefined;
    } else if (Date.now() - (this._closedSince ??= Date.now()) >= this._config.closedGrace) {
      // Before navigation no result can ever come; after it, COOP may only have severed our handle.
      if (phase === OPENING) this._stop();
      else this._phase = LINGERING;
      this._report._popupClosed(this);
    }
  }

  /** Asks for the sign-in URL (or takes the prefetched answer) for a flow with or without a popup, then goes there. */
  private async _start(popup: boolean, ready: Promise<void>, prefetch?: Prefetch): Promise<void> {
    const { apiBase, callbackOrigin, instance } = this._config;
    const { signal } = this._abort;
    const request = oauthUrlRequest(this._config, popup);
    const ask = () => requestOAuthUrl(apiBase, request, signal);
    try {
      // A prefetch that fails after all is silent: the click asks again, as without prefetch.
      const asked = prefetch?._take(apiBase, request, signal)?.catch(ask) ?? ask();
      // Neither the answer nor its failure is looked at before the constructor is done (the flow is then the button's).
      asked.catch(() => undefined);
      await ready;
      const answer = await asked;
      const url = checkOAuthUrl(answer.oauthUrl);
      const state = checkState(answer.state, url);
      if (this._phase === DONE) return;
      const { _popup: window } = this;
      if (window) {
        this._phase = WAITING;
        listenForResult(window, callbackOrigin, state, (message) => void this._finish(message), signal);
        window.location.replace(url.href);
      } else {
        const { element, returnUrl } = request;
        recordRedirect({ state, element, ...(instance && { instance }), returnUrl: returnUrl!, startedAt: Date.now() });
        if (!this._report._leaving(this)) return recordRedirect();
        this._phase = NAVIGATING;
        leaving._assign(url.href);
      }
    } catch (error) {
      this._end(error);
    }
  }

  private async _finish({
    state,
    instanceId,
    name,
    code,
    providerData,
    error,
    errorDescription,
  }: CallbackMessage): Promise<void> {
    // From here on the popup closing itself is expected, not a cancel.
    const late = this._phase === LINGERING;
    this._phase = late ? EXCHANGING_LATE : EXCHANGING;
    if (late) this._report._resumed(this);
    const { element, apiBase, instanceName, instance } = this._config;
    try {
      if (code)
        ({ id: instanceId, name } = await createInstance(
          apiBase,
          { element, providerData: { ...providerData, code }, state, name: instanceName },
          this._abort.signal,
        ));
      if (instanceId)
        return this._end({
          element,
          instanceId,
          ...(name && { name }),
          ...(instance === instanceId && { reconnected: true }),
        });
      // invalid_callback: the callback page refused the provider's parameters; nothing was sent anywhere.
      const kind =
        error === 'access_denied'
          ? 'provider-denied'
          : error === 'invalid_callback'
            ? 'invalid-callback'
            : /^exchange[_-]failed$/.test(error!)
              ? 'exchange-failed'
              : 'provider-error';
      this._end(new ConnectError(kind, toDisplayText(errorDescription)));
    } catch (failure) {
      this._end(failure);
    }
  }

  /**
   * The single way a flow reports its end. A failure of a late result is quiet, and the timeout of a flow that
   * lingers without one is not reported at all: nobody waits for it any more.
   */
  private _end(result: unknown): void {
    const phase = this._phase;
    if (phase === DONE) return;
    this._stop();
    // An own property: an `instanceId` inherited from a polluted Object.prototype never turns a failure into a success.
    if (typeof result === 'object' && result !== null && Object.hasOwn(result, 'instanceId')) {
      this._report._done(this, result as ConnectedDetail, false);
    } else if (phase !== LINGERING) {
      this._report._done(
        this,
        result instanceof ConnectError ? result : new ConnectError('network'),
        phase === EXCHANGING_LATE,
      );
    }
  }
}
