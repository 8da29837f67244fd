import { createInstance, requestOAuthUrl } from './backend-client.js';
import { listenForResult } from './channel.js';
import { ConnectError, cleanText } from './errors.js';
import type { ConnectedDetail } from './events.js';
import { checkOAuthUrl, checkState } from './oauth-url.js';
import { isPopupOpen, openBlankPopup, touchPopup } from './popup.js';
import type { CallbackMessage } from './protocol.js';

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
  /** Milliseconds from the click to the result. */
  timeout: number;
  /** Milliseconds the popup must read closed before the flow reports `popup-closed`. */
  closedGrace: number;
}

/**
 * How a flow reports. `_done` comes at most once. `_popupClosed` at most once, after which the flow only waits
 * for a late result (COOP can make the popup read closed while the user is still signing in); if one comes,
 * `_resumed` says the flow works again (a 4b exchange), and its `_done` is `quiet` when it failed: the flow
 * already had its terminal event.
 */
export interface FlowReporter {
  _done(result: ConnectedDetail | ConnectError, quiet: boolean): void;
  _popupClosed(): void;
  _resumed(): void;
}

/**
 * One click's connection: open the popup (synchronously, in the constructor), ask the backend for the
 * sign-in URL, navigate the popup, wait for the callback message, exchange a code if needed. Everything it
 * holds (the request, one interval, the message listener, the channel) is released by `_stop()`, the single
 * exit of every way out.
 */
export class ConnectFlow {
  /** The flow's popup; its name is unique to this flow. */
  readonly _popup: Window;
  private readonly _request = new AbortController();
  private readonly _deadline: number;
  private readonly _interval: ReturnType<typeof setInterval>;
  private _stopListening?: () => void;
  private _closedSince?: number;
  /** Set once the popup was reported closed: the flow only waits, silently, for a late result. */
  _lingering = false;
  private _awaitingResult = true;
  private _resumed = false;
  private _stopped = false;

  /** Opens the popup at once; throws `popup-blocked` when the browser refuses it. */
  constructor(
    readonly _config: FlowConfig,
    private readonly _report: FlowReporter,
  ) {
    this._popup = openBlankPopup(`ce-connect-${Math.random().toString(36).slice(2)}`);
    this._deadline = Date.now() + _config.timeout;
    // One timer watches both the deadline and the popup (deadlines, not tick counts: background tabs throttle).
    this._interval = setInterval(() => this._tick(), Math.max(20, Math.min(250, _config.closedGrace / 4, _config.timeout / 4)));
    void this._start();
  }

  /** Ends the flow at once without reporting anything: closes the popup, releases everything. */
  _stop(): void {
    this._stopped = true;
    clearInterval(this._interval);
    this._request.abort();
    this._stopListening?.();
    touchPopup(this._popup, 'close');
  }

  private _tick(): void {
    if (Date.now() >= this._deadline) return this._end(new ConnectError('timeout'));
    if (!this._awaitingResult || this._lingering || isPopupOpen(this._popup)) {
      this._closedSince = undefined;
    } else if (Date.now() - (this._closedSince ??= Date.now()) >= this._config.closedGrace) {
      // Before navigation no result can ever come; after it, COOP may only have severed our handle.
      if (!this._stopListening) this._stop();
      this._lingering = true;
      this._report._popupClosed();
    }
  }

  private async _start(): Promise<void> {
    const { element, apiBase, callbackOrigin, instanceName: name, instance, site } = this._config;
    try {
      const answer = await requestOAuthUrl(apiBase, { element, name, instance, site }, this._request.signal);
      const url = checkOAuthUrl(answer.oauthUrl);
      const state = checkState(answer.state, url);
      if (this._stopped) return;
      this._stopListening = listenForResult(this._popup, callbackOrigin, state, (message) => void this._finish(message));
      this._popup.location.replace(url.href);
    } catch (error) {
      this._end(error);
    }
  }

  private async _finish({ state, instanceId, name, code, error, errorDescription }: CallbackMessage): Promise<void> {
    // From here on the popup closing itself is expected, not a cancel.
    this._awaitingResult = false;
    if (this._lingering) {
      this._resumed = true;
      this._report._resumed();
    }
    const { element, apiBase, instanceName, instance } = this._config;
    try {
      if (code) ({ id: instanceId, name } = await createInstance(apiBase, { element, code, state, name: instanceName }, this._request.signal));
      if (instanceId) return this._end({ element, instanceId, ...(name && { name }), ...(instance === instanceId && { reconnected: true }) });
      const kind = error === 'access_denied' ? 'provider-denied' : /^exchange[_-]failed$/.test(error!) ? 'exchange-failed' : 'provider-error';
      this._end(new ConnectError(kind, cleanText(errorDescription)));
    } catch (failure) {
      this._end(failure);
    }
  }

  /**
   * The single way a flow reports its end. After `popup-closed` a failure is quiet, and a timeout of a flow
   * that never got its late result is not reported at all: nobody waits for it any more.
   */
  private _end(result: unknown): void {
    if (this._stopped) return;
    this._stop();
    if (typeof result === 'object' && result !== null && 'instanceId' in result) {
      this._report._done(result as ConnectedDetail, false);
    } else if (!this._lingering || this._resumed) {
      this._report._done(result instanceof ConnectError ? result : new ConnectError('network'), this._lingering);
    }
  }
}
